#pragma once
// The datasets layer: everything under datasets/ (scenarios, dialects, suites, feature evidence) is
// found and validated here, in one style — a file that cannot be used gives a DatasetError whose
// message starts with "file:line:column:" and says what is wrong.
#include <filesystem>
#include <stdexcept>
#include <string>

namespace legion::datasets {

struct DatasetError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The datasets folder: $LEGION_DATASETS_DIR when set; else share/legion-bench/datasets beside an
// installed legion-bench; else the source tree's datasets/ this build came from.
std::filesystem::path datasets_dir();

}  // namespace legion::datasets
