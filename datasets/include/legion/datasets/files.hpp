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

// An installed copy keeps its data in PREFIX/share/legion-bench beside PREFIX/bin/legion-bench;
// empty when this program does not run from such a prefix (a build tree).
std::filesystem::path installed_share_dir();

// The datasets folder: $LEGION_DATASETS_DIR when set; else the installed share folder's datasets/;
// else the source tree's datasets/ this build came from.
std::filesystem::path datasets_dir();

}  // namespace legion::datasets
