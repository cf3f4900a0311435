#pragma once
// A run against a real model (RunContext::real_model), summarised per (scenario, system) cell and per
// system from its records: success with a Wilson interval, pass^k and pass@k, tokens and calls per
// task, the latency split between the model and the framework, cost, and why tasks failed. Computed
// once by summarize_run; every report format only formats it, in a section of its own that never
// shares a table with scripted-model results.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "legion/report/results.hpp"
#include "legion/report/pairwise.hpp"
#include "legion/stats/intervals.hpp"

namespace legion::report {

// pass^k and pass@k are reported for k = 1 … kMaxPassK.
inline constexpr std::size_t kMaxPassK = 5;
// Failure counts: one per kFailureClasses entry, in its order, then the failed trials that carry no
// known class ("unclassified").
inline constexpr std::size_t kFailureColumns = std::size(kFailureClasses) + 1;
using FailureCounts = std::array<std::size_t, kFailureColumns>;

struct RealModelCell {
  std::string scenario;  // the cell's label (cell_label)
  std::string system;
  std::size_t trials = 0;     // measured records (warm-ups excluded), every outcome
  std::size_t successes = 0;  // correct and without error
  std::optional<stats::Estimate> success_rate;  // Wilson score interval; absent with no trial
  // Index k − 1; absent when k > trials or when the setting is deterministic (repeats of one seed
  // are not independent trials).
  std::array<std::optional<double>, kMaxPassK> pass_hat_k{}, pass_at_k{};
  // Means per task over every trial (what a task costs on average, failures included).
  double prompt_tokens = 0, completion_tokens = 0, cached_prompt_tokens = 0, calls = 0;
  std::optional<double> tokens_per_success;  // every trial's tokens ÷ successes
  // Medians per task over the trials that ended without error, with the BCa bootstrap interval of
  // the median (n ≥ 2): time inside the model (model_busy_ns) and the framework's own time (overhead_ns).
  std::optional<stats::Estimate> model_ms, framework_ms;
  std::size_t timed = 0;  // trials behind those medians
  // With a price: money per task (mean) and per success (total ÷ successes). Without: the model's
  // time in seconds per task and per success, shown as the cost.
  std::optional<double> cost_per_task, cost_per_success;
  double model_seconds_per_task = 0;
  std::optional<double> model_seconds_per_success;
  FailureCounts failures{};
};

// A system over every scenario it ran: pass^k and pass@k averaged over its scenarios (tasks), as
// τ-bench reports them.
struct RealModelSystem {
  std::string system;
  std::size_t scenarios = 0, trials = 0, successes = 0;
  std::optional<stats::Estimate> success_rate;  // Wilson over the pooled trials
  std::array<std::optional<double>, kMaxPassK> pass_hat_k{}, pass_at_k{};
  FailureCounts failures{};
};

struct RealModelSummary {
  RealModel model;       // the run's RunContext::real_model
  bool sampled = false;  // setting "sampled": trials are independent draws, so pass^k is defined
  std::vector<RealModelCell> cells;      // cells in run order, systems in the run's one order
  std::vector<RealModelSystem> systems;  // in the run's one order
};

// Absent for a run with the scripted model. `systems` is the run's system order.
std::optional<RealModelSummary> summarize_real_model(const RunContext& context, const std::vector<RunRecord>& records,
                                                     const StatisticsOptions& options, const std::vector<std::string>& systems);

// "failure class" names for the columns of FailureCounts.
std::string failure_column_name(std::size_t column);

// A real-model run's framework time beside a scripted run's overhead, for the systems and scenarios
// both measured: per system the mean over those scenarios of the cell's median (ms per task), each
// system's rank in both (1 = least time), and Spearman's ρ between the two rankings.
struct RealBesideScripted {
  std::string real_run, scripted_run;  // run ids
  std::vector<std::string> scenarios;  // measured by both, for every system below
  struct Row {
    std::string system;
    double real_framework_ms = 0, scripted_overhead_ms = 0;
    double real_rank = 0, scripted_rank = 0;  // average ranks for ties
  };
  std::vector<Row> rows;
  std::optional<double> spearman_rho;  // absent with fewer than three systems, or a constant ranking
  bool same_order = false;             // every system holds its rank
};

// For a real-model run and a scripted run; absent unless they share at least two systems and one scenario.
struct RunResults;
std::optional<RealBesideScripted> real_beside_scripted(const RunResults& real, const RunResults& scripted);
// Every (real-model run, scripted run) pairing of a combined report: each real-model run beside the
// first scripted run that shares systems and scenarios with it.
std::vector<RealBesideScripted> real_beside_scripted(const std::vector<const RunResults*>& runs);

}  // namespace legion::report
