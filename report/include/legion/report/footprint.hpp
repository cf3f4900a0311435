#pragma once
// What `legion-bench footprint` made of its samples: each framework's cold import (a fresh
// interpreter per sample, its start-up subtracted) and the construction of an agent with one tool
// (time per call and tracemalloc's peak per call), the way Agno's cookbook/performance and
// PraisonAI's instantiation benchmark measure them, and the verdicts against their published
// figures. FOOTPRINT.md and footprint.json are its renderings; the measuring and the verdicts are
// bench/src/footprint.cpp's.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "legion/report/document.hpp"
#include "legion/report/published.hpp"
#include "legion/stats/intervals.hpp"

namespace legion::report {

// One way of building the agent: `one_tool` (every framework), `no_tools` (the shape of PraisonAI's
// 2025 table, for the frameworks it built without a tool).
struct FootprintShape {
  std::string name;
  std::string constructor;                             // the call, as the environment's file states it
  std::vector<double> warmup_us, times_us, memory_kib;  // every call, all rounds (warm-ups: the first round's first)
  stats::Estimate time_median_us, memory_median_kib;   // median, 95% order-statistic interval
  stats::Estimate time_mean_us;                        // mean, 95% t interval (PraisonAI's statistic)
  std::optional<double> first_calls_mean_us;          // mean of the first round's first 100 calls, warm-ups included
};

struct FootprintSystem {
  std::string name, environment;
  bool correct = true;  // every process finished and built what it was asked to
  std::vector<std::string> failures;
  std::map<std::string, std::string> versions;
  std::string import_statement;
  int iterations = 0;             // timed calls per process
  std::string iterations_source;  // whose count it is
  std::vector<double> startup_ms, import_ms;  // per sample: `python -c pass`; the import's wall time minus the start-up median
  stats::Estimate startup_median_ms, import_median_ms;
  std::vector<FootprintShape> shapes;
};

struct FootprintReport {
  int import_samples = 0, rounds = 0, warmups = 0;
  int iterations = 0;  // 0: each environment's source count
  std::vector<FootprintSystem> systems;  // in the order given
  std::vector<std::string> left_out;     // environments not measured, each with why
  PublishedComparison comparison;        // one verdict per published figure measured
};

// FOOTPRINT.md and footprint.json (its "comparison" is what a combined report reads).
const Document<FootprintReport>& footprint_document();

}  // namespace legion::report
