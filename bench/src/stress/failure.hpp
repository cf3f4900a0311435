#pragma once
// legion-bench --suite failure (docs/stress.md; the suite is failure_suite() in failure.cpp): model-server
// faults on every system, and a worker killed with SIGKILL mid-task.
#include <atomic>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "stress/options.hpp"

namespace legion::bench::stress {

class StressStore;

// Disk full for the results store: a phase of `tasks` short tasks (2 ms waits: the phase is about
// the store, not a system) whose ledger goes to the run's store and to a copy on a small tmpfs,
// which is filled mid-phase and freed later. Needs root to mount; otherwise the result says
// "skipped" with the reason. Returns what the report shows under extra["disk_full"].
nlohmann::json run_disk_full(StressStore& store, const std::string& run_id, const nlohmann::json& config, std::int64_t tasks,
                             const std::atomic<bool>& stop, bool quiet);

}  // namespace legion::bench::stress
