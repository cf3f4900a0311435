#include "stress/suites.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "checks.hpp"
#include "exit_status.hpp"
#include "legion/adapters/adapter.hpp"
#include "legion/core/engine.hpp"
#include "legion/datasets/scenario.hpp"
#include "legion/datasets/task_job.hpp"
#include "legion/report/stress.hpp"
#include "legion/stats/hdr_histogram.hpp"
#include <cstring>
#include <fstream>
#include "machine.hpp"
#include "runner.hpp"
#include "stress/failure.hpp"
#include "stress/framework_driver.hpp"
#include "stress/resp.hpp"
#include "stress/scalability.hpp"
#include "stress/generator.hpp"
#include "stress/ledger.hpp"
#include "stress/sampler.hpp"
#include "utc_time.hpp"

namespace legion::bench::stress {
namespace {

using nlohmann::json;

std::string num(double v) {
  std::ostringstream o;
  o.precision(v >= 100 ? 0 : v >= 10 ? 1 : 2);
  o << std::fixed << v;
  return o.str();
}
std::string secs(double s) { return s >= 120 ? num(s / 60) + " min" : num(s) + " s"; }

// ---------------------------------------------------------------- the model server, as a child process

class OracleProcess {
 public:
  OracleProcess(const std::string& scenario, const std::string& dialect, const std::string& latency, const std::string& faults,
                std::uint64_t seed) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
    std::vector<std::string> args = {"/proc/self/exe", "oracle", "--scenario", scenario, "--dialect", dialect, "--latency", latency,
                                     "--seed", std::to_string(seed), "--port", "0"};
    if (!faults.empty()) args.insert(args.end(), {"--faults", faults});
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
    if (pid_ == 0) {
      // A run killed outright takes its model server with it, even one killed before this request.
      if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || ::getppid() != parent) ::_exit(126);
      ::dup2(out[1], 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv("/proc/self/exe", argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    // The first line names the address: "legion oracle serving scenario 'X' (dialect D) at URL".
    std::string text;
    char c;
    pollfd p{out[0], POLLIN, 0};
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
      if (::poll(&p, 1, 100) <= 0) continue;
      if (::read(out[0], &c, 1) != 1) break;
      if (c == '\n') break;
      text += c;
    }
    ::close(out[0]);
    auto at = text.rfind(" at ");
    if (at == std::string::npos) {
      stop();
      throw std::runtime_error("the model server did not start: '" + text + "'");
    }
    base_url_ = text.substr(at + 4);
  }
  ~OracleProcess() { stop(); }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  pid_t pid() const { return pid_; }
  const std::string& base_url() const { return base_url_; }

 private:
  pid_t pid_ = -1;
  std::string base_url_;
};

// ---------------------------------------------------------------- the plans

struct PhasePlan {
  std::string name;
  std::string load_class;  // normal | extreme: which error-rate criterion applies
  LoadSpec spec;
  std::string description;
  bool bus_burst = false;  // spike: 1,000 messages a second on the engine's bus during the hold
  double bus_at_s = 0, bus_seconds = 0;
};

LoadSpec base_spec(const StressOptions& o) {
  LoadSpec s;
  s.mode = o.mode == "closed" ? LoadSpec::Mode::closed : LoadSpec::Mode::open;
  s.arrival = o.arrival == "poisson" ? LoadSpec::Arrival::poisson : LoadSpec::Arrival::constant;
  s.seed = o.seed;
  return s;
}

double default_duration(const StressOptions& o) {
  if (o.duration_s) return *o.duration_s;
  if (o.suite == "load") return o.smoke ? 2 : 60;
  if (o.suite == "spike") return o.smoke ? 7 : 70;
  return o.smoke ? 12 : 60;  // endurance (the smoke long enough for a trend over 10 samples)
}

std::vector<PhasePlan> plan_phases(const StressOptions& o, double scale = 1) {
  std::vector<PhasePlan> out;
  const double d = default_duration(o);
  if (o.suite == "load") {
    // The seeds' levels; their 5/15/30/60 minutes in proportion, the longest lasting --duration.
    const struct {
      int agents;
      std::int64_t tasks;
      double share;
    } levels[] = {{10, 1000, 5.0 / 60}, {50, 5000, 15.0 / 60}, {100, 10000, 30.0 / 60}, {200, 20000, 1.0}};
    for (const auto& l : levels) {
      PhasePlan p;
      const auto scaled = static_cast<std::int64_t>(std::llround(static_cast<double>(l.tasks) / scale));
      const std::int64_t tasks = std::max<std::int64_t>(o.smoke ? scaled / 100 : scaled, 1);
      const double seconds = d * l.share;
      p.name = std::to_string(l.agents) + " agents, " + std::to_string(tasks) + " tasks";
      p.load_class = l.agents >= 200 ? "extreme" : "normal";
      p.spec = base_spec(o);
      p.spec.start_agents = l.agents;
      p.spec.start_rate = static_cast<double>(tasks) / seconds;
      p.spec.stages = {{seconds, l.agents, p.spec.start_rate}};
      p.spec.max_tasks = tasks;
      p.spec.drain_s = std::max(5.0, seconds);
      p.description = std::to_string(tasks) + " tasks over " + secs(seconds) + " (" +
                      num(p.spec.start_rate) + "/s) by " + std::to_string(l.agents) + " agents";
      out.push_back(p);
    }
  } else if (o.suite == "spike") {
    // Baseline 10 agents at 50/s; 10 → 100 agents and 50 → 500/s in 10 s; 100 agents at 500/s with
    // 1,000 bus messages a second; 10,000 tasks queued at once; back to 50/s to watch the recovery.
    const double f = d / 70.0;
    const auto burst = std::max<std::int64_t>(1, std::llround((o.smoke ? 1000 : 10000) / scale));
    const double base = 50 / scale, peak = 500 / scale;
    PhasePlan p;
    p.name = "spike";
    p.load_class = "extreme";
    p.spec = base_spec(o);
    p.spec.start_agents = 10;
    p.spec.start_rate = base;
    p.spec.stages = {{10 * f, 10, base}, {10 * f, 100, peak}, {10 * f, 100, peak}, {0.001, 100, base}, {40 * f, 100, base}};
    p.spec.bursts = {{30 * f, burst}};
    p.spec.max_tasks = static_cast<std::int64_t>(base * 10 * f + (base + peak) / 2 * 10 * f + peak * 10 * f + base * 40 * f) + burst + 100;
    p.spec.drain_s = 30;
    p.bus_burst = true;
    p.bus_at_s = 20 * f;
    p.bus_seconds = 10 * f;
    p.description = "baseline 10 agents at " + num(base) + "/s for " + secs(10 * f) + "; to 100 agents and " + num(peak) + "/s in " +
                    secs(10 * f) + "; held " + secs(10 * f) +
                    " with 1,000 bus messages/s; " + std::to_string(burst) + " tasks queued at once; " + num(base) + "/s for " +
                    secs(40 * f) + " of recovery";
    out.push_back(p);
  } else {  // endurance
    PhasePlan p;
    const int agents = o.agents.value_or(20);
    const double rate = o.rate.value_or(100 / scale);
    p.name = "endurance";
    p.load_class = "normal";
    p.spec = base_spec(o);
    p.spec.start_agents = agents;
    p.spec.start_rate = rate;
    p.spec.stages = {{d, agents, rate}};
    // The warm-up starts with every agent busy at once, so that what grows to the concurrency and
    // stays (the native engine keeps an event loop and a connection per concurrent caller) is full
    // before the steady state; otherwise the first stall on a busy machine adds to it mid-run and
    // reads as a trend. Ten tasks per agent, queued at once.
    const std::int64_t warm = 10 * static_cast<std::int64_t>(agents);
    p.spec.bursts = {{0.2, warm}};
    p.spec.max_tasks = static_cast<std::int64_t>(std::ceil(rate * d * 1.05)) + 10 + warm;
    p.spec.drain_s = 30;
    p.description = std::to_string(agents) + " agents at " + num(rate) + " tasks/s for " + secs(d) + " (the warm-up opening with " +
                    std::to_string(warm) + " tasks queued at once)";
    out.push_back(p);
  }
  return out;
}

json spec_json(const PhasePlan& p) {
  json stages = json::array(), bursts = json::array();
  for (const auto& s : p.spec.stages) stages.push_back({{"seconds", s.seconds}, {"agents", s.agents}, {"rate", s.rate}});
  for (const auto& b : p.spec.bursts) bursts.push_back({{"at_s", b.at_s}, {"count", b.count}});
  return {{"description", p.description},
          {"load_class", p.load_class},
          {"mode", p.spec.mode == LoadSpec::Mode::open ? "open" : "closed"},
          {"arrival", p.spec.arrival == LoadSpec::Arrival::poisson ? "poisson" : "constant"},
          {"start_agents", p.spec.start_agents},
          {"start_rate", p.spec.start_rate},
          {"stages", stages},
          {"bursts", bursts},
          {"max_tasks", p.spec.max_tasks},
          {"drain_s", p.spec.drain_s},
          {"most_agents", p.spec.most_agents()},
          {"schedule_s", p.spec.schedule_seconds()}};
}

// 1,000 messages a second on the engine's bus (core::MessageBus, 10 subscribers), each
// publication timed from its intended moment.
json bus_burst(double seconds, const std::atomic<bool>& stop) {
  core::MessageBus bus;
  std::atomic<std::uint64_t> delivered{0};
  for (int i = 0; i < 10; ++i) bus.subscribe("burst", [&](const core::Envelope&) { delivered.fetch_add(1, std::memory_order_relaxed); });
  stats::HdrHistogram latency(1, 60'000'000, 3);
  const auto t0 = Clock::now();
  const std::int64_t total = static_cast<std::int64_t>(seconds * 1000);
  std::int64_t sent = 0;
  for (; sent < total && !stop; ++sent) {
    const auto intended = t0 + std::chrono::microseconds(sent * 1000);
    std::this_thread::sleep_until(intended);
    bus.publish({"burst", "spike", "message " + std::to_string(sent)});
    latency.record(std::max<std::int64_t>(1, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - intended).count()));
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  return {{"intended_rate", 1000},
          {"published", sent},
          {"delivered", delivered.load()},
          {"expected_deliveries", sent * 10},
          {"subscribers", 10},
          {"seconds", elapsed},
          {"achieved_rate", elapsed > 0 ? static_cast<double>(sent) / elapsed : 0},
          {"p50_us", latency.value_at_percentile(50)},
          {"p99_us", latency.value_at_percentile(99)},
          {"max_us", latency.max()}};
}

std::string make_run_id(const std::string& suite) {
  return suite + "-" + utc_timestamp(kCompactUtc) + "-" + std::to_string(::getpid());
}

// One system under the load: the native engine in this process; a framework in its worker process,
// driven through its concurrency path (framework_driver.hpp).
struct Subject {
  std::string system;
  double scale = 1;  // the load levels' tasks and rates are divided by this
  std::unique_ptr<OracleProcess> oracle;
  std::unique_ptr<adapters::Adapter> adapter;
  std::unique_ptr<FrameworkDriver> driver;
  std::function<TaskResult(std::int64_t)> run_task;
};

}  // namespace

const std::vector<std::pair<std::string, std::string>>& stress_suites() {
  static const std::vector<std::pair<std::string, std::string>> suites = {
      {"load", "the seeds' load levels: 10/50/100/200 agents with 1,000/5,000/10,000/20,000 tasks, open loop (docs/stress.md)"},
      {"spike", "10 → 100 agents in 10 s, 1,000 bus messages/s, 10,000 tasks queued at once; recovery time and queue depth"},
      {"scalability", "1-8 native engine processes on Redis Streams (redis-server on loopback): USL fit, 1 vs 2 cores, broker restart, engine kill"},
      {"failure", "model-server faults (429, 500, timeout, malformed JSON, cut stream) on every system with retries; a worker killed with SIGKILL"},
      {"endurance", "constant load for --duration (up to 24 h) with RSS, CPU, threads, fds, latency and errors each second; leak verdicts"},
  };
  return suites;
}

bool is_stress_suite(const std::string& name) {
  for (const auto& [n, d] : stress_suites())
    if (n == name) return true;
  return false;
}

void validate(const StressOptions& o) {
  if (!is_stress_suite(o.suite)) throw UsageError("unknown stress suite '" + o.suite + "'");
  // Not given: the suite's default. Given, each must make sense (the command line refuses the same
  // values when it parses them).
  if (o.duration_s && !(*o.duration_s > 0 && *o.duration_s <= kMaxDurationS))
    throw UsageError("--duration must be a number of seconds > 0 and ≤ 86400 (24 h), got " + num(*o.duration_s));
  if (o.rate && !(*o.rate > 0 && *o.rate <= kMaxRate))
    throw UsageError("--rate must be a number of tasks per second > 0 and ≤ 1000000, got " + num(*o.rate));
  if (o.agents && *o.agents <= 0) throw UsageError("--agents must be at least 1, got " + std::to_string(*o.agents));
  if (o.max_agents <= 0) throw UsageError("--max-agents must be at least 1");
  if ((o.rate || o.agents) && o.suite != "endurance") throw UsageError("--rate and --agents set the endurance suite's load; the " + o.suite + " suite's levels are fixed (see docs/stress.md)");
  if (!(o.request_timeout_s > 0 && std::isfinite(o.request_timeout_s))) throw UsageError("--timeout must be positive");
  if (o.mode != "open" && o.mode != "closed") throw UsageError("--mode is open or closed, got '" + o.mode + "'");
  if (o.arrival != "constant" && o.arrival != "poisson") throw UsageError("--arrival is constant or poisson, got '" + o.arrival + "'");
  if (!(o.recovery_factor > 1 && std::isfinite(o.recovery_factor))) throw UsageError("--recovery-factor must be above 1");
  if (o.systems.empty()) throw UsageError("--systems names no system");
  for (const auto& s : o.systems) {
    try {
      adapters::adapter_info(s);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    if (std::count(o.systems.begin(), o.systems.end(), s) > 1) throw UsageError("--systems names '" + s + "' twice");
  }
  if (o.suite == "scalability") {
    if (o.max_engines < 1 || o.max_engines > kMaxEngines) throw UsageError("--engines must be 1-64, got " + std::to_string(o.max_engines));
    if (o.engine_agents < 1 || o.engine_agents * o.max_engines > o.max_agents)
      throw UsageError(std::to_string(o.max_engines) + " engines × " + std::to_string(o.engine_agents) + " agents is more than the configured limit of " +
                       std::to_string(o.max_agents) + " agents (--max-agents)");
    if (o.broker_port < 0 || o.broker_port > 65535) throw UsageError("--broker-port must be 0-65535, got " + std::to_string(o.broker_port));
    if (o.broker_port > 0 && !port_free(o.broker_port))
      throw UsageError("--broker-port " + std::to_string(o.broker_port) + " is in use on 127.0.0.1: pick another, or 0 for a free one");
    if (!std::filesystem::exists("/usr/bin/redis-server"))
      throw UsageError("the scalability suite needs redis-server (Debian's redis-server package; scripts/bootstrap.sh installs it)");
    if (o.systems != std::vector<std::string>{"native"}) throw UsageError("the scalability suite runs the native engine only");
    return;
  }
  if (o.suite == "failure") return;  // the runner checks its own plans
  auto make_plan = o;
  for (const auto& p : plan_phases(make_plan)) {
    const int most = p.spec.most_agents();
    if (most > o.max_agents)
      throw UsageError(p.name + " needs " + std::to_string(most) + " agents, more than the configured limit of " +
                       std::to_string(o.max_agents) + " (--max-agents)");
    for (const auto& s : p.spec.stages)
      if (p.spec.mode == LoadSpec::Mode::open && s.rate <= 0 && p.spec.bursts.empty())
        throw UsageError(p.name + ": an open-loop rate must be positive");
  }
  // The agents are threads: the machine must allow them.
  int most = 0;
  for (const auto& p : plan_phases(make_plan)) most = std::max(most, p.spec.most_agents());
  for (const auto& limit : read_thread_limits())
    if (limit.available() < static_cast<std::uint64_t>(most) + 64)
      throw UsageError(std::to_string(most) + " agents need " + std::to_string(most + 64) + " threads; " + limit.name + " leaves " +
                       std::to_string(limit.available()));
}

int run_stress(const StressOptions& o) {
  validate(o);
  if (o.suite == "failure") return run_failure(o);
  if (o.suite == "scalability") return run_scalability(o);
  const auto out = o.out_dir.empty() ? std::filesystem::path("results") / o.suite : o.out_dir;
  std::filesystem::create_directories(out);
  StressStore store(out / "results.sqlite");
  const auto run_id = make_run_id(o.suite);
  const auto phases = plan_phases(o);
  const auto& stop = interrupt_flag();

  json systems = json::array();
  for (const auto& s : o.systems) systems.push_back(s);
  json config = {{"suite", o.suite},
                 {"systems", systems},
                 {"duration_s", default_duration(o)},
                 {"smoke", o.smoke},
                 {"mode", o.mode},
                 {"arrival", o.arrival},
                 {"scenario", o.scenario},
                 {"latency", o.latency},
                 {"max_retries", o.max_retries},
                 {"request_timeout_s", o.request_timeout_s},
                 {"recovery_factor", o.recovery_factor},
                 {"max_agents", o.max_agents},
                 {"seed", o.seed},
                 {"command", o.command},
                 {"machine", machine_description()}};
  store.begin_run(run_id, config);
  if (!o.quiet) std::cerr << "stress suite '" << o.suite << "' (run " << run_id << ") → " << out.string() << "\n";

  const auto scenario_file = datasets::resolve_scenario(o.scenario);
  const auto spec = datasets::load_scenario(scenario_file, datasets::LoadOptions{{}, o.seed});
  const auto task = datasets::task_of(spec);
  auto check = [&](const std::string& answer) -> TaskResult {
    auto c = datasets::check_answer(spec, answer);
    if (c.correct) return {true, {}};
    std::string missing;
    for (const auto& m : c.missing) missing += (missing.empty() ? "" : ", ") + m;
    return {false, "wrong answer: missing " + missing};
  };
  // Every system is set up before the first phase (its own model server; a framework's worker), so
  // that the phases can visit the systems in turn.
  std::vector<std::unique_ptr<Subject>> subjects;
  for (const auto& system : o.systems) {
    auto s = std::make_unique<Subject>();
    s->system = system;
    const auto& info = adapters::adapter_info(system);
    s->oracle = std::make_unique<OracleProcess>(o.scenario, info.dialect, o.latency, "", o.seed);
    s->scale = system == "native" ? 1 : kFrameworkScale;
    if (system == "native") {
      s->adapter = info.make();
      adapters::AdapterConfig ac;
      ac.base_url = s->oracle->base_url();
      ac.max_retries = o.max_retries;
      ac.request_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.request_timeout_s * 1000));
      s->adapter->prepare(ac);
      s->run_task = [&check, &task, a = s->adapter.get()](std::int64_t) { return check(a->run(task).answer); };
    } else {
      WorkerProcess::Options w;
      w.system = system;
      w.adapter_spec = info.spec;
      w.executable = std::filesystem::read_symlink("/proc/self/exe");
      w.log_file = out / ("worker-" + system + ".log");
      w.base_url = s->oracle->base_url();
      w.max_retries = o.max_retries;
      const json job = {{"task", datasets::task_job(spec)}};
      s->driver = std::make_unique<FrameworkDriver>(w, job, check, std::chrono::milliseconds(static_cast<std::int64_t>(o.request_timeout_s * 1000)));
      s->run_task = [d = s->driver.get()](std::int64_t) { return d->run(); };
    }
    if (!o.quiet) std::cerr << "  " << system << (s->driver ? " (worker process, its async API)" : " (in this process)") << " ready\n";
    subjects.push_back(std::move(s));
  }
  json extra = json::object();
  const auto phase_count = plan_phases(o).size();
  for (std::size_t index = 0; index < phase_count && !stop; ++index) {
    // The systems in turn, the first moving on each phase, so that drift over the run hits all alike.
    for (std::size_t k = 0; k < subjects.size() && !stop; ++k) {
      auto& subject = *subjects[(index + k) % subjects.size()];
      const auto& system = subject.system;
      const auto p = plan_phases(o, subject.scale)[index];
      const std::string phase = system + " / " + p.name;
      auto pj = spec_json(p);
      pj["system"] = system;
      pj["scale"] = subject.scale;
      store.begin_phase(run_id, phase, pj);
      if (!o.quiet) std::cerr << "  " << phase << ": " << p.description << "\n";
      LedgerEvents events(store, run_id, phase);
      LoadGenerator generator(p.spec, subject.run_task, events, stop);
      const pid_t system_pid = subject.driver ? subject.driver->pid() : 0;
      ProcSample last_self = read_proc(system_pid), last_oracle = read_proc(subject.oracle->pid());
      auto last_t = Clock::now();
      std::thread bus;
      json bus_result;
      if (p.bus_burst)
        bus = std::thread([&] {
          const auto start = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(p.bus_at_s));
          while (Clock::now() < start && !stop) std::this_thread::sleep_for(std::chrono::milliseconds(20));
          if (!stop) bus_result = bus_burst(p.bus_seconds, stop);
        });
      const auto batches_before = subject.driver ? subject.driver->batches() : 0;
      auto result = generator.run([&](const Second& s) {
        const auto now = Clock::now();
        const double dt = std::max(1e-3, std::chrono::duration<double>(now - last_t).count());
        auto self = read_proc(subject.driver ? subject.driver->pid() : 0), srv = read_proc(subject.oracle->pid());
        json sample = {{"t_s", s.t_s},           {"submitted", s.submitted}, {"completed", s.completed}, {"failed", s.failed},
                       {"queue_depth", s.queue_depth}, {"in_flight", s.in_flight}, {"agents", s.agents},   {"target_rate", s.target_rate},
                       {"p50_us", s.p50_us},     {"p90_us", s.p90_us},       {"p99_us", s.p99_us},       {"max_us", s.max_us},
                       {"system", to_json(self, (self.cpu_s - last_self.cpu_s) / dt)},
                       {"server", to_json(srv, (srv.cpu_s - last_oracle.cpu_s) / dt)}};
        last_self = self, last_oracle = srv, last_t = now;
        store.sample(run_id, phase, s.t_s, sample);
        if (!o.quiet && static_cast<int>(std::lround(s.t_s)) % 10 == 0)
          std::cerr << "    t=" << std::lround(s.t_s) << "s agents " << s.agents << ", " << s.completed << " ok/s, " << s.failed
                    << " failed/s, queue " << s.queue_depth << ", p99 " << static_cast<double>(s.p99_us) / 1000.0 << " ms\n";
      });
      if (bus.joinable()) bus.join();
      json summary = {{"elapsed_s", result.elapsed_s},      {"submitted", result.submitted}, {"completed", result.completed},
                      {"failed", result.failed},            {"not_started", result.not_started}, {"interrupted", result.interrupted},
                      {"peak_agents", result.peak_agents},  {"peak_queue_depth", result.peak_queue_depth}};
      if (subject.driver)
        summary["batches"] = {{"sent", subject.driver->batches() - batches_before}, {"largest_so_far", subject.driver->largest_batch()}};
      if (!bus_result.is_null()) {
        summary["bus"] = bus_result;
        extra["bus"] = bus_result;
      }
      store.end_phase(run_id, phase, summary);
      if (!o.quiet)
        std::cerr << "    " << result.completed << " completed, " << result.failed << " failed of " << result.submitted << " in "
                  << secs(result.elapsed_s) << "; p99 " << static_cast<double>(result.latency.value_at_percentile(99)) / 1000.0
                  << " ms from the intended start\n";
    }
    if (const auto error = store.write_error(); !error.empty()) std::cerr << "legion-bench: " << error << "\n";
  }
  subjects.clear();
  store.finish_run(run_id, stop.load(), extra);
  int status = kExitOk;
  publish_stress(out, status);
  if (stop) return kExitInterrupted + SIGINT;
  return status;
}

namespace {

// The folder's latest stress run, analysed; null when it holds none.
json latest_stress_run(const std::filesystem::path& dir) {
  const auto file = dir / "results.sqlite";
  if (!std::filesystem::exists(file) || std::filesystem::exists(dir / "results.json")) return {};
  StressStore store(file);
  const auto ids = store.run_ids();
  if (ids.empty()) return {};
  return report::analyze_stress(store.load(ids.back()));
}

}  // namespace

bool publish_stress_combined(const std::vector<std::string>& dirs, const std::filesystem::path& out, int& status) {
  std::vector<json> runs;
  for (const auto& d : dirs) {
    auto run = latest_stress_run(d);
    if (run.is_null()) return false;
    runs.push_back(std::move(run));
  }
  const auto written = report::write_stress_combined(out, runs);
  bool pass = true;
  for (const auto& r : runs) {
    report::write_stress_summary(std::cout, r);
    std::cout << "\n";
    pass = pass && r.value("all_criteria_pass", false) && r.value("lost_tasks", 1) == 0;
  }
  std::cout << "Wrote";
  for (const auto& f : written) std::cout << " " << f.filename().string();
  std::cout << " to " << out.string() << "\n";
  status = pass ? kExitOk : kExitFailed;
  return true;
}

bool publish_stress(const std::filesystem::path& dir, int& status) {
  auto analyzed = latest_stress_run(dir);
  if (analyzed.is_null()) return false;
  auto written = report::write_stress_reports(dir, analyzed);
  report::write_stress_summary(std::cout, analyzed);
  std::cout << "\nWrote";
  for (const auto& f : written) std::cout << " " << f.filename().string();
  std::cout << " to " << dir.string() << "\n";
  status = analyzed.value("all_criteria_pass", false) && analyzed.value("lost_tasks", 1) == 0 ? kExitOk : kExitFailed;
  return true;
}

}  // namespace legion::bench::stress
