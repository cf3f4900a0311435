#include "legion/core/process_status.hpp"

#include <fstream>
#include <string>
#include <string_view>

namespace legion::core {

ProcessStatus read_process_status(pid_t pid) {
  ProcessStatus s;
  std::ifstream status(pid == 0 ? std::string("/proc/self/status") : "/proc/" + std::to_string(pid) + "/status");
  if (!status) return s;
  auto value = [](const std::string& line, std::string_view field) { return std::stoll(line.substr(field.size())); };
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) s.rss_kb = value(line, "VmRSS:");
    else if (line.starts_with("VmHWM:")) s.peak_rss_kb = value(line, "VmHWM:");
    else if (line.starts_with("Threads:")) s.threads = static_cast<int>(value(line, "Threads:"));
    else if (line.starts_with("Uid:")) s.real_uid = static_cast<uid_t>(value(line, "Uid:"));
  }
  s.ok = true;
  return s;
}

void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

}  // namespace legion::core
