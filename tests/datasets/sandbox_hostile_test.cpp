// Hostile programs against the sandbox: each tries one way out (the caller's descriptors, its
// environment, ptrace, host sockets, more memory than the budget, nested namespaces, ...) and
// prints "ESCAPED" if it gets anywhere, "held" once it has tried. The host side checks too (a
// listener that must accept nothing, a pipe that must stay empty, a process that must survive).
// The suite prints how many cases ran and how many were stopped; every case must be stopped.
#include "legion/datasets/sandbox.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace legion::datasets {
namespace {

// Every program starts with this: libc through ctypes, and a helper that reports a system call's
// result as "held" (refused) or "ESCAPED" (it worked).
constexpr std::string_view kPrelude = R"py(import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def attempt(what, result):
    if result == -1 or result is None:
        print('held', what, errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno()))
    else:
        print('ESCAPED', what, result)
)py";

struct HostileCase {
  std::string name;
  std::string program;
  // The host side's verdict beyond "no ESCAPED": empty when the case held, else what went wrong.
  std::function<std::string(const SandboxRun&)> check = [](const SandboxRun&) { return std::string(); };
  SandboxLimits limits{};
};

// A listener on the host that the sandbox must not reach: a world-writable Unix socket by path, or
// one in the abstract namespace.
struct HostListener {
  int fd = -1;
  std::string path;
  explicit HostListener(std::string name, bool abstract) : path(std::move(name)) {
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::copy(path.begin(), path.end(), address.sun_path + (abstract ? 1 : 0));
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 1 : 0));
    if (!abstract) std::filesystem::remove(path);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(fd, 4) != 0) ADD_FAILURE() << "listen on " << path;
    if (!abstract) std::filesystem::permissions(path, std::filesystem::perms::all);
  }
  ~HostListener() { ::close(fd); }
  bool accepted_nothing() const { return ::accept(fd, nullptr, nullptr) < 0 && errno == EAGAIN; }
};

std::vector<HostileCase> hostile_cases(int result_pipe, const std::string& socket_path, const std::string& abstract_name) {
  const auto fd = std::to_string(result_pipe);
  std::vector<HostileCase> cases;
  // 1. The caller's descriptors: a worker's job and result pipes, its connection to the model
  //    server, its log. Only 0-2 may be open, and writing to any other number must fail.
  cases.push_back({"only descriptors 0-2 are open",
                   R"py(open_fds = sorted(int(f) for f in os.listdir('/proc/self/fd')))py"
                   "\nextra = [f for f in open_fds if f > 2 and os.path.exists('/proc/self/fd/%d' % f)]\n"
                   "print('ESCAPED fds', extra) if extra else print('held fds', open_fds)\n"});
  cases.push_back({"a forged result line reaches no inherited pipe",
                   "line = b'{\"answer\":\"forged\",\"wall_ns\":1}\\n'\n"
                   "wrote = []\nfor n in range(3, 1024):\n    try:\n        os.write(n, line); wrote.append(n)\n    except OSError:\n        pass\n"
                   "print('ESCAPED wrote to', wrote) if wrote else print('held: no descriptor above 2 takes a write (host pipe " + fd + ")')\n"});
  // 2. The host's environment, directly and through every process the sandbox can see.
  cases.push_back({"the host's environment is nowhere",
                   "leaks = [k for k in os.environ if k.startswith('LEGION_HOSTILE')]\n"
                   "for p in os.listdir('/proc'):\n    if p.isdigit():\n        try:\n"
                   "            if b'LEGION_HOSTILE' in open('/proc/%s/environ' % p, 'rb').read(): leaks.append(p)\n"
                   "        except OSError:\n            pass\n"
                   "print('ESCAPED environment', leaks) if leaks else print('held: environment', sorted(os.environ))\n"});
  cases.push_back({"ptrace of pid 1", "attempt('ptrace attach 1', libc.ptrace(16, 1, 0, 0))\n"});
  cases.push_back({"ptrace of its own child",
                   "attempt('ptrace traceme', libc.ptrace(0, 0, 0, 0))\n"});
  cases.push_back({"process_vm_readv of pid 1",
                   "buf = ctypes.create_string_buffer(64)\n"
                   "class iovec(ctypes.Structure): _fields_ = [('base', ctypes.c_void_p), ('len', ctypes.c_size_t)]\n"
                   "local = iovec(ctypes.cast(buf, ctypes.c_void_p), 64); remote = iovec(0x400000, 64)\n"
                   "attempt('process_vm_readv', libc.process_vm_readv(1, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0))\n"});
  // 4. Unix sockets on the host, by path and abstract.
  cases.push_back({"a world-writable Unix socket by path",
                   "import socket\ntry:\n    s = socket.socket(socket.AF_UNIX); s.connect('" + socket_path +
                       "'); print('ESCAPED connected')\nexcept OSError as e:\n    print('held unix path', e)\n"});
  cases.push_back({"an abstract Unix socket",
                   "import socket\ntry:\n    s = socket.socket(socket.AF_UNIX); s.connect('\\0" + abstract_name +
                       "'); print('ESCAPED connected')\nexcept OSError as e:\n    print('held abstract', e)\n"});
  cases.push_back({"a netlink socket", "attempt('netlink socket', libc.socket(16, 3, 0))\n"});
  // 5. One budget for the whole program.
  HostileCase children{"six children of 400 MiB each",
                       "import time\nkids = []\nfor i in range(6):\n    pid = os.fork()\n    if pid == 0:\n"
                       "        block = bytearray(400 * 1024 * 1024)\n        for k in range(0, len(block), 4096): block[k] = 1\n"
                       "        time.sleep(2)\n        os._exit(0)\n    kids.append(pid)\n"
                       "statuses = [os.waitpid(k, 0)[1] for k in kids]\n"
                       "print('ESCAPED all six held their blocks') if all(s == 0 for s in statuses) else print('held children', statuses)\n"};
  children.check = [](const SandboxRun& run) -> std::string {
    if (run.stopped != "memory limit (512 MiB for the whole program)") return "stopped: '" + run.stopped + "'";
    if (run.peak_memory_bytes == 0 || run.peak_memory_bytes > SandboxLimits{}.memory_bytes)
      return "peak " + std::to_string(run.peak_memory_bytes) + " bytes, not within the budget";
    return "";
  };
  cases.push_back(children);
  for (const auto& [where, limit] : {std::pair{std::string("/dev/shm"), SandboxLimits{}.shm_bytes}, {std::string("."), SandboxLimits{}.scratch_bytes}}) {
    HostileCase fill{"fill " + where,
                     "written = 0\ntry:\n    with open('" + where + "/fill', 'wb') as f:\n"
                     "        for i in range(640):\n            f.write(b'x' * (1 << 20)); f.flush(); written += 1 << 20\n"
                     "except OSError as e:\n    print('held at', written, e)\nelse:\n    print('ESCAPED wrote', written)\n"};
    fill.limits.file_bytes = std::uint64_t{1} << 30;  // the folder's size must stop it, not the file limit
    fill.check = [limit](const SandboxRun& run) -> std::string {
      const auto at = run.output.find("held at ");
      if (at == std::string::npos) return "not stopped by the folder's size";
      const auto written = std::stoull(run.output.substr(at + 8));
      return written <= limit ? "" : "wrote " + std::to_string(written) + " bytes";
    };
    cases.push_back(fill);
  }
  cases.push_back({"a nested user namespace (uid 0 inside)", "attempt('unshare user', libc.unshare(0x10000000))\n"});
  cases.push_back({"unshare -r",
                   "import subprocess\nr = subprocess.run(['unshare', '-r', 'id', '-u'], capture_output=True, text=True)\n"
                   "print('ESCAPED', r.stdout) if r.returncode == 0 else print('held unshare -r', r.returncode, r.stderr.strip())\n"});
  cases.push_back({"clone with a new network namespace",
                   "attempt('clone newnet', libc.syscall(56, 0x40000000 | 17, 0, 0, 0, 0))\n"});
  // More ways out.
  cases.push_back({"mount a tmpfs", "attempt('mount', libc.mount(b'none', b'/sandbox', b'tmpfs', 0, None))\n"});
  cases.push_back({"chroot", "attempt('chroot', libc.chroot(b'/'))\n"});
  cases.push_back({"setns into pid 1's namespaces",
                   "try:\n    fd = os.open('/proc/1/ns/mnt', os.O_RDONLY)\n    attempt('setns', libc.setns(fd, 0))\n"
                   "except OSError as e:\n    print('held setns', e)\n"});
  cases.push_back({"io_uring", "attempt('io_uring_setup', libc.syscall(425, 8, ctypes.create_string_buffer(120)))\n"});
  cases.push_back({"bpf", "attempt('bpf', libc.syscall(321, 0, 0, 0))\n"});
  cases.push_back({"keyctl", "attempt('keyctl', libc.syscall(250, 0, 0, 0, 0, 0))\n"});
  cases.push_back({"userfaultfd", "attempt('userfaultfd', libc.syscall(323, 0))\n"});
  cases.push_back({"perf_event_open", "attempt('perf_event_open', libc.syscall(298, 0, 0, -1, -1, 0))\n"});
  cases.push_back({"host folders are absent",
                   "seen = [p for p in ['/root', '/home', '/tmp', '/run', '/var', '/etc/shadow', '/work', '/sys', '/proc/1/root/root'] "
                   "if os.path.exists(p)]\nprint('ESCAPED sees', seen) if seen else print('held: no host folder')\n"});
  cases.push_back({"write to /dev",
                   "try:\n    open('/dev/legion', 'w').write('x'); print('ESCAPED wrote /dev')\nexcept OSError as e:\n    print('held /dev', e)\n"});
  cases.push_back({"write to /proc/sys",
                   "try:\n    open('/proc/sys/kernel/hostname', 'w').write('x'); print('ESCAPED wrote /proc/sys')\n"
                   "except OSError as e:\n    print('held /proc/sys', e)\n"});
  cases.push_back({"kill every process it can see",
                   "import signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept ProcessLookupError:\n    pass\nprint('held: kill -1 sent')\n"});
  // Pid 1 inside is bubblewrap's init, of the same user: its memory is open to the program
  // (/proc/1/mem), so it must hold nothing more than the program: the same filter, no capabilities.
  cases.push_back({"pid 1 holds no more than the program",
                   "fields = lambda pid: {l.split(':')[0]: l.split(':')[1].strip() for l in open('/proc/%s/status' % pid)}\n"
                   "init, me = fields(1), fields('self')\n"
                   "keys = ['CapEff', 'CapPrm', 'CapBnd', 'NoNewPrivs', 'Seccomp', 'Seccomp_filters']\n"
                   "more = [k for k in keys if init[k] != me[k]] + [k for k in keys[:3] if int(init[k], 16) != 0]\n"
                   "print('ESCAPED init differs in', more) if more or me['Seccomp'] != '2' else print('held: init as confined as the program')\n"});
  return cases;
}

TEST(SandboxHostile, EveryHostileProgramIsStopped) {
  ASSERT_EQ(sandbox_missing(), "") << "the sandbox's requirements are missing on this machine: CI fails rather than skips";
  // What a worker holds when it runs a tool, none of it marked close-on-exec: its result pipe and
  // its connection to the model server (here a connected socket pair), at numbers above the
  // sandbox's own 0-4, and an environment with something private in it.
  int pipe_ends[2], connection[2];
  ASSERT_EQ(::pipe(pipe_ends), 0);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, connection), 0);
  const int result_pipe = ::fcntl(pipe_ends[1], F_DUPFD, 40), model_connection = ::fcntl(connection[1], F_DUPFD, 41);
  ::close(pipe_ends[1]);
  ::close(connection[1]);
  ::fcntl(pipe_ends[0], F_SETFL, O_NONBLOCK);
  ::fcntl(connection[0], F_SETFL, O_NONBLOCK);
  ::setenv("LEGION_HOSTILE_SECRET", "host-only-7c1f", 1);
  const auto folder = legion::testing::scratch_dir() / "hostile";
  std::filesystem::create_directories(folder);
  std::filesystem::permissions(folder, std::filesystem::perms::all);
  const HostListener by_path((folder / "host.sock").string(), false);
  const HostListener abstract("legion-hostile-" + std::to_string(::getpid()), true);
  // A process of the host's that a program killing everything it sees must not reach.
  const pid_t bystander = ::fork();
  if (bystander == 0) {
    ::pause();
    ::_exit(0);
  }

  int ran = 0, stopped = 0;
  for (auto& c : hostile_cases(result_pipe, by_path.path, abstract.path)) {
    SCOPED_TRACE(c.name);
    const auto run = run_python_sandboxed(std::string(kPrelude) + c.program, c.limits);
    ++ran;
    const bool held = run.output.find("ESCAPED") == std::string::npos &&
                      (run.output.find("held") != std::string::npos || !run.stopped.empty());
    EXPECT_TRUE(held) << "output: " << run.output << "\nerrors: " << run.errors << "\nstopped: " << run.stopped;
    const auto problem = c.check(run);
    EXPECT_EQ(problem, "") << run.errors;
    if (held && problem.empty()) ++stopped;
    std::printf("  %-44s %s%s\n", c.name.c_str(), held && problem.empty() ? "stopped" : "ESCAPED",
                run.stopped.empty() ? "" : (" (" + run.stopped + ")").c_str());
  }
  char byte;
  EXPECT_EQ(::read(pipe_ends[0], &byte, 1), -1) << "a program wrote to the host's pipe";
  EXPECT_EQ(::read(connection[0], &byte, 1), -1) << "a program wrote to the host's connection";
  EXPECT_TRUE(by_path.accepted_nothing());
  EXPECT_TRUE(abstract.accepted_nothing());
  EXPECT_EQ(::waitpid(bystander, nullptr, WNOHANG), 0) << "a program killed a host process";
  ::kill(bystander, SIGKILL);
  ::waitpid(bystander, nullptr, 0);
  ::unsetenv("LEGION_HOSTILE_SECRET");
  for (const int fd : {pipe_ends[0], result_pipe, connection[0], model_connection}) ::close(fd);
  std::printf("hostile programs: %d ran, %d stopped\n", ran, stopped);
  EXPECT_EQ(stopped, ran);
  EXPECT_GE(ran, 25);
}

#if defined(__x86_64__)
// Seeded random hostile programs: each makes 24 attempts drawn from the refused system calls (x86-64
// numbers, random arguments: the filter answers before the kernel looks at them), sockets of random
// families, writes to random descriptors and writes to random host paths. Every attempt must fail.
TEST(SandboxHostile, FuzzedHostileProgramsAreStopped) {
  ASSERT_EQ(sandbox_missing(), "");
  const std::vector<int> refused = {101, 310, 311, 312, 438, 272, 308, 165, 166, 155, 161, 250, 248, 249, 321, 298, 323, 425, 426,
                                    427, 175, 313, 176, 246, 320, 169, 167, 168, 163, 103, 304, 303, 179, 172, 173, 164, 227, 442,
                                    429, 428, 430, 431, 432, 433};
  const std::vector<std::string> paths = {"/etc/passwd", "/tmp/x", "/root/.bashrc", "/usr/lib/x", "/proc/1/environ", "/dev/sda", "/sys/kernel/x",
                                          "/run/x.sock", "/work/x", "/x"};
  std::mt19937 random(20261206);
  int ran = 0, stopped = 0;
  for (int program_number = 0; program_number < 12; ++program_number) {
    std::string program(kPrelude);
    program += "import socket\n";
    for (int step = 0; step < 24; ++step) {
      const auto a = std::to_string(random() % 4096), b = std::to_string(random() % 4096);
      switch (random() % 4) {
        case 0:
          program += "attempt('syscall', libc.syscall(" + std::to_string(refused[random() % refused.size()]) + ", " + a + ", " + b + ", 0, 0, 0))\n";
          break;
        case 1: {
          auto family = random() % 46;
          if (family == 2 || family == 10) family = 1;  // AF_INET and AF_INET6 are allowed: take AF_UNIX instead
          program += "attempt('socket', libc.socket(" + std::to_string(family) + ", " + std::to_string(1 + random() % 5) + ", 0))\n";
          break;
        }
        case 2:
          program += "attempt('write', libc.write(" + std::to_string(3 + random() % 1021) + ", b'forged\\n', 7))\n";
          break;
        default:
          program += "try:\n    open('" + paths[random() % paths.size()] + "', 'w').write('x'); print('ESCAPED open')\nexcept OSError as e:\n    print('held open', e.errno)\n";
      }
    }
    const auto run = run_python_sandboxed(program);
    ++ran;
    const bool held = run.exit_status == 0 && run.output.find("ESCAPED") == std::string::npos;
    EXPECT_TRUE(held) << "program " << program_number << "\n" << run.output << run.errors;
    if (held) ++stopped;
  }
  std::printf("fuzzed hostile programs: %d ran, %d stopped\n", ran, stopped);
  EXPECT_EQ(stopped, ran);
}
#endif

}  // namespace
}  // namespace legion::datasets
