// The phases the load, spike and endurance suites run (phases.hpp).
#include "stress/phases.hpp"

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
#include "legion/stats/hdr_histogram.hpp"
#include <cstring>
#include <fstream>
#include "live_metrics.hpp"
#include "machine.hpp"
#include "runner.hpp"
#include "stress/framework_driver.hpp"
#include "stress/generator.hpp"
#include "stress/ledger.hpp"
#include "stress/sampler.hpp"
#include "utc_time.hpp"

namespace legion::bench::stress {
namespace {

using nlohmann::json;

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

std::string run_phases(const StressOptions& o, double duration_s, const PhasePlanner& plan_phases) {
  const auto& out = o.out_dir;
  std::filesystem::create_directories(out);
  StressStore store(out / "results.sqlite");
  const auto run_id = make_run_id(o.suite);
  const auto& stop = interrupt_flag();

  json systems = json::array();
  for (const auto& s : o.systems) systems.push_back(s);
  json config = {{"suite", o.suite},
                 {"systems", systems},
                 {"duration_s", duration_s},
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
  auto* metrics = live_metrics();
  if (metrics) metrics->begin_run(o.suite, run_id);
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
    s->scale = load_scale(o, system);
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
  const auto phase_count = plan_phases(o, 1).size();
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
      std::optional<TaskMeters> meters;
      if (metrics) meters = metrics->tasks(system, p.name);
      LedgerEvents events(store, run_id, phase, meters);
      // The live metrics' view of the processes, once a second and at the end; the model server's
      // counters from its own scraper.
      auto meter = [&](const ProcSample& self, const ProcSample& srv) {
        if (!metrics) return;
        metrics->process(system, "system", self);
        metrics->process(system, "model_server", srv);
      };
      std::optional<ModelServerScraper> scraper;
      if (metrics) scraper.emplace(*metrics, system, subject.oracle->base_url());
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
        if (metrics) metrics->load(system, s.queue_depth, s.in_flight, s.agents);
        meter(self, srv);
        if (!o.quiet && static_cast<int>(std::lround(s.t_s)) % 10 == 0)
          std::cerr << "    t=" << std::lround(s.t_s) << "s agents " << s.agents << ", " << s.completed << " ok/s, " << s.failed
                    << " failed/s, queue " << s.queue_depth << ", p99 " << static_cast<double>(s.p99_us) / 1000.0 << " ms\n";
      });
      if (bus.joinable()) bus.join();
      if (metrics) {
        metrics->load(system, 0, 0, 0);
        meter(read_proc(system_pid), read_proc(subject.oracle->pid()));
        scraper.reset();  // its last scrape: the phase's final totals
      }
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
  return run_id;
}

std::string num(double v) {
  std::ostringstream o;
  o.precision(v >= 100 ? 0 : v >= 10 ? 1 : 2);
  o << std::fixed << v;
  return o.str();
}

double load_scale(const StressOptions& o, const std::string& system) { return system == "native" || o.full_length ? 1 : kFrameworkScale; }

std::string secs(double s) { return s >= 120 ? num(s / 60) + " min" : num(s) + " s"; }

LoadSpec base_spec(const StressOptions& o) {
  LoadSpec s;
  s.mode = o.mode == "closed" ? LoadSpec::Mode::closed : LoadSpec::Mode::open;
  s.arrival = o.arrival == "poisson" ? LoadSpec::Arrival::poisson : LoadSpec::Arrival::constant;
  s.seed = o.seed;
  return s;
}

std::vector<PlannedPhase> planned(const std::vector<PhasePlan>& phases) {
  std::vector<PlannedPhase> out;
  for (const auto& p : phases) out.push_back({p.name, p.description, p.spec.most_agents()});
  return out;
}

void validate_phases(const std::vector<PhasePlan>& phases, int max_agents) {
  refuse_beyond_max_agents(planned(phases), max_agents);
  for (const auto& p : phases)
    for (const auto& s : p.spec.stages)
      if (p.spec.mode == LoadSpec::Mode::open && s.rate <= 0 && p.spec.bursts.empty())
        throw UsageError(p.name + ": an open-loop rate must be positive");
  // The agents are threads: the machine must allow them.
  int most = 0;
  for (const auto& p : phases) most = std::max(most, p.spec.most_agents());
  for (const auto& limit : read_thread_limits())
    if (limit.available() < static_cast<std::uint64_t>(most) + 64)
      throw UsageError(std::to_string(most) + " agents need " + std::to_string(most + 64) + " threads; " + limit.name + " leaves " +
                       std::to_string(limit.available()));
}

StressSuite phase_suite(std::string name, std::string description, PhasePlanner plan, std::function<double(const StressOptions&)> duration_s) {
  StressSuite suite;
  suite.name = std::move(name);
  suite.description = std::move(description);
  suite.validate = [plan](const StressOptions& o) { validate_phases(plan(o, 1), o.max_agents); };
  suite.plan = [plan](const StressOptions& o) { return planned(plan(o, 1)); };
  suite.run = [plan, duration_s](const StressOptions& o) { return run_phases(o, duration_s(o), plan); };
  suite.metered = true;  // run_phases feeds the live metrics
  return suite;
}

}  // namespace legion::bench::stress
