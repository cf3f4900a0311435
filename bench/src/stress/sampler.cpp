#include "stress/sampler.hpp"

#include "legion/core/process_status.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace legion::bench::stress {

ProcSample read_proc(pid_t pid) {
  const std::string dir = pid == 0 ? "/proc/self" : "/proc/" + std::to_string(pid);
  ProcSample s;
  const auto status = core::read_process_status(pid);
  if (!status.ok) return s;
  s.rss_mb = static_cast<double>(status.rss_kb) / 1024.0;
  s.threads = status.threads;
  std::ifstream stat(dir + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after the last ')'.
  if (auto close = text.rfind(')'); close != std::string::npos) {
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stoll(field);
      if (i == 15) stime = std::stoll(field);
    }
    s.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir + "/fd", ec); !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++s.fds;
  s.ok = true;
  return s;
}

nlohmann::json to_json(const ProcSample& s, double cpu_share) {
  return {{"rss_mb", s.rss_mb}, {"cpu", cpu_share}, {"threads", s.threads}, {"fds", s.fds}};
}

}  // namespace legion::bench::stress
