// A runner killed with SIGKILL at seeded points of a run: `report` publishes every record the store
// holds, marked interrupted, and `--resume` completes the run under the same run id.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "legion/report/reporters.hpp"
#include "store.hpp"
#include "test_support.hpp"

namespace legion::bench {
namespace {

// Starts legion-bench with `arguments`, its output in `log`, and a stand-in for Chromium that
// writes a small, whole PDF (it ends with %%EOF) at once (the PDF is not what this test is about).
pid_t start_bench(const std::vector<std::string>& arguments, const std::filesystem::path& log) {
  static const auto chromium = [] {
    auto file = legion::testing::scratch_dir() / "fake-chromium";
    std::ofstream(file) << "#!/bin/sh\nfor a; do case \"$a\" in --print-to-pdf=*) printf '%%PDF-1.4\\n%%%%EOF\\n' > \"${a#--print-to-pdf=}\";; "
                           "esac; done\n";
    std::filesystem::permissions(file, std::filesystem::perms::owner_all);
    return file;
  }();
  std::vector<std::string> args = {LEGION_BENCH_EXE};
  args.insert(args.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::setenv("LEGION_CHROMIUM", chromium.c_str(), 1);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::size_t stored_records(const std::filesystem::path& store_file) {
  if (!std::filesystem::exists(store_file)) return 0;
  Store store(store_file);
  auto runs = store.runs();
  return runs.empty() ? 0 : store.records(runs.back().run_id).size();
}

TEST(KillAndResume, EveryStoredRecordIsPublishedAndTheRunCompletes) {
  const std::vector<std::string> run = {"--systems", "native", "--scenario", "single-tool", "--scenario", "sequential-pipeline",
                                        "-n", "3", "--warmup", "1", "--latency", "ttft=25,tps=0"};
  constexpr std::size_t kPlanned = 2 * (1 + 3);
  std::mt19937 random(20261123);
  for (int trial = 0; trial < 3; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const auto dir = legion::testing::scratch_dir() / ("run-" + std::to_string(trial));
    std::filesystem::remove_all(dir);
    auto arguments = run;
    arguments.insert(arguments.end(), {"--out", dir.string()});
    const auto kill_after = std::uniform_int_distribution<std::size_t>(1, kPlanned - 2)(random);
    const auto extra_ms = std::uniform_int_distribution<int>(0, 40)(random);
    pid_t pid = start_bench(arguments, dir.string() + ".log");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (stored_records(dir / "results.sqlite") < kill_after && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(extra_ms));
    ::kill(pid, SIGKILL);
    ASSERT_EQ(wait_exit(pid), 128 + SIGKILL) << "the run ended on its own: " << read_file(dir.string() + ".log");
    ASSERT_FALSE(std::filesystem::exists(dir / "results.json")) << "the run ended before it was killed";
    const auto in_store = stored_records(dir / "results.sqlite");
    ASSERT_GE(in_store, kill_after);

    // report publishes from the store: every record, marked interrupted.
    ASSERT_EQ(wait_exit(start_bench({"report", dir.string()}, dir.string() + ".report.log")), 0)
        << read_file(dir.string() + ".report.log");
    auto published = report::read_results_json(dir / "results.json");
    EXPECT_EQ(published.records.size(), in_store);
    EXPECT_TRUE(published.context.interrupted);
    EXPECT_NE(read_file(dir / "BENCHMARK_RESULTS.md").find("This run was interrupted"), std::string::npos);
    EXPECT_NE(read_file(dir.string() + ".report.log").find("results.json is missing: publishing run"), std::string::npos);

    // --resume runs what is missing, in the same run, and no repetition twice.
    ASSERT_EQ(wait_exit(start_bench({"--resume", dir.string(), "-q"}, dir.string() + ".resume.log")), 0)
        << read_file(dir.string() + ".resume.log");
    auto resumed = report::read_results_json(dir / "results.json");
    EXPECT_FALSE(resumed.context.interrupted);
    EXPECT_EQ(resumed.context.run_id, published.context.run_id);
    ASSERT_EQ(resumed.records.size(), kPlanned) << read_file(dir.string() + ".resume.log");
    std::set<std::tuple<std::string, bool, int>> cells;
    for (const auto& r : resumed.records) {
      EXPECT_TRUE(r.correct) << r.scenario << " " << r.repetition << " " << r.error.value_or("");
      cells.insert({r.scenario, r.warmup, r.repetition});
    }
    EXPECT_EQ(cells.size(), kPlanned) << "a repetition was measured twice";
    for (std::size_t i = 0; i < published.records.size(); ++i)
      EXPECT_EQ(resumed.records[i].wall_ns, published.records[i].wall_ns) << "record " << i << " changed";
    EXPECT_EQ(stored_records(dir / "results.sqlite"), kPlanned);

    // A complete run cannot be resumed.
    EXPECT_EQ(wait_exit(start_bench({"--resume", dir.string()}, dir.string() + ".again.log")), 2);
    EXPECT_NE(read_file(dir.string() + ".again.log").find("is complete; nothing to resume"), std::string::npos);
  }
}

}  // namespace
}  // namespace legion::bench
