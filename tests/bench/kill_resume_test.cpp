// A runner killed with SIGKILL at seeded points of a run: `report` publishes every record the store
// holds, marked interrupted, and `--resume` completes the run under the same run id. A SIGTERM to
// the whole process group loses no task, and no worker outlives its runner.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "legion/report/reporters.hpp"
#include "store.hpp"
#include "test_support.hpp"

namespace legion::bench {
namespace {

// Starts legion-bench with `arguments`, its output in `log`, and a stand-in for Chromium that
// writes a small, whole PDF (it ends with %%EOF) at once (the PDF is not what this test is about).
// With `own_group` it leads a process group of its own, as a shell's job does, so that the group
// can be signalled.
pid_t start_bench(const std::vector<std::string>& arguments, const std::filesystem::path& log, bool own_group = false) {
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
  if (pid > 0 && own_group) ::setpgid(pid, pid);  // both sides, so that the group exists when either returns
  if (pid == 0) {
    if (own_group) ::setpgid(0, 0);
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
    // Every trial of a cell planted its own values, those after the stop included: a resumed run goes
    // on with the seeds a run without a stop uses, never again with those of its first trials.
    std::map<std::string, std::set<std::string>> answers;
    for (const auto& r : resumed.records) answers[r.scenario].insert(r.answer);
    for (const auto& [scenario, distinct] : answers) EXPECT_EQ(distinct.size(), 1u + 3u) << scenario << ": two trials planted the same values";
    for (std::size_t i = 0; i < published.records.size(); ++i)
      EXPECT_EQ(resumed.records[i].wall_ns, published.records[i].wall_ns) << "record " << i << " changed";
    EXPECT_EQ(stored_records(dir / "results.sqlite"), kPlanned);

    // A complete run cannot be resumed.
    EXPECT_EQ(wait_exit(start_bench({"--resume", dir.string()}, dir.string() + ".again.log")), 2);
    EXPECT_NE(read_file(dir.string() + ".again.log").find("is complete; nothing to resume"), std::string::npos);
  }
}

struct ProcessState {
  char state = '?';
  pid_t parent = 0;
  unsigned long long cpu_ticks = 0;  // user and system time
  unsigned long long started = 0;    // clock ticks after boot: tells a reused pid apart
};

std::optional<ProcessState> process_state(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  const auto name_end = text.rfind(')');  // the name may hold spaces and parentheses
  if (name_end == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(name_end + 2));
  ProcessState s;
  std::string skipped;
  unsigned long long user = 0, system = 0;
  fields >> s.state >> s.parent;
  for (int field = 5; field <= 13; ++field) fields >> skipped;
  fields >> user >> system;
  for (int field = 16; field <= 21; ++field) fields >> skipped;
  fields >> s.started;
  s.cpu_ticks = user + system;
  return s;
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    if (auto s = process_state(pid); s && s->parent == parent) children.push_back(pid);
  }
  return children;
}

// Order-refund on the native engine, each model call delayed by `delay_us` spun in the worker
// (--inject-delay), which the worker does only inside a task.
std::vector<std::string> slowed_refunds(const std::filesystem::path& dir, const std::string& delay_us) {
  return {"--systems", "native", "--scenario", "order-refund", "-n", "3", "--warmup", "0",
          "--inject-delay", "native=" + delay_us, "--out", dir.string()};
}

// The runner's worker once it is inside the task of repetition `rep`: the runner has made that
// task's database (databases/NAME.sqlite, made before the job is sent) and the worker has since
// spun for a fifth of a second of CPU time. -1 at the deadline.
pid_t worker_inside_task(pid_t runner, const std::filesystem::path& dir, int rep) {
  const auto database = dir / "databases" / ("order-refund-native-rep-" + std::to_string(rep) + ".sqlite");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  auto waiting = [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return std::chrono::steady_clock::now() < deadline;
  };
  while (!std::filesystem::exists(database))
    if (!waiting()) return -1;
  const auto children = children_of(runner);
  if (children.size() != 1) return -1;  // the native worker, and nothing else
  const pid_t worker = children.front();
  const auto before = process_state(worker);
  if (!before) return -1;
  const auto fifth_of_a_second = static_cast<unsigned long long>(::sysconf(_SC_CLK_TCK)) / 5;
  for (auto now = before; now && now->cpu_ticks < before->cpu_ticks + fifth_of_a_second; now = process_state(worker))
    if (!waiting()) return -1;
  return worker;
}

TEST(KillAndResume, ASigtermToTheWholeProcessGroupLosesNoTask) {
  const auto dir = legion::testing::scratch_dir() / "run";
  const pid_t pid = start_bench(slowed_refunds(dir, "300000"), dir.string() + ".log", true);
  ASSERT_GT(worker_inside_task(pid, dir, 1), 0) << read_file(dir.string() + ".log");
  ::kill(-pid, SIGTERM);  // as `kill -TERM -PGID`, or a service manager stopping the job, does
  ASSERT_EQ(wait_exit(pid), 143) << read_file(dir.string() + ".log");

  // The task in flight is finished or, if the stop made it fail, not stored: never a crash record.
  Store store(dir / "results.sqlite");
  ASSERT_EQ(store.runs().size(), 1u);
  EXPECT_TRUE(store.runs().back().interrupted);
  const auto stored = store.records(store.runs().back().run_id);
  EXPECT_GE(stored.size(), 1u);
  for (const auto& r : stored) EXPECT_TRUE(r.correct) << "rep " << r.repetition << ": " << r.error.value_or("wrong answer");

  ASSERT_EQ(wait_exit(start_bench({"--resume", dir.string(), "-q"}, dir.string() + ".resume.log")), 0)
      << read_file(dir.string() + ".resume.log");
  auto resumed = report::read_results_json(dir / "results.json");
  EXPECT_FALSE(resumed.context.interrupted);
  ASSERT_EQ(resumed.records.size(), 3u);
  std::set<int> reps;
  for (const auto& r : resumed.records) {
    EXPECT_TRUE(r.correct) << "rep " << r.repetition << ": " << r.error.value_or("wrong answer");
    reps.insert(r.repetition);
  }
  EXPECT_EQ(reps, (std::set<int>{0, 1, 2}));
}

// The worker is busy when its runner is killed: in a model call it delays by a minute, as a
// framework stuck in a long step would be. It must not outlive the runner, that minute or after.
TEST(KillAndResume, NoWorkerOutlivesARunnerKilledOutright) {
  const auto dir = legion::testing::scratch_dir() / "run";
  const pid_t pid = start_bench(slowed_refunds(dir, "60000000"), dir.string() + ".log");
  const pid_t worker = worker_inside_task(pid, dir, 0);
  ASSERT_GT(worker, 0) << read_file(dir.string() + ".log");
  const auto started = process_state(worker)->started;
  ::kill(pid, SIGKILL);
  ASSERT_EQ(wait_exit(pid), 128 + SIGKILL);

  auto alive = [&] {
    const auto s = process_state(worker);
    return s && s->started == started && s->state != 'Z';  // a zombie has ended, waiting only to be reaped
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (alive() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(alive()) << "worker " << worker << " outlived its runner";
  if (alive()) ::kill(worker, SIGKILL);
}

// An error text of 50 MB (here a Python exception's) reaches every file of the run clipped.
TEST(RunFiles, AHugeErrorTextIsClippedEverywhereItIsWritten) {
  const auto dir = legion::testing::scratch_dir() / "run";
  const auto adapter = legion::testing::scratch_dir() / "huge_error_adapter.py";
  std::ofstream(adapter) << "import legion\n\n"
                            "class HugeError(legion.Adapter):\n"
                            "    def prepare(self, config):\n        pass\n\n"
                            "    def versions(self):\n        return {'huge-error-fixture': '1'}\n\n"
                            "    def run(self, scenario):\n        raise ValueError('x' * 50_000_000 + ' the end')\n\n"
                            "def create():\n    return HugeError()\n";
  const auto log = dir.string() + ".log";
  ASSERT_EQ(wait_exit(start_bench({"--systems", "huge", "--adapter", "huge=" + adapter.string(), "--scenario", "single-tool", "-n",
                                   "1", "--warmup", "0", "--out", dir.string()},
                                  log)),
            1)
      << read_file(log).substr(0, 4000);
  const auto published = report::read_results_json(dir / "results.json");
  ASSERT_EQ(published.records.size(), 1u);
  const auto error = published.records[0].error.value_or("");
  EXPECT_TRUE(error.starts_with("python: ValueError: xxxx")) << error.substr(0, 200);
  EXPECT_NE(error.find(" bytes cut …]"), std::string::npos);
  EXPECT_LE(error.size(), 4200u);
  for (const auto& file : {dir / "results.json", dir / "results.sqlite", dir / "BENCHMARK_RESULTS.md", dir / "report.html",
                           dir / "results.csv", std::filesystem::path(log)})
    EXPECT_LT(std::filesystem::file_size(file), 1u << 20) << file;
}

}  // namespace
}  // namespace legion::bench
