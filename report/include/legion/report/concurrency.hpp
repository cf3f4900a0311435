#pragma once
// Throughput and per-task latency under concurrency. A record of N concurrent copies carries each
// copy's latency (from the batch's start, when all were submitted, to its end); here they are
// gathered per (scenario, system, level) — from a run with --concurrency N (every cell at N) or
// from a suite's concurrency part (records whose `swept` is kSweptConcurrency, the level their
// `tasks`) — with the throughput and the
// resident memory per task in flight, and whether a system overlaps its copies or serialises them.
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace legion::report {

struct RunResults;

struct ConcurrencyLevel {
  std::string scenario, system;  // the scenario's name (its cell's, under a run-wide --concurrency)
  int level = 1;                 // copies in flight per batch
  std::size_t batches = 0;       // measured batches without an error
  std::size_t failed = 0;        // measured batches with an error or a wrong answer
  std::size_t tasks = 0;         // task latencies behind the percentiles
  double tasks_per_s = 0;        // level over the median batch wall time
  double p50_ms = 0, p90_ms = 0, p99_ms = 0;  // of every task's latency
  double rss_per_task_mb = 0;    // the median batch's peak RSS of the worker over level
  std::optional<double> speedup;  // tasks/s over that at level 1, when level 1 was measured
};

// Every (scenario, system, level) of a run in the run's scenario and system order; empty when the
// run ran nothing concurrently. Part of the analysis: summarize_run keeps it in RunResults::concurrency.
std::vector<ConcurrencyLevel> concurrency_levels(const RunResults& run);
// A system serialises its copies (runs them one after another, in effect) when its tasks/s at its
// highest level is under this many times its tasks/s at level 1.
inline constexpr double kSerialisedSpeedup = 1.25;

// The "Concurrency" section of BENCHMARK_RESULTS.md; nothing for an empty list.
void write_concurrency_markdown(std::ostream& out, const std::vector<ConcurrencyLevel>& levels);
nlohmann::json to_json(const std::vector<ConcurrencyLevel>& levels);

}  // namespace legion::report
