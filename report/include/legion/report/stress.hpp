#pragma once
// The stress suites' results (legion-bench --suite load|spike|endurance|scalability|failure): the
// analysis of a run as its store holds it — latency percentiles from HDR histograms of every task's
// latency, the task ledger's verdict (zero lost tasks), spike recovery, endurance leak and
// degradation verdicts from Theil–Sen slopes and the Mann–Kendall test, the seeds' success
// criteria — made once into a StressRun, and its documents: `stress` (STRESS_TEST_RESULTS.md,
// stress.json, stress_phases.csv, stress_seconds.csv, stress.html with the figures (stress_figures.hpp) and
// stress.pdf), `stress-combined` over several runs and `performance-tuning` (PERFORMANCE_TUNING.md).
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "legion/report/document.hpp"

namespace legion::report {

// What a stress suite's report derives beyond what every run gets (the ledger, the percentiles,
// the seeds' criteria). The suite declares it (bench/src/stress/suite.hpp), so that nothing here
// decides by a suite's name.
struct StressAnalysis {
  bool spike_recovery = false;  // p99 back within the recovery factor of the baseline's after the first burst
  bool trends = false;          // leak and degradation trends over the steady state, extrapolated to a day
  bool load_levels = false;     // PERFORMANCE_TUNING.md reads the phases as a system's concurrency levels
};

// One of the seeds' success criteria: status "pass", "fail" or "not measured".
struct StressCriterion {
  std::string criterion, target, status, measured, from;
};

// A stress run, analysed. The per-phase figures (spec, summary, samples, ledger and "analysis")
// and the suite's extras stay JSON as the store and the analysis give them.
struct StressRun {
  std::string run_id, started_at;
  bool finished = false, interrupted = false;
  nlohmann::json config = nlohmann::json::object();  // the suite, command, load settings and machine
  nlohmann::json phases = nlohmann::json::array();   // each with its "analysis"; the per-task latency lists dropped
  nlohmann::json extra = nlohmann::json::object();   // the suite's own results (scalability, failure)
  std::vector<StressCriterion> criteria;
  std::int64_t lost_tasks = 0;
  bool all_criteria_pass = false;
  StressAnalysis analysis;  // what its suite's report derives
  // Said in STRESS_TEST_RESULTS.md after stress.pdf: why it was not written (" (not written: …)").
  std::string pdf_note;

  bool passed() const { return all_criteria_pass && lost_tasks == 0; }
};

// Several stress runs, with the seeds' criteria across them: a criterion fails when it failed in
// any run, passes when it passed in one and failed in none.
struct StressRuns {
  std::vector<StressCriterion> criteria;
  std::vector<StressRun> runs;
};

// `raw`: a run as bench's StressStore::load gives it; `analysis`: what its suite's report derives.
StressRun analyze_stress(const nlohmann::json& raw, const StressAnalysis& analysis = {});
StressRuns combine_stress(std::vector<StressRun> runs);

// stress.json: the run as analysed.
nlohmann::json to_json(const StressRun& run);

const Document<StressRun>& stress_document();
const Document<StressRuns>& stress_combined_document();
const Document<StressRuns>& performance_tuning_document();

// Writes the stress document into `dir`: the PDF before STRESS_TEST_RESULTS.md, which says whether it
// was made. Returns the files written.
std::vector<std::filesystem::path> write_stress_reports(const std::filesystem::path& dir, StressRun run);

// STRESS_TEST_RESULTS.md, PERFORMANCE_TUNING.md, stress.json, stress.html and stress.pdf over
// several runs.
std::vector<std::filesystem::path> write_stress_combined(const std::filesystem::path& dir, const StressRuns& runs);

// The criteria table and one line per phase, for the terminal.
void write_stress_summary(std::ostream& out, const StressRun& run);

}  // namespace legion::report
