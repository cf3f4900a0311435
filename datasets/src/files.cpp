#include "legion/datasets/files.hpp"

#include <cstdlib>
#include <system_error>

namespace legion::datasets {

std::filesystem::path datasets_dir() {
  if (const char* dir = std::getenv("LEGION_DATASETS_DIR")) return dir;
  // An installed copy: PREFIX/bin/legion-bench beside PREFIX/share/legion-bench/datasets.
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto installed = exe.parent_path().parent_path() / "share" / "legion-bench" / "datasets";
    if (std::filesystem::is_directory(installed / "scenarios", ec)) return installed;
  }
  return LEGION_SOURCE_DATASETS_DIR;  // a build tree: the source it was built from
}

}  // namespace legion::datasets
