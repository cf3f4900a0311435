#pragma once
// The sandbox that model-written code runs in (the code-execution scenario's `sandbox: python`
// tools, and every framework's code-execution construct routed to it). Real models write arbitrary
// code, so it is built to hold against a program that tries to escape. It is bubblewrap (Debian's
// `bubblewrap`), a seccomp filter (libseccomp) and a cgroup:
//   - descriptors: only 0 (/dev/null), 1 and 2 (pipes back to the caller) reach the program;
//   - environment: empty, bubblewrap included (so its /proc/1/environ too), then a fixed minimal one;
//   - file system: /usr (read-only) and the usual links to it, a fresh /dev and /proc, a sized
//     tmpfs as the working folder ($HOME, $TMPDIR) and one as /dev/shm; nothing else of the host
//     (no /tmp, /run, /home, /root, /etc), so no host socket or file is reachable by path;
//   - namespaces of its own (network with only a loopback nobody listens on, pid, ipc, uts, mount,
//     user) and no new ones inside (bubblewrap's --disable-userns and the filter);
//   - the filter (sandbox_seccomp.hpp) refuses ptrace and its relatives, namespaces, mounts,
//     keyrings, BPF, io_uring and every socket family but IPv4 and IPv6;
//   - one memory and process budget for the whole program, every process and tmpfs page of it:
//     a cgroup (v2, or v1's memory and pids hierarchies). Where none can be made, the stated
//     fallback keeps the budget whole by allowing one process only (the filter refuses fork);
//   - rlimits on CPU time, address space and file size, and a wall-clock limit;
//   - as root, it runs as user nobody.
// A program that is stopped comes back with the reason (network refused, write refused, fork
// limit, CPU limit, memory limit, disk space limit, time limit, operation refused); the caller's
// run goes on either way.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace legion::datasets {

struct SandboxLimits {
  std::chrono::seconds cpu{5};
  std::chrono::milliseconds wall{10000};
  std::uint64_t memory_bytes = std::uint64_t{512} << 20;  // the whole program: every process, its tmpfs pages
  std::uint64_t file_bytes = std::uint64_t{16} << 20;     // largest file it may write
  std::uint64_t scratch_bytes = std::uint64_t{32} << 20;  // its working folder
  std::uint64_t shm_bytes = std::uint64_t{8} << 20;       // /dev/shm
  int processes = 32;                                     // processes and threads of the program
  std::size_t output_bytes = 64 * 1024;                   // stdout and stderr kept, each
  // false: the one-process fallback even where a cgroup could be made (what a machine without
  // one gets; the tests check that it holds too).
  bool use_cgroup = true;
};

struct SandboxRun {
  int exit_status = -1;      // the program's, or 128 + signal
  std::string output;        // stdout
  std::string errors;        // stderr
  std::string stopped;       // empty: it ran to its end; else why it was stopped
  std::chrono::nanoseconds wall{0};
  std::uint64_t peak_memory_bytes = 0;  // of the whole program, as its cgroup saw it; 0 without one
  std::string budget;                   // what held the memory and process budget: "cgroup v1", "cgroup v2", or the fallback
  // What a model sees: the output, or the reason it stopped and the last lines of stderr.
  std::string as_tool_result() const;
};

// Whether bwrap and python3 are installed (the sandbox refuses to run code without them).
bool sandbox_available();
// What this machine lacks for the full sandbox (bubblewrap, python3, the seccomp filter, a cgroup
// for the shared budget), one reason a line; empty when it has everything. The tests require it empty.
std::string sandbox_missing();
// Runs a Python 3 program in the sandbox. Throws std::runtime_error only when the sandbox itself
// cannot be set up (no bwrap, no user namespaces, no filter); what the program does is in the result.
SandboxRun run_python_sandboxed(std::string_view program, const SandboxLimits& limits = {});

}  // namespace legion::datasets
