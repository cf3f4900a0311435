#pragma once
// `legion-bench compare OLD NEW`: per scenario and system, the change between two stored runs with
// its interval, significance after correction, and a verdict — what benchstat does for Go.
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "legion/report/reporters.hpp"
#include "legion/stats/intervals.hpp"

namespace legion::report {

struct CompareOptions {
  std::string metric = "wall";     // wall | overhead | cpu
  double alpha = 0.05;             // after Holm's correction across every cell of the table
  double threshold = 0.0;          // a significant change smaller than this share is not called
  std::optional<double> margin;    // relative equivalence margin (TOST on log scale), e.g. 0.05
  double level = 0.95;
};

struct Change {
  std::string scenario, system;
  std::size_t old_n = 0, new_n = 0;
  double old_median = 0, new_median = 0;  // in the metric's unit (ms)
  std::optional<stats::Estimate> ratio;   // new/old: Hodges–Lehmann on log scale, with its interval
  double p_value = 1, p_adjusted = 1;     // Mann–Whitney U, then Holm
  std::optional<double> equivalence_p;
  std::string verdict;                    // slower | faster | equivalent | no significant difference | not comparable
  std::string note;
};

struct RunComparison {
  CompareOptions options;
  std::string old_run, new_run;
  std::vector<Change> changes;
  bool regression() const;  // any "slower"
};

RunComparison compare_runs(const RunResults& old_run, const RunResults& new_run, const CompareOptions& options = {});
nlohmann::json to_json(const RunComparison& comparison);
void write_comparison_markdown(std::ostream& out, const RunComparison& comparison);
void write_comparison_table(std::ostream& out, const RunComparison& comparison);

// A run directory (with results.json) or a results.json file.
RunResults load_run(const std::filesystem::path& path);

}  // namespace legion::report
