#pragma once
// The publication (legion-bench publish): every suite's runs in one paper. Its model holds the runs
// as their own analyses made them (RunResults, PublishedComparison, StressRuns), the steps that made
// them, and what the publication adds on top: the seeds' benchmarking criteria judged as
// docs/methodology.md defines them, beside the stress criteria, and conclusions drawn from the same
// numbers. judge_criteria and draw_conclusions compute; the renderings only format.
#include <functional>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "legion/report/document.hpp"
#include "legion/report/feature_matrix.hpp"
#include "legion/report/reporters.hpp"
#include "legion/report/stress.hpp"

namespace legion::report {

// One command of the publication: what ran, how it ended, how long it took.
struct PublicationStep {
  std::string name;     // coordination-zero, catalogue, load, ...
  std::string command;  // the command line that reproduces it
  std::string status;   // "done", "failed" (it wrote no results: `detail` says why) or "pending"
  std::string detail;
  double seconds = 0;
  std::string started_at;  // ISO 8601, UTC
  int exit_status = 0;     // 1 is a result too: a task failed or a stress criterion did not hold
};

// A verdict on one of the seeds' criteria: "pass", "fail", "inconclusive" (the interval holds the
// threshold) or "not measured" (`measured` says why).
struct CriterionVerdict {
  std::string kind;  // "benchmark" (defined in docs/methodology.md) or "stress" (docs/stress.md)
  std::string criterion, target, verdict, measured, from;
};

// A recommendation for one need, or why there is none: every sentence names the table it rests on.
struct Conclusion {
  std::string need;      // "lowest overhead", "fewest tokens", ...
  std::string text;      // plain text, with the intervals
  std::string evidence;  // the section and table it cites
  std::optional<std::string> recommended;  // the system, when the intervals single one out
};

// `publish --verify`: the figures of a stored quick publication (its baseline.json) against the
// same figures of a fresh one. A median wall time may move by this machine's calibrated
// run-to-run drift (`legion-bench calibrate`, or kUncalibratedDrift); correct answers, token counts
// under the scripted model and every verdict must be equal.
struct VerifiedFigure {
  std::string figure;     // "coordination/zero · single-tool · native: median wall time"
  std::string baseline, now, tolerance;
  bool outside = false;
};
struct Verification {
  std::string baseline_source, drift_source;  // where the baseline and the drift came from
  std::vector<VerifiedFigure> figures;        // every figure compared, in the baseline's order
  std::vector<std::string> not_compared;      // figures on one side only, and why
  std::size_t outside() const;
};

struct Publication {
  std::string started_at, command;
  bool quick = false;
  double seconds = 0;  // the steps' time, summed
  std::vector<PublicationStep> steps;
  std::vector<RunResults> runs;  // suite runs: coordination at each latency profile, catalogue, a real model's
  std::vector<PublishedComparison> published;
  std::optional<StressRuns> stress;
  std::optional<FeatureMatrixReport> features;  // resolved against the scripted runs' evidence
  // What the runs alone do not say: the scenarios with two or more agents (their files do).
  std::set<std::string> multi_agent_scenarios;
  // What the analysis makes of the above (analyze_publication).
  std::vector<CriterionVerdict> criteria;  // the seeds' benchmarking criteria, then the stress criteria
  std::vector<Conclusion> conclusions;
  std::optional<Verification> verification;  // publish --verify: this publication against a stored baseline
};

// baseline.json: the figures `publish --verify` compares — for every suite run and cell, each
// system's median wall time, correct answers and median tokens; every stress criterion's and
// published figure's verdict.
nlohmann::json publication_baseline(const Publication& publication);
// `drift(run, cell, system)`: the share a median may move by between two runs (run: "SUITE/LATENCY",
// "/real-model" after it when a real model answered).
Verification verify_publication(const nlohmann::json& baseline, const nlohmann::json& now,
                                const std::function<double(const std::string& run, const std::string& cell, const std::string& system)>& drift);
// VERIFY.md: every figure compared, those outside first.
void write_verification_markdown(std::ostream& out, const Verification& verification);

// The seeds' six benchmarking criteria, each judged as docs/methodology.md defines it, then the
// stress runs' criteria as their analysis judged them.
std::vector<CriterionVerdict> judge_criteria(const Publication& publication);
// Which system for which need, from the coordination runs, the failure suite, the feature matrix and
// a real-model run where there is one: a system is recommended only where its interval lies clear of
// every other system's on every scenario compared.
std::vector<Conclusion> draw_conclusions(const Publication& publication);
// Fills criteria and conclusions.
void analyze_publication(Publication& publication);

// How long a step took, as the paper and `publish` print it: "45 s", "7 min 12 s", "2 h 5 min".
std::string duration_text(double seconds);

// BENCHMARK_RESULTS.md, publication.json, report.html and report.pdf.
const Document<Publication>& publication_document();
nlohmann::json to_json(const PublicationStep& step);
PublicationStep publication_step_from_json(const nlohmann::json& j);

}  // namespace legion::report
