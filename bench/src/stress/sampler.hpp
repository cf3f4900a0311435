#pragma once
// What /proc says about a process, once a second in the stress suites: resident memory, CPU time,
// threads and open file descriptors.
#include <sys/types.h>

#include <nlohmann/json.hpp>

namespace legion::bench::stress {

struct ProcSample {
  bool ok = false;        // false: the process is gone or /proc could not be read
  double rss_mb = 0;      // VmRSS
  double cpu_s = 0;       // utime + stime, both since the process started
  int threads = 0;
  int fds = 0;            // entries of /proc/PID/fd
};

ProcSample read_proc(pid_t pid = 0);  // 0: this process
nlohmann::json to_json(const ProcSample& s, double cpu_share);

}  // namespace legion::bench::stress
