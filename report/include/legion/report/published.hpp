#pragma once
// Published figures set beside this machine's measurements: what a comparison with published
// numbers hands to the reports (legion-bench zero-io writes one; a combined report shows each in
// its "Published numbers" section).
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace legion::report {

struct PublishedVerdict {
  std::string id;         // the figure's id in datasets/published/
  std::string source;     // where it is stated
  std::string published;  // value and unit, as printed
  std::string measured;   // this machine's value, as printed; "—" when not measured
  std::string verdict;    // reproduced, differs, target met or missed, not comparable (and why)
  std::string quantity = {};  // what is compared on both sides, when it is not the published unit itself
};

struct PublishedComparison {
  std::string title;    // what was re-measured
  std::string method;   // how, in a sentence or two
  std::string command;  // the command that reproduces it
  std::vector<PublishedVerdict> verdicts;
};

// The verdict on a measurement that is `factor` times the published value, within a relative
// tolerance: "reproduced: 1.02× the published ratio, within ±25.0%" or "differs: …". `what` names
// the published value ("figure", "ratio").
std::string tolerance_verdict(double factor, double tolerance, const std::string& what);

nlohmann::json to_json(const PublishedComparison& comparison);

struct RunResults;
// The published figures (datasets/published/) that a run measures by itself — a ratio between two
// systems on one scenario, under the latency profile the figure needs — each with its verdict
// within the figure's tolerance. Empty when the run measures none. Part of the analysis
// (summarize_run keeps it in RunResults::published).
PublishedComparison published_measured_by(const RunResults& run);
// The same over several runs, from each run's RunResults::published: each figure from the first
// run that measures it.
PublishedComparison compare_runs_with_published(const std::vector<const RunResults*>& runs);
// Throws naming the missing or wrong-typed key.
PublishedComparison published_comparison_from_json(const nlohmann::json& j);

}  // namespace legion::report
