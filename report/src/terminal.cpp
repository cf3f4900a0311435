// The table a run prints on the terminal: every name made printable first.
#include <iomanip>

#include "format.hpp"
#include "legion/report/escape.hpp"
#include "legion/report/reporters.hpp"

namespace legion::report {

using detail::fixed;
using detail::overhead;
using detail::sig3;

void write_terminal_table(std::ostream& out, const RunResults& r) {
  out << std::left << std::setw(26) << "scenario" << std::setw(17) << "system" << std::right << std::setw(5) << "n"
      << std::setw(9) << "correct" << std::setw(13) << "wall ms" << std::setw(15) << "overhead ms" << std::setw(14)
      << "µs/LLM call" << std::setw(7) << "calls" << std::setw(10) << "RSS MB" << "\n";
  for (const auto& s : r.summaries) {
    out << std::left << std::setw(26) << printable(s.scenario) << std::setw(17) << printable(s.system) << std::right << std::setw(5) << s.runs
        << std::setw(9) << (std::to_string(s.correct) + "/" + std::to_string(s.runs));
    if (s.unsupported)
      out << std::setw(13) << "unsupported";
    else if (s.runs > s.errors)
      out << std::setw(13) << sig3(s.wall_ms.median) << std::setw(15) << overhead(s.overhead_ms.n, s.overhead_ms.median)
          << std::setw(15) << overhead(s.overhead_ms.n, s.overhead_per_call_us) << std::setw(7) << sig3(s.llm_calls) << std::setw(10) << fixed(s.rss_peak_mb, 1);
    else
      out << std::setw(13) << "failed";
    out << "\n";
  }
}

}  // namespace legion::report
