#pragma once
// `legion-bench compare`: per scenario and system, the change between old and new with its
// interval, significance after Holm's correction, and a verdict. Three designs, by what was run:
//   interleaved  one run holding both versions (NAME@A, NAME@B — `legion-bench ab`), repetition by
//                repetition: pairs share the machine's state, so drift cancels. Wilcoxon
//                signed-rank on the paired log ratios, Hodges–Lehmann interval.
//   runs         several separate runs a side: the run is the unit (its median, on log scale), so
//                the variance between runs is estimated, not ignored. Welch t across run medians.
//   single       one run a side: repetitions are compared (Mann–Whitney U, Hodges–Lehmann ratio),
//                but their run's state is shared by all of them, so a change smaller than this
//                machine's run-to-run drift is never called (the calibrated floor, or
//                kUncalibratedDrift).
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "legion/report/calibration.hpp"
#include "legion/report/reporters.hpp"
#include "legion/stats/intervals.hpp"

namespace legion::report {

struct CompareOptions {
  std::string metric = "wall";     // wall | overhead | cpu
  double alpha = 0.05;             // after Holm's correction across every cell of the table
  double threshold = 0.0;          // a significant change smaller than this share is not called
  std::optional<double> margin;    // relative equivalence margin, e.g. 0.05
  double level = 0.95;
  std::optional<Calibration> calibration;  // this machine's noise floors (legion-bench calibrate)
};

struct Change {
  std::string scenario, system;           // interleaved: system is "OLD → NEW"
  std::size_t old_n = 0, new_n = 0;       // values (interleaved: pairs) on each side
  std::size_t old_runs = 1, new_runs = 1;
  double old_median = 0, new_median = 0;  // in the metric's unit (ms)
  std::optional<stats::Estimate> ratio;   // new/old with its interval
  double p_value = 1, p_adjusted = 1;
  std::optional<double> equivalence_p;    // single design: TOST p value
  bool equivalent = false;
  double floor = 0;                       // the noise floor applied, as a share (0.2 = ±20%)
  std::string verdict;  // slower | faster | within run-to-run drift | equivalent | no significant difference | not comparable
  std::string note;
};

struct RunComparison {
  CompareOptions options;
  std::string design;        // interleaved | runs | single
  std::string floor_source;  // where the noise floor came from
  std::vector<std::string> old_runs, new_runs;
  std::vector<std::string> noisy_runs;  // "RUN_ID: why", for runs whose machine was busy (run.machine.warnings)
  std::vector<Change> changes;
  bool regression() const;  // any "slower"
};

// Separate runs: one a side (single design) or several (runs design).
RunComparison compare_runs(const std::vector<RunResults>& old_runs, const std::vector<RunResults>& new_runs,
                           const CompareOptions& options = {});
RunComparison compare_runs(const RunResults& old_run, const RunResults& new_run, const CompareOptions& options = {});
// One run holding two versions of a system, NAME@A and NAME@B (the first in the run's order is old).
// Throws std::invalid_argument when the run holds no such pair.
RunComparison compare_interleaved(const RunResults& run, const CompareOptions& options = {});

nlohmann::json to_json(const RunComparison& comparison);
void write_comparison_markdown(std::ostream& out, const RunComparison& comparison);
void write_comparison_table(std::ostream& out, const RunComparison& comparison);
// comparison.json and COMPARISON.md (legion-bench ab writes them into its run's folder).
const Document<RunComparison>& comparison_document();

// A run directory (with results.json) or a results.json file.
RunResults load_run(const std::filesystem::path& path);

}  // namespace legion::report
