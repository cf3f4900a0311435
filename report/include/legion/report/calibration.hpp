#pragma once
// Calibration: how much the same configuration drifts on this machine, measured by running it
// several times (`legion-bench calibrate`). Each run holds every system twice — NAME and its twin
// NAME@twin, separate worker processes of the same build, interleaved — so one set of runs gives
// both noise floors a comparison needs:
//   between runs:  how far the medians of separate runs of the same thing wander (the run is a
//                  level of the experiment: repetitions inside one run share its machine state);
//   within a run:  how far two processes of the same build differ when interleaved in one run.
// `compare` never calls a change smaller than the floor that applies to its design.
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "legion/report/reporters.hpp"

namespace legion::report {

inline constexpr const char* kTwinLabel = "twin";

struct CellNoise {
  std::string scenario, system;  // system: the base name (the twin is NAME@twin)
  std::size_t runs = 0;
  double repetitions = 0;        // measured repetitions per run (median)
  double sigma_run = 0;          // sd of log(run median) across runs
  double sigma_repetition = 0;   // pooled sd of log(value) within runs
  double sigma_pair = 0;         // pooled sd within runs of log(twin) − log(system), pair by pair
  double twin_rms = 0;           // root mean square over runs of the twin's Hodges–Lehmann log ratio
  double max_drift = 0;          // largest |median ratio − 1| between two runs
  double between_runs_floor = 0; // exp(1.96 √2 sigma_run) − 1: two single runs differ by less 95% of the time
  double within_run_floor = 0;   // exp(1.96 twin_rms) − 1
  std::size_t pairs_compared = 0, pairs_called = 0;  // run pairs, and how many a floorless compare called changed
};

struct Calibration {
  std::string host, cpu_model, created_at, metric = "wall";
  std::string command;           // how to redo it
  std::vector<std::string> run_ids;
  std::vector<CellNoise> cells;

  const CellNoise* find(const std::string& scenario, const std::string& system) const;
  // The floors for a cell; a cell the calibration did not cover gets the largest calibrated floor.
  double between_runs_floor(const std::string& scenario, const std::string& system) const;
  double within_run_floor(const std::string& scenario, const std::string& system) const;
  std::string describe() const;  // "calibrated on HOST (CPU) at DATE from K runs"
};

// Without a calibration, one run a side is compared against this drift: the largest drift between
// two runs of the same build that `legion-bench calibrate` measured on this project's machines
// (docs/statistics.md).
inline constexpr double kUncalibratedDrift = 0.40;

// From K ≥ 3 runs of the same configuration, each holding every system and its twin.
Calibration calibrate(const std::vector<RunResults>& runs, const std::string& metric = "wall");
nlohmann::json to_json(const Calibration& calibration);
Calibration calibration_from_json(const nlohmann::json& j);
// A calibration.json, or a folder holding one. Throws std::invalid_argument naming the file.
Calibration load_calibration(const std::filesystem::path& path);
// results/calibration/calibration.json when it exists (where `legion-bench calibrate` writes by default).
std::optional<std::filesystem::path> default_calibration();
void write_calibration_markdown(std::ostream& out, const Calibration& calibration);
// calibration.json and CALIBRATION.md (legion-bench calibrate writes them beside its runs).
const Document<Calibration>& calibration_document();

// The values of one metric for one cell (its label, RunRecord::cell()) of a run, in ms: measured,
// successful records only.
std::vector<double> metric_values(const RunResults& run, const std::string& cell, const std::string& system,
                                  const std::string& metric);
// Pairs of (old, new) values from the same repetition of two systems interleaved in one run.
std::vector<std::pair<double, double>> paired_values(const RunResults& run, const std::string& cell,
                                                     const std::string& old_system, const std::string& new_system,
                                                     const std::string& metric);

}  // namespace legion::report
