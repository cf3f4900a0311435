#pragma once
// Summary: what the statistics say about one (scenario, system) cell, computed from its records
// before any reporter runs. Reporters only format these.
#include <string>
#include <vector>

#include "legion/core/records.hpp"
#include "legion/stats/descriptive.hpp"

namespace legion::report {

struct CellSummary {
  std::string scenario;
  std::string system;
  std::size_t runs = 0;      // measured records (warm-ups excluded), failed ones included
  std::size_t correct = 0;
  std::size_t errors = 0;
  stats::Summary wall_ms;    // over records that completed without error
  stats::Summary overhead_ms;
  double overhead_per_call_us = 0;  // median over records of overhead / LLM calls
  double llm_calls = 0;             // medians
  double prompt_tokens = 0;
  double completion_tokens = 0;
  double rss_peak_mb = 0;
  std::vector<std::string> error_messages;  // distinct, in order of first appearance
};

// One summary per (scenario, system), scenarios and systems in order of first appearance.
std::vector<CellSummary> summarize(const std::vector<core::RunRecord>& records);

}  // namespace legion::report
