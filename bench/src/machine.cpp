#include "machine.hpp"

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace legion::bench {
namespace {

struct ProcessTimes {
  std::string name;
  std::uint64_t ticks = 0;  // utime + stime
  std::uint64_t children_ticks = 0;  // cutime + cstime: reaped children
};

// /proc/PID/stat: "pid (comm) state ppid ..." — comm may hold spaces and parentheses, so the fields
// are counted from the last ')'.
bool read_process(pid_t pid, ProcessTimes& out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  auto open = line.find('('), close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return false;
  out.name = line.substr(open + 1, close - open - 1);
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  std::vector<std::string> f;
  while (fields >> field && f.size() < 15) f.push_back(field);
  if (f.size() < 15) return false;
  // After comm: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
  out.ticks = std::stoull(f[11]) + std::stoull(f[12]);
  out.children_ticks = std::stoull(f[13]) + std::stoull(f[14]);
  return true;
}

std::map<pid_t, ProcessTimes> all_processes() {
  std::map<pid_t, ProcessTimes> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    ProcessTimes t;
    const auto pid = static_cast<pid_t>(std::stol(name));
    if (read_process(pid, t)) out[pid] = t;
  }
  return out;
}

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", share * 100);
  return buf;
}

}  // namespace

std::optional<std::string> cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("model name")) return line.substr(line.find(':') + 2);
  return std::nullopt;
}

int cpu_cores() { return static_cast<int>(std::thread::hardware_concurrency()); }

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> out;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return out;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) out.push_back(cpu);
  return out;
}

std::string load_average() {
  std::string line;
  std::getline(std::ifstream("/proc/loadavg") >> std::ws, line);
  return line;
}

std::optional<std::uint64_t> available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("MemAvailable:")) return std::strtoull(line.c_str() + 13, nullptr, 10) * 1024;
  return std::nullopt;
}

nlohmann::json machine_description() {
  utsname u{};
  ::uname(&u);
  return {{"cores", cpu_cores()}, {"cpu", cpu_model().value_or("")}, {"loadavg_at_start", load_average()},
          {"kernel", std::string(u.sysname) + " " + u.release}, {"hostname", u.nodename}};
}

CpuTimes read_cpu_times() {
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice
  std::ifstream in("/proc/stat");
  std::string cpu;
  std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return {user + nice + system + irq + softirq, idle, iowait, steal};
}

std::uint64_t process_cpu_ticks(pid_t pid) {
  ProcessTimes t;
  if (!read_process(pid, t)) return 0;
  return t.ticks + (pid == ::getpid() ? t.children_ticks : 0);
}

MachineMonitor::MachineMonitor(int sample_ms) {
  std::istringstream(load_average()) >> state_.load_1m_start;
  std::ifstream governor("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  std::getline(governor, state_.governor);
  const auto before = all_processes();
  std::this_thread::sleep_for(std::chrono::milliseconds(sample_ms));
  const auto after = all_processes();
  const double elapsed_ticks = static_cast<double>(sysconf(_SC_CLK_TCK)) * sample_ms / 1000.0;
  for (const auto& [pid, t] : after) {
    auto it = before.find(pid);
    if (pid == ::getpid() || it == before.end() || t.ticks < it->second.ticks) continue;
    const double share = static_cast<double>(t.ticks - it->second.ticks) / elapsed_ticks;
    if (share >= 0.10) state_.busy_processes.push_back(t.name + " (pid " + std::to_string(pid) + ", " + percent(share) + " of a CPU)");
  }
  start_ = read_cpu_times();
}

report::MachineState MachineMonitor::finish(std::uint64_t own_ticks, int cores) const {
  auto state = state_;
  const auto end = read_cpu_times();
  const double total = static_cast<double>(end.total() - start_.total());
  if (total > 0) {
    state.steal_share = static_cast<double>(end.steal - start_.steal) / total;
    state.iowait_share = static_cast<double>(end.iowait - start_.iowait) / total;
    const double busy = static_cast<double>(end.busy - start_.busy);
    state.foreign_cpu_share = std::max(0.0, busy - static_cast<double>(own_ticks)) / total;
  }
  if (state.load_1m_start > cores)
    state.warnings.push_back("load average " + std::to_string(state.load_1m_start).substr(0, 4) + " at the start, above the " +
                             std::to_string(cores) + " cores");
  if (!state.busy_processes.empty())
    state.warnings.push_back(std::to_string(state.busy_processes.size()) + " other busy process(es) at the start");
  if (state.foreign_cpu_share >= kNoisyForeignCpuShare)
    state.warnings.push_back("other processes used " + percent(state.foreign_cpu_share) + " of the CPU during the run");
  if (state.steal_share >= kNoisyStealShare)
    state.warnings.push_back("the hypervisor took " + percent(state.steal_share) + " of the CPU (steal)");
  return state;
}

}  // namespace legion::bench
