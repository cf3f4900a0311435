#pragma once
// The systems under test (datasets/systems.yaml): the one list the command line, the set-up script
// and the feature matrix read.
#include <string>
#include <vector>

namespace legion::datasets {

struct SystemEntry {
  std::string name;
  std::string description;
  std::string environment;  // the Python framework environment and adapter; empty: built in
  std::string dialect;      // datasets/dialects/<dialect>.yaml
  // The project's own standing where a reader choosing a framework must know it (for example that
  // its maintainers put it in maintenance mode), with the date and the source; empty otherwise.
  std::string status;
};

// In file order; DatasetError (file:line:column) on a bad file.
std::vector<SystemEntry> load_systems();

}  // namespace legion::datasets
