// The sandbox for model-written code: programs that try to escape are stopped and the reason is
// recorded, and the next program runs as usual.
#include "legion/datasets/sandbox.hpp"
#include "legion/datasets/scenario.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace legion::datasets {
namespace {

class Sandbox : public ::testing::Test {
 protected:
  void SetUp() override {
    // A machine without what the sandbox needs fails here rather than skipping (scripts/bootstrap.sh
    // installs bubblewrap and libseccomp; the cgroup comes with running as root).
    ASSERT_EQ(sandbox_missing(), "");
  }
  // After any stop, an ordinary program still runs: the caller's run goes on.
  static void next_program_runs() {
    const auto run = run_python_sandboxed("print(6 * 7)");
    EXPECT_EQ(run.stopped, "");
    EXPECT_EQ(run.output, "42\n");
  }
};

TEST_F(Sandbox, RunsAProgramAndReturnsWhatItPrints) {
  const auto run = run_python_sandboxed("import os\nopen('notes.txt', 'w').write('scratch is writable')\nprint(open('notes.txt').read())");
  EXPECT_EQ(run.exit_status, 0) << run.errors;
  EXPECT_EQ(run.stopped, "");
  EXPECT_EQ(run.as_tool_result(), "scratch is writable\n");
}

TEST_F(Sandbox, AProgramThatFailsReportsItsError) {
  const auto run = run_python_sandboxed("raise ValueError('bad input 17')");
  EXPECT_EQ(run.exit_status, 1);
  EXPECT_EQ(run.stopped, "");
  EXPECT_EQ(run.as_tool_result().rfind("error: the program exited with status 1\n", 0), 0u);
  EXPECT_NE(run.as_tool_result().find("ValueError: bad input 17"), std::string::npos);
}

TEST_F(Sandbox, NetworkIsRefused) {
  // A server on this machine's loopback: the sandbox's own loopback must not reach it.
  const int server = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(server, 1), 0);
  socklen_t length = sizeof address;
  ::getsockname(server, reinterpret_cast<sockaddr*>(&address), &length);
  const auto port = std::to_string(ntohs(address.sin_port));

  auto run = run_python_sandboxed("import socket\nsocket.create_connection(('127.0.0.1', " + port + "), timeout=3)\nprint('reached the host')");
  EXPECT_EQ(run.stopped, "network refused") << run.errors;
  EXPECT_EQ(run.output, "");
  run = run_python_sandboxed("import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=3)\nprint('reached the internet')");
  EXPECT_EQ(run.stopped, "network refused") << run.errors;
  EXPECT_EQ(run.as_tool_result().rfind("error: stopped by the sandbox: network refused", 0), 0u);
  ::close(server);
  next_program_runs();
}

TEST_F(Sandbox, WritesOutsideTheScratchFolderAreRefused) {
  // The host's folders are not there at all; what is there (/usr, the root) is read-only.
  const auto outside = legion::testing::scratch_dir() / "escaped.txt";
  for (const auto& target : {outside.string(), std::string("/etc/legion-escaped"), std::string("/tmp/legion-escaped")}) {
    const auto run = run_python_sandboxed("open('" + target + "', 'w').write('escaped')\nprint('wrote')");
    EXPECT_EQ(run.output, "") << target;
    EXPECT_NE(run.errors.find("FileNotFoundError"), std::string::npos) << target << ": " << run.errors;
    EXPECT_FALSE(std::filesystem::exists(target)) << target;
  }
  for (const auto& target : {std::string("/usr/legion-escaped"), std::string("/legion-escaped")}) {
    const auto run = run_python_sandboxed("open('" + target + "', 'w').write('escaped')\nprint('wrote')");
    EXPECT_EQ(run.stopped, "write refused") << target << ": " << run.errors;
    EXPECT_FALSE(std::filesystem::exists(target)) << target;
  }
  next_program_runs();
}

TEST_F(Sandbox, AForkBombHitsTheProcessLimit) {
  const auto run = run_python_sandboxed("import os\nwhile True:\n    os.fork()\n");
  EXPECT_EQ(run.stopped.rfind("fork limit", 0), 0u) << run.stopped << ": " << run.errors.substr(0, 300);
  next_program_runs();
}

TEST_F(Sandbox, CpuTimeIsLimited) {
  SandboxLimits limits;
  limits.cpu = std::chrono::seconds(1);
  const auto run = run_python_sandboxed("while True:\n    pass\n", limits);
  EXPECT_EQ(run.stopped, "CPU limit (1 s)") << run.exit_status;
  next_program_runs();
}

TEST_F(Sandbox, MemoryIsLimited) {
  const auto run = run_python_sandboxed("block = bytearray(4 * 1024 ** 3)\nprint(len(block))");
  EXPECT_EQ(run.stopped, "memory limit (512 MiB)") << run.errors;
  next_program_runs();
}

TEST_F(Sandbox, WallTimeIsLimited) {
  SandboxLimits limits;
  limits.wall = std::chrono::milliseconds(500);
  const auto run = run_python_sandboxed("import time\ntime.sleep(30)", limits);
  EXPECT_EQ(run.stopped, "time limit (500 ms)");
  EXPECT_LT(run.wall, std::chrono::seconds(5));
  next_program_runs();
}

TEST_F(Sandbox, TheScenarioToolRunsTheScriptedProgram) {
  const auto spec = load_scenario(resolve_scenario("code-execution"));
  const auto& call = spec.agents[0].script[0];
  const auto task = task_of(spec);
  ASSERT_EQ(task.tools[0].kind, "code-execution");
  const auto result = task.run_tool("run_python", call.args.dump());
  EXPECT_EQ(result, "label " + spec.nonces.at("label") + "\n");
  EXPECT_EQ(call.witness, spec.nonces.at("label"));
  // The value is planted only as character codes: nothing a system receives carries it.
  EXPECT_EQ(core::to_json(task).dump().find(spec.nonces.at("label")), std::string::npos);
  EXPECT_EQ(call.args.dump().find(spec.nonces.at("label")), std::string::npos);
  EXPECT_EQ(task.run_tool("run_python", R"j({"program":"print(1)"})j"), "error: missing argument 'code' (the Python program to run)");
}

TEST_F(Sandbox, TheBudgetIsACgroupAndItsPeakIsRecorded) {
  const auto run = run_python_sandboxed("block = bytearray(64 * 1024 * 1024)\nfor i in range(0, len(block), 4096): block[i] = 1\nprint('ok')");
  EXPECT_EQ(run.output, "ok\n") << run.errors;
  EXPECT_TRUE(run.budget == "cgroup v1" || run.budget == "cgroup v2") << run.budget;
  EXPECT_GE(run.peak_memory_bytes, std::uint64_t{64} << 20);
  EXPECT_LE(run.peak_memory_bytes, SandboxLimits{}.memory_bytes);
}

// Without a cgroup the budget stays whole by allowing one process: the address-space limit is then
// the whole program's. Threads still run.
TEST_F(Sandbox, TheFallbackWithoutACgroupAllowsOneProcessOnly) {
  SandboxLimits limits;
  limits.use_cgroup = false;
  auto run = run_python_sandboxed("import os\ntry:\n    os.fork()\n    print('forked')\nexcept OSError as e:\n    print('refused', e.errno)\n", limits);
  EXPECT_EQ(run.output, "refused 1\n") << run.errors;
  EXPECT_EQ(run.budget, "one process (cgroup not wanted)");
  run = run_python_sandboxed("import subprocess\nsubprocess.run(['true'])\n", limits);
  EXPECT_NE(run.exit_status, 0);
  EXPECT_EQ(run.stopped, "operation refused") << run.errors;
  run = run_python_sandboxed("import threading\nt = threading.Thread(target=lambda: print('thread ran'))\nt.start(); t.join()\n", limits);
  EXPECT_EQ(run.output, "thread ran\n") << run.errors;
  run = run_python_sandboxed("block = bytearray(1024 ** 3)\nprint(len(block))", limits);
  EXPECT_EQ(run.stopped, "memory limit (512 MiB)") << run.errors;
  next_program_runs();
}

// A sandbox that cannot be set up is an error of the tool, never a run under weaker settings.
TEST_F(Sandbox, ASandboxThatCannotBeSetUpRunsNothing) {
  SandboxLimits limits;
  limits.processes = 0;  // no task beyond bubblewrap's own: it cannot make the sandbox's pid 1
  try {
    run_python_sandboxed("print('ran')", limits);
    ADD_FAILURE() << "the program ran";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("sandbox: bwrap: ", 0), 0u) << e.what();
  }
  next_program_runs();
}

}  // namespace
}  // namespace legion::datasets
