// report.pdf: report.html printed by headless Chromium, kept off the network.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <vector>

#include "files.hpp"
#include "legion/report/reporters.hpp"

namespace legion::report {
namespace {

// Why the file Chromium wrote is not a whole PDF, or empty when it is. Chromium exits 0 even when
// the disk filled up under it, so its exit status is not enough: the last line of a complete PDF is
// the %%EOF marker (ISO 32000-1, 7.5.5).
std::string incomplete_pdf(const std::filesystem::path& file) {
  std::error_code error;
  const auto size = std::filesystem::file_size(file, error);
  if (error || size == 0) return "it wrote no PDF";
  std::ifstream in(file, std::ios::binary);
  const auto tail_size = std::min<std::uintmax_t>(size, 1024);
  std::string tail(tail_size, '\0');
  in.seekg(static_cast<std::streamoff>(size - tail_size));
  if (!in.read(tail.data(), static_cast<std::streamsize>(tail_size))) return "its PDF cannot be read back";
  tail.erase(tail.find_last_not_of(" \t\r\n\f") + 1);  // npos + 1 == 0: all blank
  if (!tail.ends_with("%%EOF"))
    return "its PDF is incomplete: " + std::to_string(size) + " bytes without the %%EOF trailer";
  return {};
}

}  // namespace

std::string render_pdf(const std::filesystem::path& html, const std::filesystem::path& pdf) {
  std::string chromium = std::getenv("LEGION_CHROMIUM") ? std::getenv("LEGION_CHROMIUM") : "/usr/bin/chromium";
  if (!std::filesystem::exists(chromium)) return "no PDF: " + chromium + " is not installed (scripts/bootstrap.sh installs it)";
  auto profile = std::filesystem::temp_directory_path() / ("legion-chromium-" + std::to_string(::getpid()));
  const auto tmp = temporary_file_for(pdf);
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
  // Whatever goes wrong, no partial PDF is left beside the report.
  const auto discard = [&](const std::string& why) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    return why;
  };
  int status = 0;
  for (int waited = 0;; waited += 50) {
    if (::waitpid(pid, &status, WNOHANG) == pid) break;
    if (waited > 120000) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      std::filesystem::remove_all(profile);
      return discard("no PDF: Chromium did not finish within 120 s");
    }
    ::usleep(50000);
  }
  std::filesystem::remove_all(profile);
  // The page may be a temporary copy, so the reason names what went wrong rather than its path.
  if (!WIFEXITED(status))
    return discard("no PDF: Chromium failed to print the report (killed by signal " + std::to_string(WTERMSIG(status)) + ")");
  if (WEXITSTATUS(status) != 0)
    return discard("no PDF: Chromium failed to print the report (exit status " + std::to_string(WEXITSTATUS(status)) + ")");
  if (const auto why = incomplete_pdf(tmp); !why.empty()) return discard("no PDF: Chromium failed to print the report (" + why + ")");
  try {
    commit_file(tmp, pdf);
  } catch (const std::exception& e) {
    return std::string("no PDF: ") + e.what();
  }
  return {};
}
}  // namespace legion::report
