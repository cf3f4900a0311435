// results.csv (one row per record, its columns from the field table) and summaries.csv (one row
// per scenario and system).
#include <iomanip>
#include <variant>

#include "legion/report/escape.hpp"
#include "legion/report/reporters.hpp"

namespace legion::report {

void write_records_csv(std::ostream& out, const RunResults& r) {
  std::string header;
  for (const auto& f : record_fields())
    if (f.csv) header += std::string(header.empty() ? "" : ",") + f.name;
  out << header << "\n";
  for (const auto& rec : r.records) {
    bool first = true;
    for (const auto& f : record_fields()) {
      if (!f.csv) continue;
      if (!first) out << ',';
      first = false;
      std::visit([&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, bool>) out << (v ? "true" : "false");
        else if constexpr (std::is_same_v<V, std::string>) out << csv_cell(v);
        else if constexpr (!std::is_same_v<V, std::monostate>) out << v;  // absent: an empty cell
      }, f.get(rec));
    }
    out << '\n';
  }
}

void write_summaries_csv(std::ostream& out, const RunResults& r) {
  out << "scenario,system,runs,correct,errors,wall_median_ms,wall_min_ms,wall_max_ms,overhead_median_ms,overhead_min_ms,"
         "overhead_max_ms,overhead_per_llm_call_us,llm_calls,prompt_tokens,completion_tokens,rss_peak_mb\n";
  out << std::setprecision(10);
  for (const auto& s : r.summaries) {
    out << csv_cell(s.scenario) << ',' << csv_cell(s.system) << ',' << s.runs << ',' << s.correct << ',' << s.errors << ',';
    if (s.wall_ms.n > 0) out << s.wall_ms.median << ',' << s.wall_ms.min << ',' << s.wall_ms.max;
    else out << ",,";
    out << ',';
    if (s.overhead_ms.n > 0)
      out << s.overhead_ms.median << ',' << s.overhead_ms.min << ',' << s.overhead_ms.max << ',' << s.overhead_per_call_us;
    else out << ",,,";
    out << ',' << s.llm_calls << ',' << s.prompt_tokens << ',' << s.completion_tokens << ',' << s.rss_peak_mb << '\n';
  }
}
}  // namespace legion::report
