#pragma once
// Two phases of the failure suite on the broker path (docs/stress.md): engine processes
// (`legion-bench stress-engine`) consuming from Redis Streams while
//  - one of them runs under a cgroup memory limit and a burst of tasks with large documents drives
//    it past the limit, so that the kernel's OOM killer ends it mid-task (memory exhaustion);
//  - they run in network namespaces of their own, joined to the broker by veth pairs whose link is
//    taken down and brought up again (network partition).
// Each phase keeps a ledger in the run's store and returns what the report shows; without root or
// without the facility it returns {"skipped": reason}.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace legion::bench::stress {

class StressStore;

struct BrokerFaultOptions {
  std::string scenario = "single-tool";
  std::uint64_t seed = 1;
  std::filesystem::path dir;                // the broker's files and the processes' logs
  std::string program = "/proc/self/exe";   // legion-bench: the engines and the model server
  bool quick = false;                       // seconds long (CI, tests)
  bool quiet = false;
  double recovery_factor = 2;               // throughput recovered when within this factor of the baseline's
};

nlohmann::json run_memory_exhaustion(StressStore& store, const std::string& run_id, const BrokerFaultOptions& options,
                                     const std::atomic<bool>& stop);
nlohmann::json run_partition(StressStore& store, const std::string& run_id, const BrokerFaultOptions& options,
                             const std::atomic<bool>& stop);

// Names of this project's namespaces, veths and cgroups left by a process that no longer runs
// (e.g. one killed with SIGKILL): removed, each said on `log`. Returns how many were removed.
int remove_leftovers(std::ostream& log);

}  // namespace legion::bench::stress
