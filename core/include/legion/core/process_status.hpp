#pragma once
// A process's memory and threads as the kernel reports them in /proc/PID/status: the one reader
// of that file for the worker's peak RSS, the thread checks, the stress sampler and the
// micro-benchmarks.
#include <sys/types.h>

#include <cstdint>

namespace legion::core {

struct ProcessStatus {
  bool ok = false;               // the process existed and its status was read
  std::int64_t rss_kb = 0;       // VmRSS
  std::int64_t peak_rss_kb = 0;  // VmHWM: the peak since start or since reset_peak_rss()
  int threads = 0;
  uid_t real_uid = static_cast<uid_t>(-1);  // Uid's first field: whose process it is (what RLIMIT_NPROC counts)
};

// pid 0 reads this process.
ProcessStatus read_process_status(pid_t pid = 0);

// Resets this process's VmHWM to its current RSS (writing "5" to /proc/self/clear_refs), so that
// the next peak is one task's.
void reset_peak_rss();

}  // namespace legion::core
