#pragma once
// The published suite's verdicts: every figure in datasets/published/ set beside what this
// machine's runs measured of it — the same quantity on both sides (a ratio between frameworks, a
// slope, a count), the measurement with its interval, and a verdict within the figure's tolerance
// or the reason it is not comparable. No figure is left out.
#include <optional>
#include <ostream>
#include <vector>

#include "legion/datasets/published.hpp"
#include "legion/report/document.hpp"
#include "legion/report/published.hpp"

namespace legion::report {

struct RunResults;

// The runs of `legion-bench --suite published`, by what each measures (any may be absent).
struct ReproductionRuns {
  const RunResults* calls = nullptr;          // single-tool and llm-only, a latency profile, the frameworks and `direct`
  const RunResults* tool_sweep = nullptr;     // tool-overhead swept over extra_tools
  const RunResults* mixture_sweep = nullptr;  // mixture-of-agents swept over proposers
  const PublishedComparison* zero_io = nullptr;  // legion-bench zero-io's verdicts
  const PublishedComparison* footprint = nullptr;  // legion-bench footprint's verdicts
  const RunResults* single_turn = nullptr;  // llm-only with the frameworks in the in-process mode (NAME@in-process), no latency
};

// One verdict per figure, in the files' order, and after the second figure of a pair the verdict
// on what the pair derives (a slope from two counts, a ratio of two differences).
PublishedComparison reproduce_published(const std::vector<datasets::PublishedFigure>& figures, const ReproductionRuns& runs);

// PUBLISHED_COMPARISON.md: the verdicts, a count of each kind, and the references (each source
// once, with its address).
void write_published_comparison(std::ostream& out, const PublishedComparison& comparison,
                                const std::vector<datasets::PublishedFigure>& figures);

// Start-up of each system: each run's cold start per system (a fresh worker process importing its
// framework) as one sample, shown without a verdict (no source states a comparable figure).
struct StartupRow {
  std::string system;
  double median_ms = 0, min_ms = 0, max_ms = 0;
  std::optional<double> import_median_ms;  // where the system reports its import's share
  std::size_t samples = 0;
};
struct StartupTable {
  std::size_t runs = 0;  // of the suite; 0: no table
  std::vector<StartupRow> rows;
};
StartupTable startup_table(const std::vector<const RunResults*>& runs);
void write_startup_table(std::ostream& out, const StartupTable& table);

// What the published suite publishes: the verdicts, the figures (their sources are the references)
// and the start-up of each system.
struct PublishedReport {
  PublishedComparison comparison;
  std::vector<datasets::PublishedFigure> figures;
  StartupTable startup;
};
// PUBLISHED_COMPARISON.md and published_comparison.json (the comparison a combined report reads).
const Document<PublishedReport>& published_comparison_document();

}  // namespace legion::report
