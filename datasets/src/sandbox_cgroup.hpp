#pragma once
// One memory and process budget for every process of one sandboxed program: a cgroup of its own,
// under the caller's (cgroup v2 with the memory and pids controllers, or v1's memory and pids
// hierarchies). tmpfs pages the program writes (its scratch folder, /dev/shm) are charged to it too.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace legion::datasets::sandbox_detail {

class ProgramCgroup {
 public:
  // A fresh cgroup with these limits, or nullptr with `why` set when this machine offers none
  // that this process may create (no controller, not delegated, not root).
  static std::unique_ptr<ProgramCgroup> make(std::uint64_t memory_bytes, int tasks, std::string& why);
  ~ProgramCgroup();  // kills whatever is left in it and removes it
  ProgramCgroup(const ProgramCgroup&) = delete;
  ProgramCgroup& operator=(const ProgramCgroup&) = delete;

  // Moves the calling process into the cgroup. Only async-signal-safe calls: it runs in the child
  // between fork and exec. False when a write was refused.
  bool join_from_child() const noexcept;

  std::uint64_t peak_memory_bytes() const;  // 0 when the kernel does not say
  bool memory_exhausted() const;            // the kernel's OOM killer ended a process of it
  bool tasks_exhausted() const;             // a fork or clone was refused at its task limit
  void kill_all() const;

  // "cgroup v2" or "cgroup v1"
  const std::string& kind() const { return kind_; }

 private:
  ProgramCgroup() = default;
  std::string kind_;
  std::string memory_dir_, pids_dir_;  // the same folder on v2
  std::vector<int> procs_fds_;         // cgroup.procs of each, opened before fork
};

}  // namespace legion::datasets::sandbox_detail
