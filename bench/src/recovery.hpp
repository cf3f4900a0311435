#pragma once
// Runs that stopped before their end (SIGKILL, SIGTERM, a crash): the store holds every measured
// record, so `report` publishes from it and `--resume` continues the run.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "legion/report/reporters.hpp"

namespace legion::bench {

// The run to publish from a run folder: results.json, unless the store (results.sqlite) holds a
// later run or more records of the same one, as it does after the runner was killed. A run taken
// from the store that never finished reads as interrupted. Says on `notes` when it uses the store.
report::RunResults results_to_publish(const std::filesystem::path& dir, std::ostream& notes);

class Store;
// The store's latest run, which --resume continues; throws a UsageError when there is none or it is complete.
report::RunContext run_to_resume(const Store& store);

// How the store's latest run was started ({"cwd", "arguments"}), for --resume; throws a UsageError
// when there is no run, the run is complete, or it predates --resume.
nlohmann::json invocation_to_resume(const std::filesystem::path& store_file);

}  // namespace legion::bench
