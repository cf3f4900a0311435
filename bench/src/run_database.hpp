#pragma once
// The fresh database of one task of a scenario with a `database:` (the enterprise workflow): made
// by the runner before the job, acted on by the system only through its `sql:` tools, and checked
// by the runner afterwards against the expected final state. The concurrent copies of one record
// share it, as concurrent clients of one database do.
#include <filesystem>
#include <string>

#include "legion/datasets/scenario.hpp"

namespace legion::bench {

class RunDatabase {
 public:
  // Makes `folder/NAME.sqlite` from the scenario's schema and rows; nothing when it has no database.
  // A database that cannot be made leaves error() set (and no path): the task is then a failure.
  RunDatabase(const datasets::ScenarioSpec& spec, const std::filesystem::path& folder, const std::string& name);
  // Empty when the scenario has no database.
  const std::filesystem::path& path() const { return path_; }
  const std::string& error() const { return error_; }
  // How the final state differs from the expected one, "" when it is right. A right database is
  // removed; a wrong one is kept for inspection and named in the result.
  std::string check() const;

 private:
  const datasets::ScenarioSpec& spec_;
  std::filesystem::path path_;
  std::string error_;
};

}  // namespace legion::bench
