#pragma once
// legion-bench --suite published: every published figure re-measured. Three interleaved runs (the
// single-tool and llm-only scenarios under a latency profile with a direct model call beside the
// frameworks; the tool-overhead sweep; the mixture-of-agents sweep), the zero-I/O mode, the
// footprint mode and the single-turn run (llm-only with Agno's figures' frameworks in the
// in-process mode, NAME@in-process, interleaved, at least 100 tasks each), then
// one verdict per figure (report/reproduce.hpp) in PUBLISHED_COMPARISON.md and a combined report
// (BENCHMARK_REPORT.md, report.html, report.pdf) whose section 4 holds the same.
#include <ostream>

#include "runner.hpp"

namespace legion::bench {

struct PublishedSuiteOptions {
  Plan plan;             // systems, repetitions, seed, timeout, out folder and command of the whole suite
  bool quick = false;    // fewer sweep values, a short latency profile and a short zero-I/O run (tests)
  bool show_progress = true;
  std::string formats = "all";  // of the combined report
};

// The direct model call (adapters/python/direct_adapter.py in the LangGraph environment, whose
// `openai` client LangChain and AutoGen wrap), registered as the system `direct`.
void add_direct_system();

// Returns the exit status: 0, 1 when a run or the zero-I/O mode failed or a report is missing.
int run_published_suite(PublishedSuiteOptions options, std::ostream& progress);

}  // namespace legion::bench
