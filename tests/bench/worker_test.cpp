#include "worker.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>

#include "legion/datasets/dialect.hpp"
#include "legion/datasets/scenario.hpp"
#include "legion/oracle/server.hpp"
#include "test_support.hpp"

namespace legion::bench {
namespace {

using nlohmann::json;

// A stand-in worker executable: a shell script speaking the protocol on fds 3 and 4.
std::filesystem::path fake_worker(const std::string& name, const std::string& body) {
  auto dir = legion::testing::scratch_dir();
  std::filesystem::create_directories(dir);
  auto file = dir / name;
  std::ofstream(file) << "#!/bin/sh\n" << body;
  std::filesystem::permissions(file, std::filesystem::perms::owner_all);
  return file;
}

WorkerProcess::Options options(const std::filesystem::path& executable) {
  WorkerProcess::Options o;
  o.system = "fake";
  o.executable = executable;
  o.log_file = executable.string() + ".log";
  o.base_url = "http://127.0.0.1:1/v1";
  return o;
}

TEST(WorkerProcess, AWorkerThatCannotStartIsAClearError) {
  try {
    WorkerProcess w(options(fake_worker("exits", "exit 3\n")));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("worker for 'fake' did not start: exited with status 3"), std::string::npos) << e.what();
  }
}

TEST(WorkerProcess, ACrashDuringATaskBecomesAnErrorAndTheNextTaskRestartsIt) {
  auto exe = fake_worker("crashes", R"(echo '{"ready":true,"cold_start_ns":5,"versions":{"fake":"1"}}' >&4
read line <&3
echo "$line" >> "$0.jobs"
kill -9 $$
)");
  std::filesystem::remove(exe.string() + ".jobs");
  WorkerProcess w(options(exe));
  EXPECT_EQ(w.hello()["versions"]["fake"], "1");
  EXPECT_GT(w.hello()["startup_ns"].get<std::int64_t>(), 0);
  auto first = w.run({{"n", 1}}, std::chrono::seconds(5));
  EXPECT_EQ(first["error"], "worker crashed (killed by signal Killed)");
  auto second = w.run({{"n", 2}}, std::chrono::seconds(5));  // a fresh worker got the job
  EXPECT_EQ(second["error"], "worker crashed (killed by signal Killed)");
  std::ifstream jobs(exe.string() + ".jobs");
  std::string a, b;
  std::getline(jobs, a);
  std::getline(jobs, b);
  EXPECT_EQ(a, R"({"n":1})");
  EXPECT_EQ(b, R"({"n":2})");
}

TEST(WorkerProcess, AHungTaskIsKilledAtItsTimeout) {
  auto exe = fake_worker("hangs", R"(echo '{"ready":true}' >&4
read line <&3
sleep 30
)");
  WorkerProcess w(options(exe));
  auto started = std::chrono::steady_clock::now();
  auto reply = w.run({{"n", 1}}, std::chrono::milliseconds(200));
  EXPECT_EQ(reply["error"], "timeout: no answer within 200 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

// SIGTERM sent to the whole process group reaches the worker too: it carries on, and the runner
// decides when the run stops.
TEST(WorkerProcess, TheRealWorkerCarriesOnAfterSigterm) {
  oracle::Oracle oracle(oracle::Oracle::Options{});
  const auto scenario = datasets::resolve_scenario("single-tool");
  const auto spec = std::make_shared<const datasets::ScenarioSpec>(datasets::load_scenario(scenario, {{}, 7}));
  oracle.set_script(std::make_shared<oracle::ScriptPolicy>(spec, datasets::dialect_named("native")));
  auto o = options(LEGION_BENCH_EXE);
  o.system = "native";
  o.log_file = legion::testing::scratch_dir() / "native.log";
  o.base_url = oracle.base_url();
  WorkerProcess w(o);
  const auto pid = w.pid();
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  auto reply = w.run({{"scenario", scenario.string()}, {"params", json::object()}, {"seed", 7}, {"concurrency", 1}}, std::chrono::seconds(30));
  EXPECT_TRUE(reply["error"].is_null()) << reply.dump();
  EXPECT_TRUE(datasets::check_answer(*spec, reply["answers"][0].get<std::string>()).correct) << reply.dump();
  EXPECT_EQ(w.pid(), pid) << "the worker died of SIGTERM";
}

}  // namespace
}  // namespace legion::bench
