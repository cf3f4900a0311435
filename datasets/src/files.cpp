#include "legion/datasets/files.hpp"

#include <cstdlib>
#include <system_error>

namespace legion::datasets {

std::filesystem::path installed_share_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const auto share = exe.parent_path().parent_path() / "share" / "legion-bench";
  return std::filesystem::is_directory(share / "datasets" / "scenarios", ec) ? share : std::filesystem::path();
}

std::filesystem::path datasets_dir() {
  if (const char* dir = std::getenv("LEGION_DATASETS_DIR")) return dir;
  if (auto share = installed_share_dir(); !share.empty()) return share / "datasets";
  return LEGION_SOURCE_DATASETS_DIR;  // a build tree: the source it was built from
}

}  // namespace legion::datasets
