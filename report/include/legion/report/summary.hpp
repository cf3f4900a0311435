#pragma once
// Summary: what the statistics say about one (scenario, system) cell, computed from its records
// before any reporter runs. Reporters only format these.
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "legion/report/concurrency.hpp"
#include "legion/report/pairwise.hpp"
#include "legion/report/published.hpp"
#include "legion/report/real_model.hpp"
#include "legion/report/results.hpp"
#include "legion/report/statistics.hpp"
#include "legion/report/sweep.hpp"
#include "legion/stats/descriptive.hpp"
#include "legion/stats/intervals.hpp"

namespace legion::report {

struct CellSummary {
  std::string scenario;  // the cell's label (cell_label), as every table shows it
  std::string system;
  // The cell's identity, as its records carry it: the scenario's name and parameters, the swept
  // parameter (or kSweptConcurrency, or empty) and the copies of the task in flight at once.
  std::string scenario_name;
  std::map<std::string, std::int64_t> params;
  std::string swept;
  int concurrency = 1;
  std::size_t runs = 0;      // measured records (warm-ups excluded), failed ones included
  std::optional<std::string> unsupported;  // the system cannot express the scenario: why (no runs then)
  std::size_t correct = 0;
  std::size_t errors = 0;
  stats::Summary wall_ms;    // over records that completed without error
  stats::Summary overhead_ms;
  double wall_q1_ms = 0, wall_q3_ms = 0;  // quartiles of wall time (box plots)
  double model_busy_ms = 0;                // median time the model server was working on a record's requests
  double overhead_per_call_us = 0;  // median over records of overhead / LLM calls
  std::optional<stats::Estimate> overhead_per_call_ci;  // its BCa bootstrap interval (µs)
  // The same as a multiple of the run's floor (SummaryOptions::floor_us): absent without one.
  std::optional<stats::Estimate> floor_multiple;
  double llm_calls = 0;             // medians
  double prompt_tokens = 0;
  double completion_tokens = 0;
  double rss_peak_mb = 0;
  // The system's own token count next to the oracle's: medians over the completed runs that had one
  // (absent when the system reports none), and how many runs disagreed with the oracle.
  std::optional<double> reported_prompt_tokens, reported_completion_tokens;
  std::size_t token_mismatches = 0;
  // Tasks with a knowledge base: medians over the completed runs that recorded them, and the median
  // of wall time less both (per record: a difference of medians could come out negative).
  std::optional<double> ingest_ms, retrieval_ms, embedding_calls, embedding_tokens, rest_of_wall_ms;
  std::vector<std::string> error_messages;  // distinct, in order of first appearance
  std::optional<stats::Estimate> wall_median_ci;  // BCa bootstrap interval of the median wall time
  // Against the baseline system on the same scenario (absent for the baseline itself):
  std::optional<stats::Estimate> ratio_to_baseline;  // Hodges–Lehmann ratio of wall times on log scale
  std::optional<double> p_adjusted;                  // Mann–Whitney U, corrected across the run (options.correction)
  std::optional<double> cliffs_delta;                // P(this > baseline) − P(this < baseline)
  // The registered statistics computed from the cell's records (statistics.hpp), by name.
  std::map<std::string, StatisticValue> computed;
};

// The fields that name a cell, each declared once: summaries.csv's first columns (before the
// statistics) and the first keys of each summary in results.json, in this order — cell (the
// label), scenario, params, swept, concurrency, system.
struct CellIdentityField {
  const char* name;
  nlohmann::json (*of)(const CellSummary&);
};
std::span<const CellIdentityField> cell_identity_fields();

struct SummaryOptions : StatisticsOptions {
  std::string baseline = "native";  // falls back to the first system when absent
  // The run's floor, the median bare loopback round trip of its probes (RunContext::floor), in µs;
  // 0: not measured. Taken from the run by summarize_run, not an option of its own.
  double floor_us = 0;
};

// The order systems appear in everywhere (tables, charts, colours, CSV): the baseline first, then
// `listed` (the run's --systems), then any other in order of first appearance.
std::vector<std::string> system_order(const std::vector<RunRecord>& records, const std::string& baseline,
                                      const std::vector<std::string>& listed);

// One summary per (cell, system), a cell being what RunRecord::cell() names: cells in order of
// first appearance, systems in system_order(records, options.baseline, systems).
std::vector<CellSummary> summarize(const std::vector<RunRecord>& records, const SummaryOptions& options = {},
                                   const std::vector<std::string>& systems = {});

// Suite-wide: geometric mean over scenarios of a system's median wall time over the baseline's.
struct SuiteRatio {
  std::string system, baseline;
  stats::Estimate geometric_mean;
  std::size_t scenarios = 0;
};
std::vector<SuiteRatio> suite_ratios(const std::vector<RunRecord>& records, const std::vector<CellSummary>& cells,
                                     const SummaryOptions& options = {});

// A finding a decision maker reads first, written from the run's numbers. Plain text (each format
// escapes it).
struct Finding {
  std::string topic;  // "Speed", "Floor", "Tokens", "Memory", "Gaps", "Certainty"; a real-model run: "Success", "Cost", "Failures", "Certainty"
  std::string text;
};

// A run as the reporters receive it: its records, and everything the analysis (summarize_run) made
// of them with the options they state. Reporters read these members and compute nothing.
struct RunResults {
  RunContext context;
  std::vector<RunRecord> records;
  SummaryOptions options;
  std::vector<CellSummary> summaries;
  std::vector<SuiteRatio> suite;
  std::vector<SweepTrend> sweeps;             // every swept (scenario, system, metric)
  std::vector<ConcurrencyLevel> concurrency;  // every (scenario, system, level) run concurrently
  PublishedComparison published;              // the published figures this run measures by itself
  std::vector<Finding> findings;              // Speed, Tokens, Memory, Gaps, Certainty
  // A run against a real model (context.real_model): its own summary, which the reports show in a
  // section of its own instead of the scripted-model result tables.
  std::optional<RealModelSummary> real_model;
  // system_order() of this run: the one place and colour of each system in every report.
  std::vector<std::string> systems() const;
};

// The analysis, once per run: fills every derived member of `results` (summaries with their
// statistics, suite ratios, sweep trends, concurrency levels, the published figures the run
// measures, the real-model summary, findings) from the records with results.options, the
// bootstrap seeded with the run's seed (so that a report regenerated from results.json comes out the same).
void summarize_run(RunResults& results);
nlohmann::json to_json(const SummaryOptions& options);
// Absent keys keep the defaults (results.json files older than the key); wrong types name the key.
SummaryOptions summary_options_from_json(const nlohmann::json& j);

}  // namespace legion::report
