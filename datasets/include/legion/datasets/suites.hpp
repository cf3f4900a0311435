#pragma once
// Suites: named lists of scenarios (datasets/suites.yaml).
#include <string>
#include <vector>

namespace legion::datasets {

struct Suite {
  std::string name;
  std::string description;
  std::vector<std::string> scenarios;
};

// Every suite in datasets/suites.yaml; DatasetError (file:line:column) on a bad file.
std::vector<Suite> load_suites();
// Throws std::invalid_argument listing the known suites when `name` is unknown.
const Suite& find_suite(const std::vector<Suite>& suites, const std::string& name);

}  // namespace legion::datasets
