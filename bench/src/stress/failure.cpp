// legion-bench --suite failure: resilience to model-server faults on every system (each in its own
// worker process, through the runner), and a worker killed with SIGKILL mid-task.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "exit_status.hpp"
#include "legion/report/stress.hpp"
#include "runner.hpp"
#include "store.hpp"
#include "stress/failure.hpp"
#include "stress/ledger.hpp"

namespace legion::bench::stress {
namespace {

using nlohmann::json;

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

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

}  // namespace

int run_failure(const StressOptions& o) {
  const auto out = o.out_dir.empty() ? std::filesystem::path("results") / "failure" : o.out_dir;
  std::filesystem::create_directories(out);
  const auto run_id = "failure-" + std::to_string(::time(nullptr)) + "-" + std::to_string(::getpid());
  json systems = json::array();
  for (const auto& s : o.systems) systems.push_back(s);
  {
    StressStore store(out / "results.sqlite");
    store.begin_run(run_id, {{"suite", "failure"}, {"systems", systems}, {"smoke", o.smoke}, {"mode", "closed"}, {"arrival", "—"},
                             {"scenario", o.scenario}, {"latency", o.latency}, {"max_retries", 2}, {"request_timeout_s", 120},
                             {"command", o.command}, {"machine", json::object()}, {"recovery_factor", o.recovery_factor}});
  }
  auto& stop = interrupt_flag();
  json extra = {{"model_faults", json::object()}};
  const std::vector<std::string> kinds = {"none", "http_429", "http_500", "timeout", "malformed_json", "truncated_stream"};
  std::map<std::string, Baseline> baseline;
  for (const auto& kind : kinds) {
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
      if (kind == "none") baseline[system] = {median(walls), median(calls), median(tokens)};
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
                {"median_wall_s", median(walls) / 1e9},
                {"errors", errors},
                {"settings", results.context.system_settings.contains(system) ? json(results.context.system_settings.at(system)) : json::object()}};
      if (!recover.empty()) {
        s["recovery_median_s"] = median(recover);
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
    store.finish_run(run_id, stop.load(), extra);
  }
  int status = kExitOk;
  publish_stress(out, status);
  return stop ? kExitInterrupted + SIGINT : status;
}

}  // namespace legion::bench::stress
