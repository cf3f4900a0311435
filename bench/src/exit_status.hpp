#pragma once
// legion-bench's exit statuses, one table for every command (docs/reliability.md).
#include <algorithm>

#include "legion/report/reporters.hpp"

namespace legion::bench {

inline constexpr int kExitOk = 0;           // every task correct, every report written
inline constexpr int kExitFailed = 1;       // a task failed or answered wrong, or a report could not be written
inline constexpr int kExitUsage = 2;        // bad option, scenario or input file; nothing was run
inline constexpr int kExitInterrupted = 128;  // plus the signal: 130 for SIGINT, 143 for SIGTERM

// A finished run's status: cells a system cannot express (unsupported) are results, not failures.
inline int run_exit_status(const report::RunResults& results, const report::Artifacts& artifacts) {
  const bool all_correct = std::all_of(results.records.begin(), results.records.end(),
                                       [](const report::RunRecord& r) { return r.correct || r.unsupported; });
  return all_correct && artifacts.complete() ? kExitOk : kExitFailed;
}

}  // namespace legion::bench
