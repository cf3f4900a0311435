// report.pdf: report.html printed by headless Chromium, kept off the network.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "legion/report/reporters.hpp"

namespace legion::report {

std::string render_pdf(const std::filesystem::path& html, const std::filesystem::path& pdf) {
  std::string chromium = std::getenv("LEGION_CHROMIUM") ? std::getenv("LEGION_CHROMIUM") : "/usr/bin/chromium";
  if (!std::filesystem::exists(chromium)) return "no PDF: " + chromium + " is not installed (scripts/bootstrap.sh installs it)";
  auto profile = std::filesystem::temp_directory_path() / ("legion-chromium-" + std::to_string(::getpid()));
  auto tmp = pdf;
  tmp += ".tmp";
  // Flags that keep a headless Chromium off the network and quiet (no updates, sync or first-run work).
  std::vector<std::string> args = {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                   // no DNS lookups: the page is self-contained (tests/adapters/loopback_only.cmake)
                                   "--host-resolver-rules=MAP * ~NOTFOUND",
                                   "--user-data-dir=" + profile.string(), "--no-pdf-header-footer",
                                   "--print-to-pdf=" + tmp.string(), "file://" + std::filesystem::absolute(html).string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return "no PDF: fork failed";
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  for (int waited = 0;; waited += 50) {
    if (::waitpid(pid, &status, WNOHANG) == pid) break;
    if (waited > 120000) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      std::filesystem::remove_all(profile);
      return "no PDF: Chromium did not finish within 120 s";
    }
    ::usleep(50000);
  }
  std::filesystem::remove_all(profile);
  // The page may be a temporary copy, so the reason names what went wrong rather than its path.
  if (!WIFEXITED(status)) return "no PDF: Chromium failed to print the report (killed by signal " + std::to_string(WTERMSIG(status)) + ")";
  if (WEXITSTATUS(status) != 0)
    return "no PDF: Chromium failed to print the report (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
  if (!std::filesystem::exists(tmp) || std::filesystem::file_size(tmp) == 0)
    return "no PDF: Chromium failed to print the report (it wrote no PDF)";
  std::filesystem::rename(tmp, pdf);
  return {};
}
}  // namespace legion::report
