#include "runner.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "legion/adapters/adapter.hpp"
#include "legion/datasets/dialect.hpp"
#include "legion/datasets/systems.hpp"
#include "legion/datasets/task_job.hpp"
#include "legion/oracle/recording_proxy.hpp"
#include "legion/oracle/tokenizer.hpp"
#include "legion/report/escape.hpp"
#include "legion/stats/planning.hpp"
#include "checks.hpp"
#include "failure_class.hpp"
#include "floor.hpp"
#include "live_metrics.hpp"
#include "local_model.hpp"
#include "legion/core/error_text.hpp"
#include "legion/version.hpp"
#include "legion_revision.hpp"
#include "machine.hpp"
#include "recovery.hpp"
#include "run_database.hpp"
#include "store.hpp"
#include "utc_time.hpp"
#include "worker.hpp"

namespace legion::bench {
namespace {

using nlohmann::json;

std::string hostname() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

std::string format_ms(std::int64_t ns) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(ns < 10'000'000 ? 3 : 1) << static_cast<double>(ns) / 1e6 << " ms";
  return s.str();
}

int apply_affinity(const std::vector<int>& cpus) noexcept {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  for (int cpu : cpus) CPU_SET(cpu, &mask);
  return ::sched_setaffinity(0, sizeof mask, &mask);
}

void set_affinity(const std::vector<int>& cpus) {
  if (apply_affinity(cpus) != 0) throw std::runtime_error(std::string("sched_setaffinity: ") + std::strerror(errno));
}

// The calling thread on `cpus` while it lives (threads it creates meanwhile keep them); no CPUs: unchanged.
class ScopedAffinity {
 public:
  explicit ScopedAffinity(const std::vector<int>& cpus) {
    if (cpus.empty()) return;
    saved_ = allowed_cpus();
    set_affinity(cpus);
  }
  ~ScopedAffinity() {
    if (!saved_.empty()) apply_affinity(saved_);
  }
  ScopedAffinity(const ScopedAffinity&) = delete;
  ScopedAffinity& operator=(const ScopedAffinity&) = delete;

 private:
  std::vector<int> saved_;
};

CpuPlacement resolve_placement(CpuPlacement asked, const Plan& plan) {
  if (asked != CpuPlacement::automatic) return asked;
  return !plan.real_model && most_concurrency(plan) <= 1 ? CpuPlacement::shared : CpuPlacement::free;
}

// Where nothing listens (port 1 on loopback): the base URL of a worker whose model is in process.
constexpr const char* kNoServerUrl = "http://127.0.0.1:1/v1";

// A traced record's spans: the worker's trace with the model server's log of the task's requests.
std::optional<report::RecordTrace> record_trace(const json& worker, const std::vector<oracle::RequestLogEntry>& log,
                                                const std::string& model_name, const oracle::ModelService& model,
                                                std::ostream& progress) {
  std::vector<report::ServedRequest> requests;
  for (const auto& e : log)
    requests.push_back({e.agent, e.action, e.started_ns, e.service_ns, e.prompt_tokens, e.completion_tokens, e.status});
  auto server = model.base_url();  // http://HOST:PORT/v1
  if (const auto scheme = server.find("://"); scheme != std::string::npos) server.erase(0, scheme + 3);
  if (const auto path = server.find('/'); path != std::string::npos) server.erase(path);
  try {
    return report::make_trace(worker, requests, model_name, server);
  } catch (const std::exception& e) {  // a malformed trace costs the record its trace, never the run
    progress << "the record's trace could not be read, so it has none: " << e.what() << "\n";
    return std::nullopt;
  }
}

// The machine's floor in the time slice of the round that follows (floor.hpp): a few tens of
// milliseconds, while no task runs. A probe that cannot run is left out, with a line saying why.
std::optional<report::FloorProbe> probe_floor(int round, std::ostream& progress) {
  constexpr int kExchanges = 200;
  auto timing = [](const FloorProbeResult& r) { return report::FloorTiming{r.median_us, r.p99_us}; };
  try {
    report::FloorProbe probe;
    probe.round = round;
    probe.at = utc_timestamp(kIsoUtc);
    probe.exchanges = kExchanges;
    probe.loopback = timing(loopback_round_trip(kExchanges, Placement::floating));
    probe.loopback_one_cpu = timing(loopback_round_trip(kExchanges, Placement::one_cpu));
    probe.http = timing(no_work_http_exchange(kExchanges, Placement::floating));
    probe.http_one_cpu = timing(no_work_http_exchange(kExchanges, Placement::one_cpu));
    return probe;
  } catch (const std::exception& e) {
    progress << "the floor was not probed before round " << round << ": " << e.what() << "\n";
    return std::nullopt;
  }
}

}  // namespace

std::atomic<bool>& interrupt_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

SystemName parse_system_name(const std::string& system) {
  auto at = system.find('@');
  if (at == std::string::npos) return {system, ""};
  return {system.substr(0, at), system.substr(at + 1)};
}

std::filesystem::path legion_bench_in(const std::filesystem::path& build) {
  for (const auto& candidate : {build / "bench" / "legion-bench", build / "bin" / "legion-bench", build})
    if (std::filesystem::is_regular_file(candidate) && ::access(candidate.c_str(), X_OK) == 0)
      return std::filesystem::absolute(candidate);
  throw std::invalid_argument("no legion-bench executable in '" + build.string() + "' (looked for bench/legion-bench and bin/legion-bench)");
}

bool traces(const Plan& plan, const std::string& system) { return plan.trace || parse_system_name(system).label == kTracedLabel; }

void validate_systems(const Plan& plan) {
  std::set<std::string> seen(plan.systems.begin(), plan.systems.end());  // empty and repeated: check_plan
  for (const auto& system : plan.systems) {
    const auto [base, label] = parse_system_name(system);
    adapters::adapter_info(base);  // unknown names fail here, listing the known ones
    if (system.find('@') != std::string::npos && label.empty())
      throw std::invalid_argument("system '" + system + "': a label must follow '@' (NAME@LABEL)");
    if (label == kTracedLabel && plan.trace)
      throw std::invalid_argument("system '" + system + "': with --trace every system is traced; NAME@traced measures tracing's cost beside NAME untraced");
    if (label == kInProcessLabel && plan.real_model)
      throw std::invalid_argument("system '" + system + "': the in-process mode answers with the scripted model; a real model is reached over HTTP");
    if (label == kInProcessLabel) {
      // The scripted model answers at once and whole in this mode (Oracle::answer_directly).
      if (plan.latency.time_to_first_token.count() > 0 || plan.latency.tokens_per_second > 0)
        throw std::invalid_argument("system '" + system + "': the in-process model answers at once; run it without --latency");
      if (plan.stream) throw std::invalid_argument("system '" + system + "': the in-process model does not stream; run it without --stream");
      if (plan.faults.probability > 0 || !plan.faults.at_requests.empty())
        throw std::invalid_argument("system '" + system + "': the in-process model injects no faults; run it without --faults");
    }
    if (const auto build = plan.builds.find(label); build != plan.builds.end()) legion_bench_in(build->second);
    if (const auto venvs = plan.venvs.find(label); venvs != plan.venvs.end() && !std::filesystem::is_directory(venvs->second))
      throw std::invalid_argument("environments folder '" + venvs->second.string() + "' for '" + label + "' does not exist");
  }
  if (plan.real_model) {
    if (plan.latency.time_to_first_token.count() > 0 || plan.latency.tokens_per_second > 0)
      throw std::invalid_argument("--latency shapes the scripted model; a real model takes its own time");
    if (plan.faults.probability > 0 || !plan.faults.at_requests.empty())
      throw std::invalid_argument("--faults are injected by the scripted model; they cannot be with a real one");
  }
  for (const auto& [system, delay] : plan.injected_delay_us) {
    if (!seen.contains(system)) throw std::invalid_argument("--inject-delay names '" + system + "', which is not in --systems");
    if (parse_system_name(system).base != "native")
      throw std::invalid_argument("--inject-delay works for the native engine only, not '" + system + "'");
    if (delay <= 0) throw std::invalid_argument("--inject-delay for '" + system + "' must be a positive number of microseconds");
  }
}

Runner::Runner(Plan plan, std::ostream& progress, bool show_progress)
    : plan_(std::move(plan)), progress_(progress), show_progress_(show_progress) {
  if (plan_.store.empty()) plan_.store = plan_.out_dir / "results.sqlite";
}

report::RunContext Runner::make_context(const std::vector<PlannedScenario>& cells) const {
  report::RunContext c;
  const auto now = std::time(nullptr);  // one reading, so that the run id and the start agree
  c.started_at = utc_timestamp(kIsoUtc, now);
  // Unique within the process too: the failure suite starts several runs into one store, two of them
  // often within a second, and their records must not share an id.
  static std::atomic<int> runs_started{0};
  const int nth = ++runs_started;
  c.run_id = utc_timestamp(kCompactUtc, now) + "-" + std::to_string(::getpid()) + (nth > 1 ? "-" + std::to_string(nth) : "");
  c.host = hostname();
  c.cpu_model = cpu_model().value_or("unknown");
  c.cores = cpu_cores();
  c.build_type = LEGION_BUILD_TYPE;
  c.git_revision = LEGION_GIT_REVISION;
  c.versions["legion-bench"] = LEGION_VERSION;
  c.versions["compiler"] = std::string("gcc ") + __VERSION__;
  c.versions["tokenizer"] = oracle::tokenizer_version();
  c.seed = plan_.seed;
  c.latency_profile = plan_.latency.name;
  c.suite = plan_.suite;
  c.systems = plan_.systems;
  for (const auto& cell : cells) c.scenarios.push_back(cell.name);
  c.repetitions = plan_.repetitions;
  c.warmup = plan_.warmup;
  c.target_relative_ci = plan_.target_relative_ci;
  c.max_repetitions = plan_.target_relative_ci > 0 ? std::max(plan_.max_repetitions, plan_.repetitions) : plan_.repetitions;
  c.concurrency = plan_.concurrency;
  c.command = plan_.command;
  for (const auto& system : plan_.systems) {
    const auto label = parse_system_name(system).label;
    std::string origin;
    if (auto b = plan_.builds.find(label); b != plan_.builds.end()) origin = "build " + std::filesystem::absolute(b->second).string();
    if (auto v = plan_.venvs.find(label); v != plan_.venvs.end())
      origin += (origin.empty() ? "" : ", ") + std::string("environments ") + std::filesystem::absolute(v->second).string();
    if (label == kInProcessLabel)
      c.variants[system] = "this build, with the framework's own in-process model class answered by the scripted model over a pipe (no HTTP)";
    else if (label == kTracedLabel)
      c.variants[system] = "this build, every task traced (tool calls and waits for the person timed in the worker, the system's own spans)";
    else if (!label.empty()) c.variants[system] = origin.empty() ? "this build (a separate worker process)" : origin;
  }
  c.injected_delay_us = plan_.injected_delay_us;
  c.noise_floor = plan_.noise_floor;
  for (const auto& entry : datasets::load_systems())
    for (const auto& system : plan_.systems)
      if (!entry.status.empty() && parse_system_name(system).base == entry.name) c.system_status[system] = entry.status;
  return c;
}

// One task's record: the worker's own measurements (a result checked field by field, worker.hpp),
// the oracle's log for the task (its totals and the union of its service intervals), and the
// runner's check of every answer against the scenario.
report::RunRecord Runner::make_record(const json& reply, const oracle::OracleTotals& served, std::int64_t model_busy_ns,
                                     const datasets::ScenarioSpec& spec, const PlannedScenario& cell) const {
  const int concurrency = cell.concurrency;
  auto optional = [&](const char* field) -> std::optional<std::int64_t> {
    return reply[field].is_null() ? std::nullopt : std::optional(reply[field].get<std::int64_t>());
  };
  report::RunRecord r;
  r.scenario = spec.name;
  r.params = spec.params;
  r.swept = cell.swept;
  r.tasks = concurrency;
  r.wall_ns = reply.at("wall_ns").get<std::int64_t>();
  r.cpu_user_ns = reply.at("cpu_user_ns").get<std::int64_t>();
  r.cpu_sys_ns = reply.at("cpu_sys_ns").get<std::int64_t>();
  r.rss_peak_bytes = reply.at("rss_peak_bytes").get<std::int64_t>();
  r.reported_llm_calls = reply.at("reported_llm_calls").get<std::uint64_t>();
  if (auto tokens = optional("reported_prompt_tokens")) r.reported_prompt_tokens = static_cast<std::uint64_t>(*tokens);
  if (auto tokens = optional("reported_completion_tokens")) r.reported_completion_tokens = static_cast<std::uint64_t>(*tokens);
  r.unsupported = reply.at("unsupported").get<bool>();
  r.human_wait_ns = optional("human_wait_ns");
  r.ingest_ns = optional("ingest_ns");
  r.retrieval_ns = optional("retrieval_ns");
  if (served.embedding_requests > 0 || r.ingest_ns) {
    r.embedding_calls = served.embedding_requests;
    r.embedding_tokens = served.embedding_tokens;
  }
  r.llm_calls = served.requests;
  r.prompt_tokens = served.prompt_tokens;
  r.completion_tokens = served.completion_tokens;
  r.request_bytes = served.request_bytes;
  r.oracle_ns = served.service_ns;
  r.model_busy_ns = model_busy_ns;
  if (reply.at("error").is_string()) r.error = core::clip_error_text(reply["error"].get<std::string>());
  const auto& answers = reply.at("answers");
  r.task_latencies_ns = reply.at("task_latencies_ns").get<std::vector<std::int64_t>>();
  r.correct = !r.error && answers.size() == static_cast<std::size_t>(concurrency);
  for (const auto& a : answers) r.correct = r.correct && datasets::check_answer(spec, a.get<std::string>()).correct;
  if (!answers.empty()) r.answer = answers[0].get<std::string>();
  return r;
}

std::unique_ptr<oracle::RecordingProxy> Runner::start_real_model(report::RealModel& facts,
                                                                 std::unique_ptr<LocalModelServer>& local) const {
  const auto& real = *plan_.real_model;
  facts.setting = real.sampled ? "sampled" : "deterministic";
  facts.temperature = real.temperature;
  facts.seed = real.sampled ? plan_.seed * 1000003u + static_cast<std::uint64_t>(plan_.warmup) : plan_.seed;  // the first measured trial's, when sampled
  facts.price = real.price;
  facts.exchanges_file = "exchanges.jsonl";
  facts.model = real.model;
  std::string upstream = real.endpoint;
  try {
    if (real.endpoint.empty()) {
      local = std::make_unique<LocalModelServer>(read_local_model_manifest(), real.gguf, plan_.out_dir / "llama-server.log");
      upstream = local->base_url();
      facts.model = local->model();
      facts.local = local->facts();
      facts.endpoint_kind = "local llama.cpp server";
      facts.price.reset();  // a local model's cost is its time
    } else {
      facts.endpoint_kind = oracle::is_loopback_url(real.endpoint) ? "loopback endpoint" : "remote endpoint";
    }
    facts.endpoint = upstream;
    oracle::RecordingProxy::Options options;
    options.upstream = upstream;
    options.api_key = real.api_key;
    options.exchanges_file = plan_.out_dir / facts.exchanges_file;
    options.timeout = plan_.timeout;
    auto proxy = std::make_unique<oracle::RecordingProxy>(options);
    proxy->set_sampling(oracle::Sampling{real.temperature, facts.seed});
    proxy->check_endpoint(facts.model);
    return proxy;
  } catch (const std::exception& e) {  // nothing has run: the run cannot start
    throw UsageError(e.what());
  }
}

report::RunResults Runner::start_or_resume(Store& store, const std::vector<PlannedScenario>& cells) const {
  report::RunResults results;
  if (!plan_.resume) {
    results.context = make_context(cells);
    store.save_run(results.context);
    store.save_invocation(results.context.run_id, plan_.invocation);
    return results;
  }
  results.context = run_to_resume(store);
  results.records = store.records(results.context.run_id);  // a run of schema 1 upgraded: it goes on in this one's
  results.context.schema_version = report::kResultsSchemaVersion;
  return results;
}

report::RunResults Runner::run() {
  // Everything is validated before anything is measured: bad scenario files stop the run here.
  validate_systems(plan_);
  std::vector<datasets::Dialect> dialects;
  for (const auto& system : plan_.systems)
    dialects.push_back(datasets::dialect_named(adapters::adapter_info(parse_system_name(system).base).dialect));
  const auto cells = check_plan(plan_);
  std::filesystem::create_directories(plan_.out_dir);

  // Placement (runner.hpp): which CPUs the model server's threads (created below, they inherit the
  // runner's mask while it is set) and the workers may use.
  const auto placement = resolve_placement(plan_.placement, plan_);
  const auto cpus = allowed_cpus();
  if (cpus.empty()) throw std::runtime_error(std::string("sched_getaffinity: ") + std::strerror(errno));
  std::vector<int> worker_cpus, server_cpus;
  std::string pinning;
  auto listed = [](const std::vector<int>& list) {
    std::string text = list.size() > 1 ? "CPUs " : "CPU ";
    for (std::size_t i = 0; i < list.size(); ++i) text += (i ? "," : "") + std::to_string(list[i]);
    return text;
  };
  const std::vector<int> first{cpus.front()}, rest(cpus.begin() + 1, cpus.end());
  std::vector<int> runner_cpus;  // for this run only: the next run in this process starts from the CPUs it was given
  if (placement == CpuPlacement::shared) {
    server_cpus = worker_cpus = first;
    runner_cpus = rest;  // its storage work between tasks off the systems' CPU
    pinning = "model server and workers on " + listed(first) + (rest.empty() ? "" : ", runner on " + listed(rest)) + " (placement shared)";
  } else if (placement == CpuPlacement::apart) {
    if (rest.empty()) throw std::invalid_argument("--placement apart needs at least 2 CPUs");
    server_cpus = runner_cpus = first, worker_cpus = rest;
    pinning = "runner and model server on " + listed(first) + ", workers on " + listed(rest) + " (placement apart)";
  }
  const ScopedAffinity runner_on(runner_cpus);
  // A real model is started and checked before anything is stored: a run that cannot reach it
  // leaves nothing behind but the error.
  std::unique_ptr<LocalModelServer> local_model;
  std::unique_ptr<oracle::RecordingProxy> proxy;
  std::optional<report::RealModel> real_model;
  if (plan_.real_model) proxy = start_real_model(real_model.emplace(), local_model);
  MachineMonitor monitor;

  Store store(plan_.store);
  auto results = start_or_resume(store, cells);
  // Until it ends, the stored run reads as interrupted: a run killed outright is published as such.
  auto save_in_progress = [&] {
    auto context = results.context;
    context.interrupted = true;
    store.save_run(context);
  };
  save_in_progress();

  // What answers: the scripted model server, or a real model behind the recording proxy.
  std::unique_ptr<oracle::Oracle> scripted;
  oracle::ModelService* model = nullptr;
  std::string model_name = "legion-oracle";
  if (proxy) {
    model = proxy.get();
    model_name = real_model->model;
    results.context.real_model = real_model;
    results.context.versions["model"] = real_model->model + " at " + real_model->endpoint + " (" + real_model->endpoint_kind + ")";
  } else {
    oracle::Oracle::Options oracle_options;
    oracle_options.latency = plan_.latency;
    oracle_options.faults = plan_.faults;
    oracle_options.max_connections = model_server_connections(most_concurrency(plan_), tasks_on_threads(plan_));
    const ScopedAffinity on(server_cpus);  // the server's I/O threads keep it
    scripted = std::make_unique<oracle::Oracle>(oracle_options);
    model = scripted.get();
    results.context.versions["oracle"] = "legion-oracle " + std::string(LEGION_VERSION) + " on " + scripted->base_url();
  }

  // A system's context trimming is listed only when some cell asks for it.
  const bool trims_context =
      std::any_of(cells.begin(), cells.end(), [](const PlannedScenario& c) { return c.spec->context_window > 0; });
  std::vector<std::unique_ptr<WorkerProcess>> workers;
  std::map<std::string, std::string> start_errors;
  for (const auto& system : plan_.systems) {
    WorkerProcess::Options w;
    const auto [base, label] = parse_system_name(system);
    w.system = base;
    w.adapter_spec = adapters::adapter_info(base).spec;
    const auto build = plan_.builds.find(label);
    w.executable = build != plan_.builds.end() ? legion_bench_in(build->second) : std::filesystem::read_symlink("/proc/self/exe");
    if (const auto venvs = plan_.venvs.find(label); venvs != plan_.venvs.end()) w.venvs_dir = std::filesystem::absolute(venvs->second);
    if (const auto delay = plan_.injected_delay_us.find(system); delay != plan_.injected_delay_us.end()) w.injected_delay_us = delay->second;
    w.cpus = worker_cpus;
    w.log_file = plan_.out_dir / ("worker-" + system + ".log");
    w.base_url = model->base_url();
    w.model = model_name;
    w.stream = plan_.stream;
    w.max_retries = plan_.max_retries;
    w.trace = traces(plan_, system);
    if (label == kInProcessLabel) {
      w.in_process_model = scripted.get();
      w.base_url = kNoServerUrl;  // a model call that bypassed the in-process model fails instead of reaching the server
    }
    // A system whose worker cannot start is a result too: its records carry the error.
    try {
      const ScopedAffinity on(server_cpus);  // an in-process model's pipe server beside the model server
      workers.push_back(std::make_unique<WorkerProcess>(w));
    } catch (const std::exception& e) {
      workers.push_back(nullptr);
      start_errors[system] = e.what();
      results.context.cold_start_ns[system] = -1;
      continue;
    }
    const auto& hello = workers.back()->hello();
    const auto versions = hello.value("versions", json::object());
    for (const auto& [k, v] : versions.items()) results.context.system_versions[system][k] = v.get<std::string>();
    results.context.system_packages[system] = hello.value("packages", std::map<std::string, std::string>{});
    results.context.system_settings[system] = hello.value("settings", std::map<std::string, std::string>{});
    if (const auto pipe = hello.find("model_pipe_round_trip_ns"); pipe != hello.end() && pipe->is_number_integer())
      results.context.model_pipe_round_trip_ns[system] = pipe->get<std::int64_t>();
    if (!trims_context) std::erase_if(results.context.system_settings[system], [](const auto& s) {
      return s.first.starts_with(adapters::kContextTrimmingSetting);
    });
    if (results.context.cold_start_ns.contains(system)) continue;  // resumed: the first start is the cold one
    results.context.cold_start_ns[system] = hello.value("startup_ns", std::int64_t{0});
    results.context.cold_start_parts[system] = hello.value("cold_start_parts", std::map<std::string, std::int64_t>{});
    results.context.ready_rss_bytes[system] = hello.value("rss_bytes", std::int64_t{0});
  }
  save_in_progress();

  // Rounds: warm-ups, then measured repetitions. With a precision target, a cell (scenario, system)
  // keeps taking part in further rounds until its interval is narrow enough or the cap is reached.
  const bool adaptive = plan_.target_relative_ci > 0;
  const int cap = adaptive ? std::max(plan_.max_repetitions, plan_.repetitions) : plan_.repetitions;
  std::optional<stats::SequentialController> controller;
  if (adaptive)
    controller.emplace(plan_.target_relative_ci, static_cast<std::size_t>(plan_.repetitions), static_cast<std::size_t>(cap));
  std::map<std::pair<std::size_t, std::size_t>, std::vector<double>> walls;  // measured, successful
  std::map<std::pair<std::size_t, std::size_t>, int> measured, warmed;
  std::set<std::pair<std::size_t, std::size_t>> unsupported;  // cells the system cannot express: recorded once
  std::map<std::string, oracle::OracleTotals> served_by_system;  // for the live metrics' model-server counters
  if (auto* m = live_metrics()) m->begin_run(plan_.suite, results.context.run_id);
  // A resumed run counts what its store already holds, so those repetitions are not run again.
  for (const auto& r : results.records) {
    auto si = std::find_if(cells.begin(), cells.end(), [&](const auto& c) { return c.name == r.cell(); });
    auto index = std::find(plan_.systems.begin(), plan_.systems.end(), r.system);
    if (si == cells.end() || index == plan_.systems.end()) continue;
    const auto key = std::make_pair(static_cast<std::size_t>(si - cells.begin()),
                                    static_cast<std::size_t>(index - plan_.systems.begin()));
    if (r.unsupported) unsupported.insert(key);
    if (r.warmup) ++warmed[key];
    else ++measured[key];
    if (!r.warmup && !r.error) walls[key].push_back(static_cast<double>(r.wall_ns));
  }
  auto wants_more = [&](std::size_t si, std::size_t index) {
    auto key = std::make_pair(si, index);
    if (unsupported.contains(key)) return false;
    if (measured[key] < plan_.repetitions) return true;
    if (!adaptive || measured[key] >= cap) return false;
    return controller->decide(walls[key]) == stats::SequentialController::Decision::more;
  };
  const auto planned = static_cast<std::size_t>(plan_.warmup + plan_.repetitions) * cells.size() * plan_.systems.size();
  std::size_t done = results.records.size();
  for (int round = 0; !interrupt_flag(); ++round) {
    const bool warm = round < plan_.warmup;
    bool any = false;
    // Before every round, and so once after the last (the round that finds nothing left to run).
    if (auto probe = probe_floor(round, progress_)) {
      results.context.floor.probes.push_back(*probe);
      save_in_progress();
    }
    for (std::size_t si = 0; si < cells.size() && !interrupt_flag(); ++si) {
      const auto& cell = cells[si];
      std::shared_ptr<const datasets::ScenarioSpec> spec;
      std::uint64_t spec_seed = 0;
      // Systems take turns in a rotating order, so drift on a shared machine hits all of them alike.
      for (std::size_t k = 0; k < plan_.systems.size() && !interrupt_flag(); ++k) {
        const auto index = (k + static_cast<std::size_t>(round) + si) % plan_.systems.size();
        if (unsupported.contains({si, index}) || (warm ? warmed[{si, index}] > round : !wants_more(si, index))) continue;
        any = true;
        // Each trial of a cell plants fresh values (and draws a sampled model's answers) with the seed of
        // its place in the cell, warm-ups first: no system can pass by repeating an earlier answer, every
        // system's k-th trial shares its seed, and a resumed run goes on with the seeds a run without a
        // stop would have used (the loop's round starts again at 0 then, the cell's count does not).
        const int trial = warm ? round : plan_.warmup + measured[{si, index}];
        const std::uint64_t seed = plan_.seed * 1000003u + static_cast<std::uint64_t>(trial);
        if (!spec || spec_seed != seed) spec = std::make_shared<const datasets::ScenarioSpec>(cell.with_seed(seed)), spec_seed = seed;
        const auto& system = plan_.systems[index];
        // The record's own name, as its exchanges are labelled: the repetition it will be stored as.
        const std::string record_label =
            cell.name + "/" + system + "/" + (warm ? "warm-up " + std::to_string(round) : "rep " + std::to_string(measured[{si, index}]));
        // A sampled real model draws each trial with its own seed; a deterministic one keeps the run's.
        const std::uint64_t sampling_seed = plan_.real_model && plan_.real_model->sampled ? seed : plan_.seed;
        if (proxy) {
          proxy->set_label(record_label);
          proxy->set_sampling(oracle::Sampling{plan_.real_model->temperature, sampling_seed});
        } else {
          scripted->set_script(std::make_shared<oracle::ScriptPolicy>(spec, dialects[index]));
        }
        std::optional<TaskMeters> meters;
        if (auto* m = live_metrics(); m && !warm)
          meters = m->tasks(system, plan_.metrics_phase.empty() ? cell.name : plan_.metrics_phase), meters->submit();
        const auto before = model->mark();
        const RunDatabase database(*spec, plan_.out_dir / "databases",
                                   cell.name + "-" + system + "-" + (warm ? "warmup-" : "rep-") + std::to_string(round));
        const auto job = worker_job(*spec, cell.concurrency, database.path());
        json reply;
        const auto submitted_at = std::chrono::steady_clock::now();  // the live metrics' latency: timeouts included
        try {
          if (!workers[index]) throw std::runtime_error(start_errors[system]);
          if (!database.error().empty()) throw std::runtime_error(database.error());
          reply = workers[index]->run(job, plan_.timeout * cell.concurrency);
        } catch (const std::exception& e) {  // the worker could not be (re)started
          reply = failed_result(e.what());
        }
        const auto served = model->totals_since(before);
        // A real model is held to the values it can reach (datasets::reachable_expected).
        auto checked = *spec;
        if (proxy) checked.expected = datasets::reachable_expected(*spec);
        auto r = make_record(reply, served, model->busy_since(before), checked, cell);
        if (traces(plan_, system) && reply["trace"].is_object()) 
          r.trace = record_trace(reply["trace"], model->requests_since(before), model_name, *model, progress_);
        // The workflow is judged by the database's final state as well as by the answer.
        const auto database_wrong = database.check();
        if (!database_wrong.empty()) r.correct = false;
        if (proxy) {
          r.cached_prompt_tokens = served.cached_prompt_tokens;
          r.sampling_seed = sampling_seed;
          r.failure = classify_failure(r, checked, proxy->exchanges_since(before));
        }
        r.system = system;
        r.repetition = warm ? round : measured[{si, index}];  // numbered per cell, so a resumed run goes on counting
        r.warmup = warm;
        auto announce = [&](std::size_t number, const std::string& outcome) {
          if (!show_progress_) return;
          progress_ << "[" << std::setw(4) << number << "/" << planned << (adaptive ? "+" : "") << "] " << std::left
                    << std::setw(24) << report::printable(cell.name) << std::setw(17) << report::printable(r.system) << std::right
                    << (warm ? "warm-up " : "rep ") << std::setw(3) << r.repetition << "  " << outcome << "\n"
                    << std::flush;
        };
        // A task that failed while the run was being stopped may have failed because of the stop (a
        // signal to the whole process group reaches the worker and what it runs): it is no result,
        // and --resume runs it again.
        if (interrupt_flag() && !r.correct && !r.unsupported) {
          announce(done + 1, "interrupted: not recorded, --resume runs it again");
          break;
        }
        store.add(results.context.run_id, r);
        if (meters) {
          meters->finish(r.correct && !r.error, std::chrono::duration<double>(std::chrono::steady_clock::now() - submitted_at).count());
          live_metrics()->model_server(system, served_by_system[system] += served);
          if (workers[index]) live_metrics()->process(system, "system", stress::read_proc(workers[index]->pid()));
        }
        if (r.unsupported) unsupported.insert({si, index});
        if (warm) {
          ++warmed[{si, index}];
        } else {
          ++measured[{si, index}];
          if (!r.error) walls[{si, index}].push_back(static_cast<double>(r.wall_ns));
        }
        ++done;
        std::ostringstream measured_line;
        measured_line << std::setw(12) << format_ms(r.wall_ns) << "  " << std::setw(3) << r.llm_calls << " calls  "
                      << (r.unsupported ? "UNSUPPORTED " + report::printable(r.error.value_or(""))
                          : r.error     ? "ERROR " + report::printable(*r.error)
                          : r.correct   ? "correct"
                          : !database_wrong.empty() ? "WRONG: " + report::printable(database_wrong)
                          : r.failure   ? "FAILED: " + *r.failure
                                        : "WRONG ANSWER");
        announce(done, measured_line.str());
        results.records.push_back(std::move(r));
      }
    }
    if (!warm && !any) break;
  }
  std::uint64_t own_ticks = process_cpu_ticks(::getpid());
  for (const auto& w : workers)
    if (w && w->pid() > 0) own_ticks += process_cpu_ticks(w->pid());
  // The local model's server is the run's too (it answers every system): not another tenant.
  if (local_model && local_model->pid() > 0) own_ticks += process_cpu_ticks(local_model->pid());
  results.context.machine = monitor.finish(own_ticks, results.context.cores);
  if (proxy) {
    const auto models = proxy->reported_models();
    const auto fingerprints = proxy->system_fingerprints();
    results.context.real_model->reported_models.assign(models.begin(), models.end());
    results.context.real_model->system_fingerprints.assign(fingerprints.begin(), fingerprints.end());
  }
  results.context.machine.pinning = pinning;
  results.context.interrupted = interrupt_flag();
  store.save_run(results.context);
  return results;
}

}  // namespace legion::bench
