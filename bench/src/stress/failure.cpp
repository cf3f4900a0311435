// legion-bench --suite failure: resilience to model-server faults on every system (each in its own
// worker process, through the runner), and a worker killed with SIGKILL mid-task.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "exit_status.hpp"
#include "legion/report/stress.hpp"
#include "legion/stats/descriptive.hpp"
#include "machine.hpp"
#include "runner.hpp"
#include "store.hpp"
#include "stress/broker_faults.hpp"
#include "stress/failure.hpp"
#include "stress/generator.hpp"
#include "stress/ledger.hpp"
#include "stress/suite.hpp"

namespace legion::bench::stress {
namespace {

using nlohmann::json;

// The model server's faults, one at a time, after a fault-free baseline.
const char* const kFaultKinds[] = {"none", "http_429", "http_500", "timeout", "malformed_json", "truncated_stream"};

// A child process of this one running `legion-bench worker`, if there is one.
pid_t find_worker() {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(text.substr(close + 2));
    std::string state;
    long ppid = 0;
    rest >> state >> ppid;
    if (ppid != ::getpid()) continue;
    std::ifstream cmd(entry.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
    if (cmdline.find(std::string("worker\0", 7)) != std::string::npos) return static_cast<pid_t>(std::stol(name));
  }
  return -1;
}

Plan base_plan(const StressOptions& o, const std::filesystem::path& out, const std::string& name) {
  Plan p;
  p.suite = "failure";
  p.systems = o.systems;
  p.scenarios = {datasets::resolve_scenario(o.scenario)};
  p.repetitions = o.smoke ? 4 : 20;
  p.warmup = 0;
  p.seed = o.seed;
  p.max_retries = 2;  // the OpenAI SDK's default, which the frameworks' clients inherit (docs/stress.md)
  p.timeout = std::chrono::milliseconds(60000);
  p.out_dir = out / name;
  p.metrics_phase = name;  // the live metrics count each fault kind apart
  p.store = out / "results.sqlite";
  p.command = o.command;
  p.invocation = {{"cwd", std::filesystem::current_path().string()}, {"arguments", json::array()}};
  return p;
}

// An error's first part: before a traceback, at most 120 characters.
std::string first_line(std::string text) {
  for (const char* cut : {" Traceback", "  At:", "\n"})
    if (auto at = text.find(cut); at != std::string::npos) text.resize(at);
  if (text.size() > 120) text = text.substr(0, 117) + "...";
  return text;
}

struct Baseline {
  double wall_ns = 0, calls = 0, tokens = 0;
};


// Task events to the run's ledger and to the copy on the tmpfs, counting submissions.
class TeeEvents final : public TaskEvents {
 public:
  TeeEvents(StressStore& a, std::string run_a, StressStore& b, std::string run_b, std::string phase)
      : a_(a), b_(b), run_a_(std::move(run_a)), run_b_(std::move(run_b)), phase_(std::move(phase)) {}
  void submitted(std::int64_t id, std::int64_t intended_ns) override {
    a_.submitted(run_a_, phase_, id, intended_ns);
    b_.submitted(run_b_, phase_, id, intended_ns);
    ++count;
  }
  void finished(std::int64_t id, std::int64_t, std::int64_t started_ns, std::int64_t finished_ns, bool ok, const std::string& reason) override {
    a_.finished(run_a_, phase_, id, started_ns, finished_ns, ok, reason);
    b_.finished(run_b_, phase_, id, started_ns, finished_ns, ok, reason);
  }
  std::atomic<std::int64_t> count{0};

 private:
  StressStore &a_, &b_;
  std::string run_a_, run_b_, phase_;
};

// The ledger counts of one phase of a stored run.
json phase_ledger(const StressStore& store, const std::string& run_id, const std::string& phase) {
  const auto run = store.load(run_id);
  for (const auto& p : run["phases"])
    if (p["name"] == phase) return p["ledger"];
  return json::object();
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

json run_disk_full(StressStore& store, const std::string& run_id, const json& config, std::int64_t tasks, const std::atomic<bool>& stop,
                   bool quiet) {
  const std::string phase = "disk-full";
  const std::string size = "16m";
  if (::geteuid() != 0)
    return {{"skipped", "mounting a tmpfs needs root; running as uid " + std::to_string(::geteuid())}};
  char dir_template[] = "/tmp/legion-disk-full-XXXXXX";
  if (!::mkdtemp(dir_template)) return {{"skipped", std::string("cannot create a mount point: ") + std::strerror(errno)}};
  const std::filesystem::path dir = dir_template;
  if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, ("size=" + size).c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::rmdir(dir.c_str());
    return {{"skipped", "mount -t tmpfs -o size=" + size + " refused: " + why}};
  }
  // Whatever happens below, the tmpfs goes away with the phase.
  struct Unmount {
    std::filesystem::path dir;
    ~Unmount() {
      ::umount2(dir.c_str(), MNT_DETACH);
      ::rmdir(dir.c_str());
    }
  } unmount{dir};
  if (!quiet) std::cerr << "failure suite: disk full for the results store (a copy of the ledger on a " << size << " tmpfs at " << dir.string() << ")\n";

  const double rate = 200;
  LoadSpec spec;
  spec.start_agents = 4;
  spec.start_rate = rate;
  spec.stages = {{static_cast<double>(tasks) / rate, 4, rate}};
  spec.max_tasks = tasks;
  spec.drain_s = 10;
  json spec_json = {{"description", "the ledger also written to a copy of the store on a " + size +
                                        " tmpfs, filled at a quarter of the tasks and freed at three quarters; tasks are 2 ms waits"},
                    {"load_class", "fault"}, {"mode", "open"}, {"arrival", "constant"}, {"start_agents", 4}, {"start_rate", rate},
                    {"stages", json::array({{{"seconds", spec.stages[0].seconds}, {"agents", 4}, {"rate", rate}}})},
                    {"bursts", json::array()}, {"max_tasks", tasks}, {"drain_s", spec.drain_s}, {"most_agents", 4},
                    {"schedule_s", spec.schedule_seconds()}};
  json result = {{"tmpfs_size", size}, {"store", (dir / "results.sqlite").string()}, {"tasks", tasks}};
  store.begin_phase(run_id, phase, spec_json);
  LoadResult load;
  {
    StressStore copy(dir / "results.sqlite");
    const std::string copy_id = run_id + "-disk-full-copy";
    copy.begin_run(copy_id, config);
    copy.begin_phase(copy_id, phase, spec_json);
    TeeEvents events(store, run_id, copy, copy_id, phase);
    std::atomic<bool> done{false};
    std::thread filler([&] {
      try {
        auto wait_for = [&](auto ready, double limit_s) {
          const auto start = Clock::now();
          while (!ready() && !stop && seconds_since(start) < limit_s) std::this_thread::sleep_for(std::chrono::milliseconds(5));
          return ready();
        };
        wait_for([&] { return events.count >= tasks / 4 || done; }, 60);
        // What the copy holds before the disk fills: all of it must still be there afterwards.
        copy.flush();
        result["before"] = phase_ledger(copy, copy_id, phase);
        const int fd = ::open((dir / "filler").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        std::int64_t filled = 0;
        const std::vector<char> block(64 * 1024, 'x');
        while (fd >= 0) {
          const auto n = ::write(fd, block.data(), block.size());
          if (n <= 0) break;
          filled += n;
        }
        if (fd >= 0) ::close(fd);
        const auto filled_at = Clock::now();
        result["filled_bytes"] = filled;
        // The copy's writer meets the full disk on its next commit; the run goes on meanwhile.
        if (wait_for([&] { return !copy.write_error().empty(); }, 10)) result["write_error_after_s"] = seconds_since(filled_at);
        wait_for([&] { return events.count >= tasks * 3 / 4 || done; }, 60);
        result["full_for_s"] = seconds_since(filled_at);
        std::filesystem::remove(dir / "filler");
        const auto freed_at = Clock::now();
        // Recovered when every event held back while the disk was full is committed.
        while (seconds_since(freed_at) < 30) {
          try {
            copy.flush();
            result["recovery_s"] = seconds_since(freed_at);
            break;
          } catch (const std::exception&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
          }
        }
      } catch (const std::exception& e) {  // reported; the phase then fails its checks
        result["filler_error"] = e.what();
        std::error_code ignored;
        std::filesystem::remove(dir / "filler", ignored);
      }
    });
    LoadGenerator generator(spec, [](std::int64_t) -> TaskResult {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      return {true, {}};
    }, events, stop);
    load = generator.run();
    done = true;
    filler.join();
    result["first_write_error"] = copy.write_error();
    json summary = {{"elapsed_s", load.elapsed_s},     {"submitted", load.submitted},     {"completed", load.completed},
                    {"failed", load.failed},           {"not_started", load.not_started}, {"interrupted", load.interrupted},
                    {"peak_agents", load.peak_agents}, {"peak_queue_depth", load.peak_queue_depth}};
    try {
      copy.end_phase(copy_id, phase, summary);
      copy.finish_run(copy_id, stop.load(), {{"disk_full_copy_of", run_id}});
    } catch (const std::exception& e) {
      result["copy_final_write_error"] = e.what();
    }
    result["integrity"] = copy.integrity_check();
    result["after"] = phase_ledger(copy, copy_id, phase);
    store.end_phase(run_id, phase, summary);
  }
  const auto ledger = phase_ledger(store, run_id, phase);
  const auto& before = result.value("before", json::object());
  const auto& after = result["after"];
  // Nothing already written is lost: every task the copy held before the fill is still there, in
  // the same or a later state; and once freed the copy holds what the run's ledger holds.
  result["preserved"] = !before.empty() && after.value("submitted", 0) >= before.value("submitted", 0) &&
                        after.value("completed", 0) + after.value("failed", 0) >= before.value("completed", 0) + before.value("failed", 0);
  result["copy_matches_ledger"] = after.value("submitted", -1) == ledger.value("submitted", -2) &&
                                  after.value("completed", -1) == ledger.value("completed", -2) && after.value("open", -1) == 0;
  result["submitted"] = ledger.value("submitted", 0);
  result["completed"] = ledger.value("completed", 0);
  result["failed"] = ledger.value("failed", 0);
  result["lost"] = ledger.value("open", 0) + static_cast<std::int64_t>(ledger.value("errors", json::array()).size());
  // `legion-bench report` on the tmpfs copy, its summary kept off this run's output.
  {
    std::ostringstream discard;
    auto* saved = std::cout.rdbuf(discard.rdbuf());
    int status = 0;
    bool published = false;
    try {
      published = publish_stress(dir, status) && std::filesystem::exists(dir / "STRESS_TEST_RESULTS.md");
    } catch (const std::exception& e) {
      result["report_error"] = e.what();
    }
    std::cout.rdbuf(saved);
    result["report_published"] = published;
  }
  result["passed"] = !result.contains("filler_error") && result.contains("write_error_after_s") && result["preserved"].get<bool>() && result["integrity"] == "ok" &&
                     result.contains("recovery_s") && result["copy_matches_ledger"].get<bool>() && result["lost"] == 0 &&
                     result["report_published"].get<bool>();
  if (!quiet)
    std::cerr << "    first write error: " << (result["first_write_error"].get<std::string>().empty() ? "none" : result["first_write_error"].get<std::string>())
              << "; integrity " << result["integrity"].get<std::string>() << "; " << result["lost"] << " lost; report from the copy "
              << (result["report_published"].get<bool>() ? "published" : "NOT published") << "\n";
  return result;
}

namespace {

std::string run_failure(const StressOptions& o) {
  const auto& out = o.out_dir;
  const auto run_id = "failure-" + std::to_string(::time(nullptr)) + "-" + std::to_string(::getpid());
  json systems = json::array();
  for (const auto& s : o.systems) systems.push_back(s);
  {
    StressStore store(out / "results.sqlite");
    store.begin_run(run_id, {{"suite", "failure"}, {"systems", systems}, {"smoke", o.smoke}, {"mode", "closed"}, {"arrival", "—"},
                             {"scenario", o.scenario}, {"latency", o.latency}, {"max_retries", 2}, {"request_timeout_s", 120},
                             {"command", o.command}, {"machine", machine_description()}, {"recovery_factor", o.recovery_factor}});
  }
  auto& stop = interrupt_flag();
  json extra = {{"model_faults", json::object()}};
  std::map<std::string, Baseline> baseline;
  for (const std::string kind : kFaultKinds) {
    if (stop) break;
    auto plan = base_plan(o, out, "model-faults-" + kind);
    if (kind != "none")
      plan.faults = oracle::FaultPlan::parse("rate=0.3,kinds=" + kind + ",seed=" + std::to_string(o.seed) + ",stall_ms=3000");
    plan.stream = kind == "truncated_stream";
    if (!o.quiet) std::cerr << "failure suite: model fault " << kind << (plan.stream ? " (streamed responses)" : "") << "\n";
    auto results = Runner(plan, std::cerr, !o.quiet).run();
    json per_system = json::object();
    for (const auto& system : o.systems) {
      std::vector<double> walls, calls, tokens, recover;
      int tasks = 0, correct = 0, retried = 0;
      std::map<std::string, int> errors;
      for (const auto& r : results.records) {
        if (r.system != system || r.warmup) continue;
        ++tasks;
        correct += r.correct;
        if (r.error) ++errors[first_line(*r.error)];
        else if (!r.correct) ++errors["wrong answer, no error raised"];
        walls.push_back(static_cast<double>(r.wall_ns));
        calls.push_back(static_cast<double>(r.llm_calls));
        tokens.push_back(static_cast<double>(r.prompt_tokens + r.completion_tokens));
      }
      // A system with no measured task keeps a zero baseline, and reports a zero median wall time.
      if (kind == "none") baseline[system] = walls.empty() ? Baseline{} : Baseline{stats::median(walls), stats::median(calls), stats::median(tokens)};
      const auto& b = baseline[system];
      for (std::size_t i = 0; i < walls.size(); ++i)
        if (calls[i] > b.calls) ++retried, recover.push_back((walls[i] - b.wall_ns) / 1e9);
      double extra_calls = 0, extra_tokens = 0;
      for (std::size_t i = 0; i < calls.size(); ++i) extra_calls += calls[i] - b.calls, extra_tokens += tokens[i] - b.tokens;
      json s = {{"tasks", tasks},
                {"correct", correct},
                {"correct_share", tasks ? static_cast<double>(correct) / tasks : 0.0},
                {"tasks_with_extra_calls", retried},
                {"extra_calls_per_task", tasks ? extra_calls / tasks : 0.0},
                {"extra_tokens_per_task", tasks ? extra_tokens / tasks : 0.0},
                {"median_wall_s", walls.empty() ? 0.0 : stats::median(walls) / 1e9},
                {"errors", errors},
                {"settings", results.context.system_settings.contains(system) ? json(results.context.system_settings.at(system)) : json::object()}};
      if (!recover.empty()) {
        s["recovery_median_s"] = stats::median(recover);
        s["recovery_max_s"] = *std::max_element(recover.begin(), recover.end());
      }
      per_system[system] = s;
    }
    extra["model_faults"][kind] = {{"fault_plan", kind == "none" ? "no faults" : "rate=0.3, kinds=" + kind + ", stall 3 s (then 504)"},
                                   {"stream", plan.stream},
                                   {"runner_run_id", results.context.run_id},
                                   {"systems", per_system}};
  }

  // A worker killed with SIGKILL mid-task (realistic latency: a task takes about a second).
  if (!stop) {
    auto plan = base_plan(o, out, "worker-kill");
    plan.systems = {"native"};
    plan.latency = oracle::LatencyProfile::parse("realistic");
    plan.repetitions = o.smoke ? 4 : 8;
    if (!o.quiet) std::cerr << "failure suite: a native worker killed with SIGKILL mid-task\n";
    json kill = {{"killed", false}};
    std::thread killer([&] {
      const auto deadline = Clock::now() + std::chrono::seconds(30);
      std::this_thread::sleep_for(std::chrono::milliseconds(2300));  // inside the second or third task
      pid_t pid = -1;
      while (pid < 0 && Clock::now() < deadline && !stop) {
        pid = find_worker();
        if (pid < 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (pid < 0) return;
      const auto killed_at = Clock::now();
      ::kill(pid, SIGKILL);
      kill = {{"killed", true}, {"pid", pid}};
      // Recovered when a fresh worker answers a task correctly: watch the store's records.
      Store store(plan.store);
      std::string id;
      for (const auto& c : store.runs()) id = c.run_id;
      const auto records_then = store.records(id).size();
      while (Clock::now() < deadline && !stop) {
        const auto records = store.records(id);
        // The killed task's record (its error) lands first; a correct one after it is the recovery.
        bool recovered = false;
        for (std::size_t i = records_then; i < records.size(); ++i) recovered = recovered || (records[i].correct && !records[i].error);
        if (recovered) {
          kill["recovery_s"] = std::chrono::duration<double>(Clock::now() - killed_at).count();
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
    auto results = Runner(plan, std::cerr, !o.quiet).run();
    killer.join();
    int failed = 0, correct = 0;
    json reasons = json::array();
    for (const auto& r : results.records) {
      if (r.correct && !r.error) ++correct;
      else {
        ++failed;
        reasons.push_back(r.error.value_or("wrong answer"));
      }
    }
    kill.update({{"tasks", results.records.size()}, {"correct", correct}, {"failed", failed}, {"failure_reasons", reasons},
                 {"submitted", plan.repetitions}, {"lost", static_cast<int>(plan.repetitions) - static_cast<int>(results.records.size())}});
    extra["worker_kill"] = kill;
  }
  {
    StressStore store(out / "results.sqlite");
    // On the broker path: an engine driven out of memory under a cgroup limit, and engines partitioned from the broker.
    const BrokerFaultOptions broker{o.scenario, o.seed, out / "broker-faults", "/proc/self/exe", o.smoke, o.quiet, o.recovery_factor};
    if (!stop) extra["memory_exhaustion"] = run_memory_exhaustion(store, run_id, broker, stop);
    if (!stop) extra["partition"] = run_partition(store, run_id, broker, stop);
    if (!stop) extra["disk_full"] = run_disk_full(store, run_id, store.load(run_id)["config"], o.smoke ? 200 : 1000, stop, o.quiet);
    store.finish_run(run_id, stop.load(), extra);
  }
  return run_id;
}

}  // namespace

StressSuite failure_suite() {
  StressSuite suite;
  suite.name = "failure";
  suite.description = "model-server faults (429, 500, timeout, malformed JSON, cut stream) on every system with retries; a worker killed with SIGKILL";
  suite.every_system_by_default = true;  // resilience is compared across every system
  suite.metered = true;  // its measured runs (model faults, worker kill) through the runner; not its broker and disk phases
  // The runner checks its own plans.
  suite.plan = [](const StressOptions& o) {
    std::vector<PlannedPhase> phases;
    for (const std::string kind : kFaultKinds)
      phases.push_back({"model-faults-" + kind, kind == "none" ? "no faults: the baseline" : "30% of requests faulted with " + kind, 1});
    phases.push_back({"worker-kill", "a native worker killed with SIGKILL mid-task", 1});
    phases.push_back({"memory-exhaustion", "an engine under a cgroup memory limit", 1});
    phases.push_back({"partition", "engines partitioned from the broker", 1});
    phases.push_back({"disk-full", std::to_string(o.smoke ? 200 : 1000) + " tasks with the store's copy on a tmpfs filled mid-phase", 1});
    return phases;
  };
  suite.run = run_failure;
  return suite;
}

}  // namespace legion::bench::stress
