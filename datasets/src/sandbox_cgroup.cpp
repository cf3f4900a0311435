#include "sandbox_cgroup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace legion::datasets::sandbox_detail {
namespace {

struct Mount {
  std::string point, root, fstype, options;
};

// The cgroup file systems mounted here (/proc/self/mountinfo: "... root point ... - type source options").
std::vector<Mount> cgroup_mounts() {
  std::vector<Mount> mounts;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    const auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream before(line.substr(0, dash)), after(line.substr(dash + 3));
    std::string id, parent, device;
    Mount m;
    std::string source;
    before >> id >> parent >> device >> m.root >> m.point;
    after >> m.fstype >> source >> m.options;
    if (m.fstype == "cgroup" || m.fstype == "cgroup2") mounts.push_back(std::move(m));
  }
  return mounts;
}

// This process's cgroup in each hierarchy (/proc/self/cgroup): v1 controller name → path; "" → the v2 path.
std::map<std::string, std::string> own_cgroups() {
  std::map<std::string, std::string> paths;
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::istringstream controllers(line.substr(first + 1, second - first - 1));
    const auto path = line.substr(second + 1);
    if (second == first + 1) paths[""] = path;
    for (std::string c; std::getline(controllers, c, ',');) paths[c] = path;
  }
  return paths;
}

// Whether a list separated by spaces, commas or newlines holds `word`.
bool has_word(const std::string& list, std::string_view word) {
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto end = std::min(list.find_first_of(" ,\n", start), list.size());
    if (std::string_view(list).substr(start, end - start) == word) return true;
    start = end + 1;
  }
  return false;
}

// The folder of `path` (as /proc/self/cgroup names it) under a mount of its hierarchy.
std::string folder_of(const Mount& m, std::string path) {
  if (m.root != "/" && path.starts_with(m.root)) path = path.substr(m.root.size());
  return m.point + (path == "/" ? "" : path);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool write_text(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  return ::close(fd) == 0 && ok;
}

// The value after `key` in a flat keyed file such as memory.events ("oom_kill 2").
std::uint64_t keyed_value(const std::string& path, std::string_view key) {
  std::istringstream in(read_text(path));
  std::string k;
  std::uint64_t v = 0;
  while (in >> k >> v)
    if (k == key) return v;
  return 0;
}

std::uint64_t number_in(const std::string& path) {
  std::uint64_t v = 0;
  std::istringstream(read_text(path)) >> v;
  return v;
}

std::string fresh_name() {
  static std::atomic<unsigned> counter{0};
  return "/legion-sandbox-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

}  // namespace

std::unique_ptr<ProgramCgroup> ProgramCgroup::make(std::uint64_t memory_bytes, int tasks, std::string& why) {
  const auto mounts = cgroup_mounts();
  const auto own = own_cgroups();
  std::unique_ptr<ProgramCgroup> group(new ProgramCgroup);
  const auto memory = std::to_string(memory_bytes), pids = std::to_string(tasks);

  // cgroup v2: the caller's cgroup must hand memory and pids down to its children.
  for (const auto& m : mounts) {
    if (m.fstype != "cgroup2" || !own.contains("")) continue;
    const auto parent = folder_of(m, own.at(""));
    const auto delegates_both = [&] {
      const auto controllers = read_text(parent + "/cgroup.subtree_control");
      return has_word(controllers, "memory") && has_word(controllers, "pids");
    };
    // Refused when the caller's cgroup holds processes itself (v2's no-internal-processes rule).
    if (!delegates_both()) write_text(parent + "/cgroup.subtree_control", "+memory +pids");
    if (!delegates_both()) continue;
    const auto dir = parent + fresh_name();
    if (::mkdir(dir.c_str(), 0755) != 0) continue;
    group->kind_ = "cgroup v2";
    group->memory_dir_ = group->pids_dir_ = dir;
    if (!write_text(dir + "/memory.max", memory) || !write_text(dir + "/pids.max", pids)) {
      why = "cannot set the limits of " + dir;
      return nullptr;  // the destructor removes the folder
    }
    write_text(dir + "/memory.swap.max", "0");  // absent without swap accounting
    const int fd = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return why = "cannot open " + dir + "/cgroup.procs", nullptr;
    group->procs_fds_.push_back(fd);
    return group;
  }

  // cgroup v1: a folder in the memory hierarchy and one in the pids hierarchy.
  const Mount* memory_mount = nullptr;
  const Mount* pids_mount = nullptr;
  for (const auto& m : mounts) {
    if (m.fstype != "cgroup") continue;
    if (has_word(m.options, "memory") && own.contains("memory")) memory_mount = &m;
    if (has_word(m.options, "pids") && own.contains("pids")) pids_mount = &m;
  }
  if (!memory_mount || !pids_mount) {
    why = "no cgroup with the memory and pids controllers is mounted for this process";
    return nullptr;
  }
  const auto name = fresh_name();
  group->kind_ = "cgroup v1";
  group->memory_dir_ = folder_of(*memory_mount, own.at("memory")) + name;
  if (::mkdir(group->memory_dir_.c_str(), 0755) != 0) {
    why = "cannot create " + group->memory_dir_ + ": " + std::strerror(errno);
    group->memory_dir_.clear();
    return nullptr;
  }
  group->pids_dir_ = folder_of(*pids_mount, own.at("pids")) + name;
  if (::mkdir(group->pids_dir_.c_str(), 0755) != 0) {
    why = "cannot create " + group->pids_dir_ + ": " + std::strerror(errno);
    group->pids_dir_.clear();
    return nullptr;
  }
  const auto& mem = group->memory_dir_;
  const bool swap_accounted = ::access((mem + "/memory.memsw.limit_in_bytes").c_str(), F_OK) == 0;
  if (!write_text(mem + "/memory.limit_in_bytes", memory) ||
      (swap_accounted && !write_text(mem + "/memory.memsw.limit_in_bytes", memory)) ||
      !write_text(group->pids_dir_ + "/pids.max", pids)) {
    why = "cannot set the limits of " + mem + " and " + group->pids_dir_;
    return nullptr;
  }
  for (const auto& dir : {group->memory_dir_, group->pids_dir_}) {
    const int fd = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return why = "cannot open " + dir + "/cgroup.procs", nullptr;
    group->procs_fds_.push_back(fd);
  }
  return group;
}

ProgramCgroup::~ProgramCgroup() {
  for (const int fd : procs_fds_) ::close(fd);
  kill_all();
  // A cgroup can be removed once its last process has been reaped; killed processes take a moment.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (const auto* dir : {&memory_dir_, &pids_dir_}) {
    if (dir->empty() || (dir == &pids_dir_ && pids_dir_ == memory_dir_)) continue;
    while (::rmdir(dir->c_str()) != 0 && errno == EBUSY && std::chrono::steady_clock::now() < give_up) {
      kill_all();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

bool ProgramCgroup::join_from_child() const noexcept {
  char digits[24];
  char* end = digits + sizeof digits;
  char* p = end;
  for (auto pid = static_cast<unsigned long>(::getpid()); pid > 0 || p == end; pid /= 10) *--p = static_cast<char>('0' + pid % 10);
  for (const int fd : procs_fds_)
    if (::write(fd, p, static_cast<std::size_t>(end - p)) != end - p) return false;
  return true;
}

std::uint64_t ProgramCgroup::peak_memory_bytes() const {
  return kind_ == "cgroup v2" ? number_in(memory_dir_ + "/memory.peak") : number_in(memory_dir_ + "/memory.max_usage_in_bytes");
}

bool ProgramCgroup::memory_exhausted() const {
  return keyed_value(memory_dir_ + (kind_ == "cgroup v2" ? "/memory.events" : "/memory.oom_control"), "oom_kill") > 0;
}

bool ProgramCgroup::tasks_exhausted() const { return keyed_value(pids_dir_ + "/pids.events", "max") > 0; }

void ProgramCgroup::kill_all() const {
  for (const auto* dir : {&memory_dir_, &pids_dir_}) {
    if (dir->empty()) continue;
    std::istringstream procs(read_text(*dir + "/cgroup.procs"));
    for (pid_t pid; procs >> pid;) ::kill(pid, SIGKILL);
  }
}

}  // namespace legion::datasets::sandbox_detail
