#pragma once
// The sandbox that model-written code runs in (the code-execution scenario's `sandbox: python`
// tools, and every framework's code-execution construct routed to it). It is bubblewrap (Debian's
// `bubblewrap`) plus resource limits:
//   - no network: a network namespace of its own with only a loopback nobody listens on;
//   - the file system read-only except a fresh scratch folder (the working directory, $HOME and
//     $TMPDIR), removed afterwards;
//   - rlimits on CPU time, address space, file size and processes, and a wall-clock limit;
//   - as root, the program runs as user nobody, so that the process limit holds (the kernel does
//     not hold root to RLIMIT_NPROC).
// A program that is stopped comes back with the reason (network refused, write refused, fork
// limit, CPU limit, memory limit, time limit); the caller's run goes on either way.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace legion::datasets {

struct SandboxLimits {
  std::chrono::seconds cpu{5};
  std::chrono::milliseconds wall{10000};
  std::uint64_t memory_bytes = std::uint64_t{512} << 20;  // address space
  std::uint64_t file_bytes = std::uint64_t{16} << 20;     // largest file it may write in its scratch folder
  int processes = 32;
  std::size_t output_bytes = 64 * 1024;  // stdout and stderr kept, each
};

struct SandboxRun {
  int exit_status = -1;      // the program's, or 128 + signal
  std::string output;        // stdout
  std::string errors;        // stderr
  std::string stopped;       // empty: it ran to its end; else why it was stopped
  std::chrono::nanoseconds wall{0};
  // What a model sees: the output, or the reason it stopped and the last lines of stderr.
  std::string as_tool_result() const;
};

// Whether bwrap is installed (the sandbox refuses to run code without it).
bool sandbox_available();
// Runs a Python 3 program in the sandbox. Throws std::runtime_error only when the sandbox itself
// cannot be set up (no bwrap, no scratch folder); what the program does is in the result.
SandboxRun run_python_sandboxed(std::string_view program, const SandboxLimits& limits = {});

}  // namespace legion::datasets
