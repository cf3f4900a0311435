#include "legion/datasets/sandbox.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "sandbox_cgroup.hpp"
#include "sandbox_seccomp.hpp"

namespace legion::datasets {
namespace {

using Clock = std::chrono::steady_clock;
using sandbox_detail::ProgramCgroup;
constexpr uid_t kNobody = 65534;

// The programs come from the system's folders, the sandbox's PATH, never from the caller's PATH:
// a per-user shim (pyenv, a virtual environment) is not readable by user nobody nor the Python
// the scenario means.
constexpr std::string_view kSystemPath = "/usr/local/bin:/usr/bin:/bin";
// Where the program's working folder is mounted inside.
constexpr std::string_view kScratch = "/sandbox";
// bubblewrap itself and its init in the pid namespace are tasks of the cgroup too.
constexpr int kBubblewrapTasks = 2;

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

bool contains(const std::string& text, std::string_view what) { return text.find(what) != std::string::npos; }

std::string tail(const std::string& text, std::size_t bytes) {
  return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

std::string mib(std::uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

// The filter, compiled once per mode (libseccomp's export is the slow part).
const std::string& filter_program(bool allow_new_processes) {
  static std::once_flag once[2];
  static std::string program[2];
  std::call_once(once[allow_new_processes], [&] { program[allow_new_processes] = sandbox_detail::seccomp_filter(allow_new_processes); });
  return program[allow_new_processes];
}

// A descriptor closed when it goes out of scope.
struct OwnedFd {
  int fd;
  explicit OwnedFd(int f) : fd(f) {}
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd() {
    if (fd >= 0) ::close(fd);
  }
};

// A memory file holding `bytes`, read from its start by bubblewrap (--seccomp, --file).
int memory_file(const char* name, std::string_view bytes) {
  const int fd = ::memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("sandbox: memfd_create: ") + std::strerror(errno));
  for (std::size_t done = 0; done < bytes.size();) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error(std::string("sandbox: writing a memory file: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  ::lseek(fd, 0, SEEK_SET);
  return fd;
}

// The top-level links of a merged /usr (/bin → usr/bin, ...), or read-only binds where they are folders.
std::vector<std::string> usr_links() {
  std::vector<std::string> args;
  for (const char* top : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    struct stat st{};
    if (::lstat(top, &st) != 0) continue;
    if (S_ISLNK(st.st_mode)) {
      args.insert(args.end(), {"--symlink", std::filesystem::read_symlink(top).string(), top});
    } else if (S_ISDIR(st.st_mode)) {
      args.insert(args.end(), {"--ro-bind", top, top});
    }
  }
  return args;
}

// Why a finished program was stopped: first what its cgroup saw, then how it ended and what it wrote
// on stderr (the sandbox's refusals reach the program as errors: ENETUNREACH or ECONNREFUSED,
// EROFS, EAGAIN from fork, ENOMEM, ENOSPC, EPERM).
std::string stop_reason(const SandboxRun& run, const SandboxLimits& limits, const ProgramCgroup* cgroup) {
  if (cgroup && cgroup->memory_exhausted()) return "memory limit (" + mib(limits.memory_bytes) + " for the whole program)";
  if (cgroup && cgroup->tasks_exhausted()) return "fork limit (" + std::to_string(limits.processes) + " processes and threads)";
  const auto& e = run.errors;
  // SIGXCPU comes only from RLIMIT_CPU's soft limit, SIGKILL (when neither the wall clock nor the
  // cgroup's OOM killer stopped it) from its hard limit.
  if (run.exit_status == 128 + SIGXCPU || run.exit_status == 128 + SIGKILL)
    return "CPU limit (" + std::to_string(limits.cpu.count()) + " s)";
  if (run.exit_status == 128 + SIGXFSZ) return "file size limit (" + mib(limits.file_bytes) + ")";
  if (run.exit_status == 128 + SIGSYS) return "operation refused (a system call of another architecture)";
  // The sandbox's network namespace has only its own loopback, where nothing listens.
  if (contains(e, "[Errno 101]") || contains(e, "[Errno 97]") || contains(e, "[Errno 111]") || contains(e, "[Errno 99]"))
    return "network refused";
  if (contains(e, "[Errno 30]") || contains(e, "Read-only file system")) return "write refused";
  if (contains(e, "[Errno 28]"))
    return "disk space limit (" + mib(limits.scratch_bytes) + " working folder, " + mib(limits.shm_bytes) + " /dev/shm)";
  if (contains(e, "BlockingIOError: [Errno 11]") || contains(e, "fork: Resource temporarily unavailable"))
    return "fork limit (" + std::to_string(limits.processes) + " processes and threads)";
  if (contains(e, "MemoryError") || contains(e, "[Errno 12]")) return "memory limit (" + mib(limits.memory_bytes) + ")";
  if (contains(e, "[Errno 1]")) return "operation refused";
  return "";
}

// How the child reports a failure before bubblewrap runs: which step, and errno.
enum class ChildStep : int { join_cgroup = 1, descriptors, limits, switch_user, exec };

const char* describe(ChildStep step) {
  switch (step) {
    case ChildStep::join_cgroup: return "cannot join the program's cgroup";
    case ChildStep::descriptors: return "cannot set up the program's descriptors";
    case ChildStep::limits: return "cannot set the program's limits";
    case ChildStep::switch_user: return "cannot switch to user nobody";
    case ChildStep::exec: return "cannot start bwrap";
  }
  return "cannot start the sandbox";
}

}  // namespace

std::string SandboxRun::as_tool_result() const {
  if (!stopped.empty()) return "error: stopped by the sandbox: " + stopped + (errors.empty() ? "" : "\n" + tail(errors, 600));
  if (exit_status != 0) return "error: the program exited with status " + std::to_string(exit_status) + "\n" + tail(errors, 600);
  return output;
}

bool sandbox_available() { return !find_program("bwrap").empty() && !find_program("python3").empty(); }

std::string sandbox_missing() {
  std::string missing;
  if (find_program("bwrap").empty()) missing += "bwrap is not installed (Debian package bubblewrap)\n";
  if (find_program("python3").empty()) missing += "python3 is not installed in " + std::string(kSystemPath) + "\n";
  try {
    filter_program(true);
  } catch (const std::exception& e) {
    missing += std::string(e.what()) + "\n";
  }
  std::string why;
  if (!ProgramCgroup::make(std::uint64_t{64} << 20, 4, why)) missing += "no cgroup for the shared budget: " + why + "\n";
  return missing;
}

SandboxRun run_python_sandboxed(std::string_view program, const SandboxLimits& limits) {
  const auto bwrap = find_program("bwrap");
  if (bwrap.empty()) throw std::runtime_error("sandbox: bwrap is not installed (Debian package bubblewrap)");
  const auto python = find_program("python3");
  if (python.empty()) throw std::runtime_error("sandbox: python3 is not installed");
  if (!std::filesystem::canonical(python).string().starts_with("/usr/"))
    throw std::runtime_error("sandbox: " + python.string() + " lies outside /usr, the only host folder the sandbox shows");

  // One budget for the whole program: its cgroup, or else one process only (the filter refuses fork).
  std::string no_cgroup = "cgroup not wanted";
  const auto cgroup = limits.use_cgroup ? ProgramCgroup::make(limits.memory_bytes, limits.processes + kBubblewrapTasks, no_cgroup) : nullptr;
  SandboxRun run;
  run.budget = cgroup ? cgroup->kind() : "one process (" + no_cgroup + ")";
  const OwnedFd filter(memory_file("legion-sandbox-seccomp", filter_program(cgroup != nullptr)));
  const OwnedFd source(memory_file("legion-sandbox-program", program));
  const OwnedFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));

  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  // bubblewrap finds the filter on descriptor 3 and the program on 4, and closes both.
  const auto scratch = std::string(kScratch);
  std::vector<std::string> args = {bwrap.string(), "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
                                   "--new-session", "--ro-bind", "/usr", "/usr"};
  for (auto& a : usr_links()) args.push_back(std::move(a));
  for (const auto& a : {"--dev", "/dev", "--size", "SHM", "--tmpfs", "/dev/shm", "--remount-ro", "/dev", "--proc", "/proc", "--size",
                        "SCRATCH", "--tmpfs", "SCRATCHDIR", "--file", "4", "SCRATCHDIR/main.py", "--chdir", "SCRATCHDIR",
                        "--remount-ro", "/", "--clearenv", "--setenv", "HOME", "SCRATCHDIR", "--setenv", "TMPDIR", "SCRATCHDIR",
                        "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "LANG", "C.UTF-8", "--seccomp", "3"}) {
    std::string arg = a;
    if (arg == "SHM") arg = std::to_string(limits.shm_bytes);
    if (arg == "SCRATCH") arg = std::to_string(limits.scratch_bytes);
    if (arg.starts_with("SCRATCHDIR")) arg = scratch + arg.substr(10);
    args.push_back(std::move(arg));
  }
  for (const auto& a : {python.string(), std::string("-I"), std::string("-B"), std::string("main.py")}) args.push_back(a);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  char* const no_environment[] = {nullptr};  // bubblewrap's own, and so its init's /proc/1/environ: empty
  const bool as_root = ::geteuid() == 0;
  const rlim_t cpu = static_cast<rlim_t>(limits.cpu.count());

  int out[2], err[2], report[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 || ::pipe2(report, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("sandbox: pipe: ") + std::strerror(errno));
  const auto started = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("sandbox: fork: ") + std::strerror(errno));
  if (pid == 0) {
    const auto fail = [&](ChildStep step) {
      const int why[2] = {static_cast<int>(step), errno};
      [[maybe_unused]] const auto n = ::write(report[1], why, sizeof why);
      ::_exit(127);
    };
    ::setpgid(0, 0);  // one group: a stop kills bwrap, and --die-with-parent takes the sandbox with it
    if (cgroup && !cgroup->join_from_child()) fail(ChildStep::join_cgroup);
    // Descriptors 0-4 and nothing else: every source is first moved above them (so that placing
    // one cannot overwrite another), then placed; everything else from the caller (its sockets,
    // pipes, logs, the store) is closed. Only the report pipe stays, closed by exec.
    int sources[] = {null.fd, out[1], err[1], filter.fd, source.fd, report[1]};
    for (auto& fd : sources)
      if ((fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 16)) < 0) fail(ChildStep::descriptors);
    report[1] = sources[5];
    for (int target = 0; target < 5; ++target)
      if (::dup2(sources[target], target) != target) fail(ChildStep::descriptors);
    if (::close_range(5, static_cast<unsigned>(report[1]) - 1, 0) != 0 || ::close_range(static_cast<unsigned>(report[1]) + 1, ~0U, 0) != 0)
      fail(ChildStep::descriptors);
    rlimit r{cpu, cpu + 1};
    if (::setrlimit(RLIMIT_CPU, &r) != 0) fail(ChildStep::limits);
    r = {limits.memory_bytes, limits.memory_bytes};
    if (::setrlimit(RLIMIT_AS, &r) != 0) fail(ChildStep::limits);
    r = {limits.file_bytes, limits.file_bytes};
    if (::setrlimit(RLIMIT_FSIZE, &r) != 0) fail(ChildStep::limits);
    r = {0, 0};
    ::setrlimit(RLIMIT_CORE, &r);
    if (as_root && (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)) fail(ChildStep::switch_user);
    ::execve(argv[0], argv.data(), no_environment);
    fail(ChildStep::exec);
  }
  for (const int fd : {out[1], err[1], report[1]}) ::close(fd);
  int why[2] = {0, 0};
  ssize_t reported;
  while ((reported = ::read(report[0], why, sizeof why)) < 0 && errno == EINTR) {
  }
  ::close(report[0]);
  if (reported > 0) {
    ::close(out[0]);
    ::close(err[0]);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    throw std::runtime_error(std::string("sandbox: ") + describe(static_cast<ChildStep>(why[0])) + ": " + std::strerror(why[1]));
  }

  bool timed_out = false;
  std::vector<pollfd> open = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  const auto deadline = started + limits.wall;
  char chunk[8192];
  while (!open.empty()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      ::kill(-pid, SIGKILL);
      if (cgroup) cgroup->kill_all();
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
  // bubblewrap's own refusals (no user namespaces, a mount it may not make) end it with status 1
  // and a line of its own: the sandbox could not be set up, whatever the program is.
  if (run.exit_status == 1 && run.errors.starts_with("bwrap: ")) throw std::runtime_error("sandbox: " + run.errors.substr(0, run.errors.find('\n')));
  if (cgroup) run.peak_memory_bytes = cgroup->peak_memory_bytes();
  run.stopped = timed_out ? "time limit (" + std::to_string(limits.wall.count()) + " ms)" : stop_reason(run, limits, cgroup.get());
  return run;
}

}  // namespace legion::datasets
