#pragma once
// What the machine was doing around a run, from /proc: load at the start, busy processes that are
// not ours, and over the run the CPU time taken by steal, I/O wait and other processes. Shared
// machines drift; a report that knows the run was noisy can say so instead of hiding it.
#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "legion/report/results.hpp"

namespace legion::bench {

// The machine's facts, read from /proc in this one place by every run and check that records them.
std::optional<std::string> cpu_model();                 // the first "model name" of /proc/cpuinfo
int cpu_cores();                                        // the hardware threads, 0 where unknown
std::vector<int> allowed_cpus();                        // the CPUs this process may run on (its cpuset, `taskset`), in order; empty where unknown
std::string load_average();                             // /proc/loadavg as it reads: "0.52 0.58 0.59 2/1233 4567"
std::optional<std::uint64_t> available_memory_bytes();  // MemAvailable from /proc/meminfo
// The machine as a stress run records it in its config: {"cores", "cpu", "loadavg_at_start",
// "kernel", "hostname"}, what the stress report's header names.
nlohmann::json machine_description();

struct CpuTimes {  // /proc/stat's first line, in clock ticks
  std::uint64_t busy = 0, idle = 0, iowait = 0, steal = 0;
  std::uint64_t total() const { return busy + idle + iowait + steal; }
};
CpuTimes read_cpu_times();

// CPU time (user + system) of a process and of this process's reaped children, in clock ticks.
std::uint64_t process_cpu_ticks(pid_t pid);

class MachineMonitor {
 public:
  // Reads the load, the governor and, over `sample_ms`, which other processes are busy.
  explicit MachineMonitor(int sample_ms = 200);
  // `own_ticks`: the CPU this run used (runner, model server and workers), so that it is not
  // mistaken for another tenant's.
  report::MachineState finish(std::uint64_t own_ticks, int cores) const;

 private:
  report::MachineState state_;
  CpuTimes start_;
};

// Thresholds above which a run is flagged as noisy.
inline constexpr double kNoisyForeignCpuShare = 0.10;
inline constexpr double kNoisyStealShare = 0.02;

}  // namespace legion::bench
