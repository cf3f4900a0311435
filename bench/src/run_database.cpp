#include "run_database.hpp"

#include "legion/datasets/database.hpp"

namespace legion::bench {

RunDatabase::RunDatabase(const datasets::ScenarioSpec& spec, const std::filesystem::path& folder, const std::string& name)
    : spec_(spec) {
  if (!spec.database) return;
  const auto path = folder / (name + ".sqlite");
  try {
    std::filesystem::create_directories(folder);
    datasets::create_database(*spec.database, path);
    path_ = path;
  } catch (const std::exception& e) {
    error_ = "cannot make the task's database " + path.string() + ": " + e.what();
  }
}

std::string RunDatabase::check() const {
  if (path_.empty()) return "";
  std::vector<std::string> differences;
  try {
    differences = datasets::database_differences(*spec_.database, path_);
  } catch (const datasets::DatabaseError& e) {
    return std::string("database unreadable: ") + e.what();
  }
  if (differences.empty()) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + suffix);
    return "";
  }
  std::string out = "database " + path_.string() + " differs from the expected state:";
  for (const auto& d : differences) out += " " + d + ";";
  out.pop_back();
  return out;
}

}  // namespace legion::bench
