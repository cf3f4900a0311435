#include "legion/datasets/sandbox.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace legion::datasets {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uid_t kNobody = 65534;

// The programs come from the system's folders, the sandbox's PATH, never from the caller's PATH:
// a per-user shim (pyenv, a virtual environment) is not readable by user nobody nor the Python
// the scenario means.
constexpr std::string_view kSystemPath = "/usr/local/bin:/usr/bin:/bin";

std::filesystem::path find_program(const char* name) {
  std::string_view dirs = kSystemPath;
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    std::filesystem::path candidate = std::filesystem::path(dirs.substr(0, colon)) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    dirs = colon == std::string_view::npos ? "" : dirs.substr(colon + 1);
  }
  return {};
}

// Processes of this real user now: what RLIMIT_NPROC counts (threads included).
rlim_t processes_of_user(uid_t uid) {
  rlim_t total = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    std::ifstream status(entry.path() / "status");
    std::string line;
    bool ours = false;
    while (std::getline(status, line)) {
      if (line.starts_with("Uid:")) ours = std::strtoul(line.c_str() + 4, nullptr, 10) == uid;
      if (line.starts_with("Threads:") && ours) total += std::strtoul(line.c_str() + 8, nullptr, 10);
    }
  }
  return total;
}

struct ScratchFolder {
  std::filesystem::path path;
  ScratchFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "legion-sandbox-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error(std::string("sandbox: cannot make a scratch folder: ") + std::strerror(errno));
    path = pattern;
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

bool contains(const std::string& text, std::string_view what) { return text.find(what) != std::string::npos; }

std::string tail(const std::string& text, std::size_t bytes) {
  return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

// Why a finished program was stopped, from how it ended and what it wrote on stderr (the sandbox's
// refusals reach the program as errors: ENETUNREACH or ECONNREFUSED, EROFS, EAGAIN from fork, ENOMEM).
std::string stop_reason(const SandboxRun& run, const SandboxLimits& limits) {
  const auto& e = run.errors;
  // SIGXCPU comes only from RLIMIT_CPU's soft limit, SIGKILL (when the wall clock did not stop it)
  // from its hard limit. Signals are all a killed program leaves: its CPU time is not in the
  // sandbox's rusage (the sandbox's own init reaps it).
  if (run.exit_status == 128 + SIGXCPU || run.exit_status == 128 + SIGKILL)
    return "CPU limit (" + std::to_string(limits.cpu.count()) + " s)";
  if (run.exit_status == 128 + SIGXFSZ) return "file size limit (" + std::to_string(limits.file_bytes >> 20) + " MiB)";
  // The sandbox's network namespace has only its own loopback, where nothing listens.
  if (contains(e, "[Errno 101]") || contains(e, "[Errno 97]") || contains(e, "[Errno 111]") || contains(e, "[Errno 99]"))
    return "network refused";
  if (contains(e, "[Errno 30]") || contains(e, "Read-only file system")) return "write refused";
  if (contains(e, "BlockingIOError: [Errno 11]") || contains(e, "fork: Resource temporarily unavailable"))
    return "fork limit (" + std::to_string(limits.processes) + " processes)";
  if (contains(e, "MemoryError") || contains(e, "[Errno 12]")) return "memory limit (" + std::to_string(limits.memory_bytes >> 20) + " MiB)";
  return "";
}

}  // namespace

std::string SandboxRun::as_tool_result() const {
  if (!stopped.empty()) return "error: stopped by the sandbox: " + stopped + (errors.empty() ? "" : "\n" + tail(errors, 600));
  if (exit_status != 0) return "error: the program exited with status " + std::to_string(exit_status) + "\n" + tail(errors, 600);
  return output;
}

bool sandbox_available() { return !find_program("bwrap").empty(); }

SandboxRun run_python_sandboxed(std::string_view program, const SandboxLimits& limits) {
  const auto bwrap = find_program("bwrap");
  if (bwrap.empty()) throw std::runtime_error("sandbox: bwrap is not installed (Debian package bubblewrap)");
  const auto python = find_program("python3");
  if (python.empty()) throw std::runtime_error("sandbox: python3 is not installed");
  ScratchFolder scratch;
  const auto main_file = scratch.path / "main.py";
  std::ofstream(main_file, std::ios::binary) << program;
  const bool as_root = ::geteuid() == 0;
  if (as_root && (::chown(scratch.path.c_str(), kNobody, kNobody) != 0 || ::chown(main_file.c_str(), kNobody, kNobody) != 0))
    throw std::runtime_error(std::string("sandbox: cannot hand the scratch folder to nobody: ") + std::strerror(errno));

  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  const auto folder = scratch.path.string();
  std::vector<std::string> args = {bwrap.string(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                                   "--bind", folder, folder, "--chdir", folder, "--unshare-all", "--die-with-parent",
                                   "--new-session", "--clearenv", "--setenv", "HOME", folder, "--setenv", "TMPDIR", folder,
                                   "--setenv", "PATH", std::string(kSystemPath), "--setenv", "LANG", "C.UTF-8",
                                   python.string(), "-I", "-B", "main.py"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const uid_t runs_as = as_root ? kNobody : ::getuid();
  const rlim_t processes = static_cast<rlim_t>(limits.processes) + (as_root ? processes_of_user(kNobody) : processes_of_user(runs_as));
  const rlim_t cpu = static_cast<rlim_t>(limits.cpu.count());

  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("sandbox: pipe: ") + std::strerror(errno));
  const auto started = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("sandbox: fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);  // one group: a stop kills bwrap, and --die-with-parent takes the sandbox with it
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    int in = ::open("/dev/null", O_RDONLY);
    if (in >= 0) ::dup2(in, STDIN_FILENO);
    rlimit r{cpu, cpu + 1};
    ::setrlimit(RLIMIT_CPU, &r);
    r = {limits.memory_bytes, limits.memory_bytes};
    ::setrlimit(RLIMIT_AS, &r);
    r = {limits.file_bytes, limits.file_bytes};
    ::setrlimit(RLIMIT_FSIZE, &r);
    r = {0, 0};
    ::setrlimit(RLIMIT_CORE, &r);
    r = {processes, processes};
    ::setrlimit(RLIMIT_NPROC, &r);
    if (as_root && (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)) ::_exit(126);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);

  SandboxRun run;
  bool timed_out = false;
  std::vector<pollfd> open = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  const auto deadline = started + limits.wall;
  char chunk[8192];
  while (!open.empty()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    if (::poll(open.data(), open.size(), static_cast<int>(left)) < 0 && errno != EINTR) break;
    for (auto it = open.begin(); it != open.end();) {
      if (!it->revents) {
        ++it;
        continue;
      }
      const auto n = ::read(it->fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) {
        ++it;
        continue;
      }
      if (n <= 0) {
        ::close(it->fd);
        it = open.erase(it);
        continue;
      }
      auto& sink = it->fd == out[0] ? run.output : run.errors;
      sink.append(chunk, std::min(static_cast<std::size_t>(n), limits.output_bytes - std::min(limits.output_bytes, sink.size())));
      it->revents = 0;
      ++it;
    }
  }
  for (const auto& p : open) ::close(p.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::kill(-pid, SIGKILL);  // anything of the group left behind
  run.wall = Clock::now() - started;
  run.exit_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  if (run.exit_status == 126 && as_root) throw std::runtime_error("sandbox: cannot switch to user nobody");
  if (run.exit_status == 127 && run.errors.empty()) throw std::runtime_error("sandbox: cannot start " + bwrap.string());
  run.stopped = timed_out ? "time limit (" + std::to_string(limits.wall.count()) + " ms)" : stop_reason(run, limits);
  return run;
}

}  // namespace legion::datasets
