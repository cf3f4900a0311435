#pragma once
// The sections of a run's report in the block form (blocks.hpp): built once from the analysis,
// written as BENCHMARK_RESULTS.md, inside BENCHMARK_REPORT.md one level down, and picked by id
// for report.html. Internal to the report library.
#include <vector>

#include "blocks.hpp"
#include "legion/report/summary.hpp"

namespace legion::report::detail {

// In the Markdown report's order; ids: front, summary, method, reproduce, versions, settings,
// cold-start, results, suite-wide, concurrency, token-counts, unsupported, failures, sweeps,
// published, threats (a section with nothing to say is left out).
std::vector<Section> run_sections(const RunResults& results);
Section concurrency_section(const std::vector<ConcurrencyLevel>& levels);
Section sweep_section(const std::vector<SweepTrend>& trends);

}  // namespace legion::report::detail
