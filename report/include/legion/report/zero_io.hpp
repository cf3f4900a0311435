#pragma once
// What `legion-bench zero-io` made of its rounds: each system's time per invocation of the NeoGraph
// engine benchmark's workloads (seq, par) with no model and no I/O, its ratio to the native engine,
// its peak RSS, and the verdicts against the published figures. ZERO_IO.md and zero_io.json are its
// renderings; the measuring and the verdicts are bench/src/zero_io.cpp's.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "legion/report/document.hpp"
#include "legion/report/published.hpp"
#include "legion/stats/intervals.hpp"

namespace legion::report {

struct ZeroIoSystem {
  std::string name;
  bool correct = true;  // every invocation's result checked, every round finished
  std::vector<std::string> failures;
  std::map<std::string, std::string> versions, settings;
  std::map<std::string, std::vector<double>> per_invocation_us;  // workload -> batch means over all rounds
  std::vector<double> rss_peak_mb;                               // one per process
  std::map<std::string, stats::Estimate> median_us;              // workload -> median of the batch means, 95% BCa
  std::map<std::string, double> ratio_to_native;                 // workload -> median ÷ native's (not for native)
  std::optional<double> rss_peak_mb_max;
};

struct ZeroIoReport {
  int rounds = 0, batches = 0;
  int iterations = 0, native_iterations = 0;  // invocations per batch: Python systems, native engine
  std::vector<ZeroIoSystem> systems;          // in the order given
  PublishedComparison comparison;             // one verdict per published figure measured
};

// ZERO_IO.md and zero_io.json (its "comparison" is what a combined report reads).
const Document<ZeroIoReport>& zero_io_document();

}  // namespace legion::report
