#pragma once
// Suites: named lists of scenarios (datasets/suites.yaml), and the parts a suite runs beyond them:
// a scenario swept over a parameter, or run at several concurrency levels.
#include <filesystem>
#include <string>
#include <vector>

#include "legion/datasets/sweep.hpp"

namespace legion::datasets {

// `{scenario: NAME, sweep: "PARAM=a,b,c"}`: every value a cell of its own (`NAME[PARAM=a]`).
struct SuiteSweep {
  std::string scenario;
  Sweep sweep;
  std::string where;  // file:line:column of the entry, for messages about it
};
// `{scenario: NAME, levels: [1, 8, 32]}`: the scenario with that many copies of the task in flight
// at once, each level a cell of its own (`NAME[concurrency=8]`).
struct SuiteConcurrency {
  std::string scenario;
  std::vector<int> levels;  // ascending, distinct, 1..kMaxSuiteConcurrency
  std::string where;
};
inline constexpr int kMaxSuiteConcurrency = 10000;  // as --concurrency

struct Suite {
  std::string name;
  std::string description;
  std::vector<std::string> scenarios;
  std::vector<SuiteSweep> sweeps;
  std::vector<SuiteConcurrency> concurrency;
};

// Every suite in datasets/suites.yaml; DatasetError (file:line:column) on a bad file, including a
// part whose scenario is not one of the suite's, a sweep that does not read, or levels that are not
// rising whole numbers from 1 to kMaxSuiteConcurrency.
std::vector<Suite> load_suites();
// The same from another file (tests).
std::vector<Suite> load_suites(const std::filesystem::path& file);
// Throws std::invalid_argument listing the known suites when `name` is unknown.
const Suite& find_suite(const std::vector<Suite>& suites, const std::string& name);

}  // namespace legion::datasets
