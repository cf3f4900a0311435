#include "run.hpp"

#include <signal.h>

#include <algorithm>
#include <csignal>
#include <functional>
#include <iostream>
#include <sstream>

#include "checks.hpp"
#include "exit_status.hpp"
#include "legion/oracle/recording_proxy.hpp"
#include "legion/adapters/adapter.hpp"
#include "legion/datasets/suites.hpp"
#include "legion/report/escape.hpp"
#include "legion/datasets/prices.hpp"
#include "options.hpp"
#include "otlp_export.hpp"
#include "prices.hpp"
#include "published_suite.hpp"
#include "recovery.hpp"
#include "stress/suite.hpp"
#include "suite_parts.hpp"
#include "sweep.hpp"

namespace legion::bench::commands {
namespace {

// NAME=VALUE items of a repeatable option, e.g. --build old=DIR.
std::map<std::string, std::string> parse_assignments(const std::vector<std::string>& items, const std::string& flag) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw std::invalid_argument(flag + " expects NAME=VALUE, got '" + item + "'");
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

volatile std::sig_atomic_t stop_signal = 0;

void on_interrupt(int signal) {
  interrupt_flag() = true;
  stop_signal = signal;
  ::signal(signal, SIG_DFL);  // a second Ctrl-C (or SIGTERM) stops at once
}

void stop_cleanly_on_signals() {
  struct sigaction sa{};
  sa.sa_handler = on_interrupt;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void add_run_options(CLI::App& app) {
  auto& o = run_options();
  auto& plan = o.plan;
  app.add_option("--suite", plan.suite, "Suite to run (see `legion-bench list`)")->capture_default_str();
  app.add_option("--systems", o.systems, "Comma-separated systems (default: every system in datasets/systems.yaml)");
  app.add_option("--adapter", o.python_adapters,
                 "Add a system written in Python: NAME=FILE.py[,venv=DIR][,dialect=NAME] (see docs/adapters.md); repeatable");
  app.add_option("--scenario", o.scenarios, "Only these scenarios of the suite (name or file); repeatable");
  app.add_option("--out", plan.out_dir, "Folder for results.json, BENCHMARK_RESULTS.md and logs");
  app.add_option_function<int>(
         "-n,--repetitions", [&o](int n) { o.repetitions = n; }, "Measured repetitions per scenario and system (default 10; 3 with --quick)")
      ->transform(integer_in(1, kMaxRepetitions));
  app.add_option_function<int>(
         "--warmup", [&o](int n) { o.warmup = n; }, "Warm-up runs per scenario and system, recorded but not summarised (default 1)")
      ->transform(integer_in(0, kMaxRepetitions));
  app.add_flag("--quick", o.quick, "A small run, for tests and smoke checks");
  app.add_flag("--dry-run", o.dry_run,
               "Check the options and all they name (systems, suites, scenarios, settings), say what would run, and run nothing; "
               "before a subcommand (`legion-bench --dry-run report …`) its options are parsed, and ab, calibrate and publish check everything");
  app.add_option("--target-ci", plan.target_relative_ci,
                 "Adaptive repetitions: repeat each cell until its 95% interval is within this share of the mean (e.g. 0.02)")
      ->check(number_in({0, 1, true}));
  app.add_option("--max-repetitions", plan.max_repetitions, "Cap for adaptive repetitions")
      ->capture_default_str()
      ->transform(integer_in(1, kMaxRepetitions));
  app.add_option("--latency", o.latency, "Latency profile: zero, realistic, or ttft=MS,tps=N")->capture_default_str();
  app.add_option("--faults", o.faults, "Fault injection, e.g. rate=0.05,kinds=http_429+http_500,seed=7");
  app.add_option("--seed", plan.seed, "Seed of the planted values")->capture_default_str()->transform(any_seed);
  app.add_option("--param", o.params, "Scenario parameter NAME=INTEGER, for scenarios that declare it; repeatable");
  app.add_option("--sweep", o.sweep,
                 "Run each scenario that declares a parameter at several values: NAME=A..B[:STEP] or NAME=a,b,c; the "
                 "report fits each metric's growth per unit of it");
  app.add_option("--concurrency", plan.concurrency, "Concurrent copies of each task per record")->transform(integer_in(1, 10000));
  app.add_option("--timeout", o.timeout_s, "Seconds a task may take before its worker is killed")
      ->capture_default_str()
      ->check(number_in({0.001, 7 * 86400.0}));
  app.add_flag("--stream", plan.stream, "Systems request streamed (SSE) responses");
  app.add_option("--max-retries", plan.max_retries, "Client retries on 429/5xx (native engine)")->transform(integer_in(0, 100));
  app.add_option("--store", o.store, "SQLite results store (default OUT/results.sqlite)");
  app.add_option("--resume", o.resume, "Continue the interrupted run in this folder (its store), with the options it was started with");
  app.add_flag("-q,--quiet", o.quiet, "No progress lines");
  app.add_option("--build", o.builds, "LABEL=DIR: systems written NAME@LABEL run from that build folder (or installed prefix); repeatable");
  app.add_option("--venvs", o.venvs, "LABEL=DIR: systems written NAME@LABEL use the framework environments in DIR; repeatable");
  app.add_option("--inject-delay", o.delays,
                 "SYSTEM=MICROSECONDS: test-only slowdown per model call of a native system, flagged in every report; repeatable");
  app.add_flag("--trace", plan.trace,
               "Trace every task: OpenTelemetry spans of the task, agent turns, model calls, tools and the system's own, in "
               "traces.jsonl (OTLP/JSON); tracing costs time, so measured runs leave it off (docs/tracing.md)");
  app.add_option("--otlp-endpoint", o.otlp_endpoint,
                 "Send the traces to an OpenTelemetry collector over OTLP/HTTP (JSON), e.g. http://127.0.0.1:4318; implies --trace");
  app.add_option("--placement", plan.placement,
                 "Where the model server and the workers run: shared (one CPU, as the floor's one-CPU probe), apart (model "
                 "server and runner on the first CPU, workers on the others), free (the scheduler decides) or automatic "
                 "(shared when every cell runs one task at a time against the scripted model, free otherwise)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, CpuPlacement>{{"automatic", CpuPlacement::automatic},
                                                                           {"shared", CpuPlacement::shared},
                                                                           {"apart", CpuPlacement::apart},
                                                                           {"free", CpuPlacement::free}}))
      ->default_str("automatic");
  app.add_option("--calibration", o.calibration_path,
                 "Noise floors from legion-bench calibrate: its folder, calibration.json or store (default "
                 "results/calibration/ when present; 'none' for no floor)");

  // A real model instead of the scripted one (docs/real-models.md).
  const std::string real_group = "A real model instead of the scripted one (docs/real-models.md)";
  app.add_option("--endpoint", o.endpoint, "An OpenAI-compatible endpoint's base URL, e.g. http://127.0.0.1:8080/v1")->group(real_group);
  app.add_option("--model", o.model, "The model to ask for at --endpoint; 'local': llama.cpp's server with the small model the set-up installed")
      ->group(real_group);
  app.add_option("--api-key-env", o.api_key_env, "The environment variable holding the endpoint's API key (read once, never written)")
      ->group(real_group);
  app.add_flag("--allow-remote-endpoint", o.allow_remote_endpoint, "Allow an endpoint that is not on this machine's loopback")
      ->group(real_group);
  app.add_option("--gguf", o.gguf, "--model local with this model file instead of the installed one")->check(CLI::ExistingFile)->group(real_group);
  app.add_option("--sampling", o.sampling,
                 "deterministic (temperature 0, the run's seed on every request) or sampled (--temperature, a seed per trial: pass^k)")
      ->capture_default_str()->check(CLI::IsMember({"deterministic", "sampled"}))->group(real_group);
  app.add_option("--temperature", o.temperature, "Sampled: the temperature of every request (default 0.7)")
      ->check(number_in({0, 2}))->group(real_group);
  app.add_option("--prices", o.prices, "A price table of your own (the format of datasets/prices.yaml) instead of datasets/prices.yaml")
      ->check(CLI::ExistingFile)->group(real_group);

  // The stress suites (--suite load|spike|endurance; docs/stress.md).
  auto& stress = o.stress;
  const std::string stress_group = "Stress suites (--suite load|spike|endurance)";
  app.add_option_function<double>(
         "--duration", [&stress](double s) { stress.duration_s = s; },
         "Seconds: load, the longest level (the others in the seeds' 5:15:30:60; 3600 = the seeds' minutes); spike, the whole "
         "spike (default 70); endurance, the run (default 60, at most 604800: 7 days)")
      ->check(number_in({0, stress::kMaxDurationS, true}))
      ->group(stress_group);
  app.add_flag("--smoke", stress.smoke, "A seconds-long run of the stress suite, task counts / 100 (CI)")->group(stress_group);
  app.add_flag("--full-length", stress.full_length,
               "Load: the seeds' levels at their lengths (5, 15, 30 and 60 min) and task counts on every system, about 110 min a system")
      ->group(stress_group);
  app.add_option("--mode", stress.mode, "open (arrivals on a schedule, latency from the intended start) or closed")
      ->capture_default_str()->group(stress_group);
  app.add_option("--arrival", stress.arrival, "Open-loop arrivals: constant or poisson")->capture_default_str()->group(stress_group);
  app.add_option_function<double>("--rate", [&stress](double r) { stress.rate = r; }, "Endurance: tasks per second (default 100)")
      ->check(number_in({0, stress::kMaxRate, true}))
      ->group(stress_group);
  app.add_option_function<int>("--agents", [&stress](int n) { stress.agents = n; }, "Endurance: concurrent agents (default 20)")
      ->transform(integer_in(1, kMaxAgents))
      ->group(stress_group);
  app.add_option("--max-agents", stress.max_agents, "The configured limit: a suite needing more agents is refused")
      ->capture_default_str()->transform(integer_in(1, kMaxAgents))->group(stress_group);
  app.add_option("--broker-port", stress.broker_port, "Scalability: redis-server's port on 127.0.0.1 (0: a free one; one in use is refused)")
      ->capture_default_str()->transform(integer_in(0, 65535))->group(stress_group);
  app.add_option("--engines", stress.max_engines, "Scalability: engine processes from 1 to this")
      ->capture_default_str()->transform(integer_in(1, stress::kMaxEngines))->group(stress_group);
  app.add_option("--engine-agents", stress.engine_agents, "Scalability: agents per engine process")
      ->capture_default_str()->transform(integer_in(1, kMaxAgents))->group(stress_group);
  app.add_option("--recovery-factor", stress.recovery_factor, "Spike: recovered when p99 is back within this factor of the baseline's")
      ->capture_default_str()->check(number_in({1, 1000, true}))->group(stress_group);

  // Live metrics, any run (docs/live-metrics.md).
  const std::string metrics_group = "Live metrics (Prometheus text format, docs/live-metrics.md)";
  app.add_option("--metrics-port", o.metrics.port, "Serve the run's live metrics at http://HOST:PORT/metrics while it runs")
      ->transform(integer_in(1, 65535))->group(metrics_group);
  app.add_option("--metrics-host", o.metrics.host, "The address --metrics-port listens on; another than loopback exposes the metrics")
      ->capture_default_str()->group(metrics_group);
  app.add_option("--metrics-linger", o.metrics.linger_s, "Seconds the metrics stay served after the run, for a last scrape")
      ->capture_default_str()->check(number_in({0, 86400}))->group(metrics_group);
}

// --metrics-port: serves the live metrics while `run` runs (an address that cannot be bound is
// refused before anything starts), then keeps the final totals up for --metrics-linger seconds.
int with_live_metrics(const std::function<int()>& run) {
  const auto& options = run_options().metrics;
  if (options.port == 0) return run();
  try {
    set_live_metrics(std::make_unique<LiveMetrics>(options));
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
  const auto url = live_metrics()->url();
  std::cerr << "live metrics at " << url << "\n";
  const int status = run();
  live_metrics()->finish();  // before saying so: a reader scraping on that line sees the final totals
  std::cerr << "the run has ended; its final metrics stay at " << url << " for " << options.linger_s
            << " s (legion_run_finished 1)\n";
  live_metrics()->linger();
  set_live_metrics(nullptr);
  return status;
}

int run_stress_suite(const Invocation& invocation, const stress::StressSuite& suite) {
  auto& o = run_options();
  auto& stress = o.stress;
  for (const auto& spec : o.python_adapters) adapters::add_python_adapter(spec);
  stress.suite = suite.name;
  if (invocation.app.get_option("--systems")->count() > 0) stress.systems = split(o.systems);
  else if (suite.every_system_by_default) {
    stress.systems.clear();
    for (const auto& a : adapters::adapter_registry()) stress.systems.push_back(a.name);
  }
  stress.out_dir = o.plan.out_dir;
  stress.latency = o.latency;
  stress.max_retries = o.plan.max_retries;
  stress.request_timeout_s = invocation.app.get_option("--timeout")->count() > 0 ? o.timeout_s : 30;
  stress.seed = o.plan.seed;
  stress.quiet = o.quiet;
  if (!o.scenarios.empty()) stress.scenario = o.scenarios.front();
  stress.command = "legion-bench";
  for (const auto& argument : invocation.arguments) stress.command += " " + report::shell_quote(argument);
  stress::validate(stress);  // refused before anything starts
  if (o.plan.trace || !o.otlp_endpoint.empty())
    throw UsageError("--trace and --otlp-endpoint: the stress suites are not traced (the measured suites are; docs/tracing.md)");
  if (o.metrics.port != 0 && !suite.metered)
    throw UsageError("--metrics-port: the " + suite.name + " suite does not feed the live metrics yet (the load, spike, endurance and failure suites and "
                     "the measured suites do; docs/live-metrics.md)");
  if (o.dry_run) {
    const auto out = stress.out_dir.empty() ? std::filesystem::path("results") / suite.name : stress.out_dir;  // as run_stress defaults it
    std::cout << "Would run the " << suite.name << " suite on " << join(stress.systems) << " into " << out.string() << ":\n";
    for (const auto& phase : suite.plan(stress)) std::cout << "  " << phase.name << ": " << phase.description << "\n";
    return kExitOk;
  }
  stop_cleanly_on_signals();
  const int status = with_live_metrics([&] { return stress::run_stress(stress); });
  return status >= kExitInterrupted ? interrupted_status() : status;
}

}  // namespace

RunOptions& run_options() {
  static RunOptions options;
  return options;
}

void resume_if_asked(CLI::App& app) {
  const auto& o = run_options();
  if (o.resume.empty()) return;
  const auto invocation = invocation_to_resume(o.store.empty() ? std::filesystem::path(o.resume) / "results.sqlite"
                                                               : std::filesystem::absolute(o.store));
  auto arguments = invocation["arguments"].get<std::vector<std::string>>();
  std::filesystem::current_path(invocation["cwd"].get<std::string>());
  std::reverse(arguments.begin(), arguments.end());  // CLI11 takes them last first
  app.clear();
  app.parse(arguments);
  run_options().plan.resume = true;
}

// The real model the options ask for, checked before anything starts; nullopt: the scripted model.
std::optional<RealModelPlan> real_model_plan(const RunOptions& o) {
  const bool asked = !o.endpoint.empty() || !o.model.empty();
  if (!asked) {
    for (const auto& [flag, given] : {std::pair{"--api-key-env", !o.api_key_env.empty()}, std::pair{"--gguf", o.gguf.has_value()},
                                      std::pair{"--temperature", o.temperature.has_value()}, std::pair{"--prices", !o.prices.empty()},
                                      std::pair{"--allow-remote-endpoint", o.allow_remote_endpoint}})
      if (given) throw UsageError(std::string(flag) + " applies to a real model (--endpoint URL --model NAME, or --model local)");
    if (o.sampling != "deterministic") throw UsageError("--sampling applies to a real model (--endpoint URL --model NAME, or --model local)");
    return std::nullopt;
  }
  RealModelPlan real;
  const bool local = o.model == "local";
  if (o.model.empty()) throw UsageError("--endpoint needs --model NAME, the model to ask the endpoint for");
  if (local && !o.endpoint.empty()) throw UsageError("--model local starts its own server: leave --endpoint out");
  if (!local && o.endpoint.empty()) throw UsageError("--model " + o.model + " needs --endpoint URL (or use --model local)");
  if (o.gguf && !local) throw UsageError("--gguf applies to --model local");
  if (!local) {
    oracle::is_loopback_url(o.endpoint);  // a URL that is not http(s) is refused here, by name
    if (!oracle::is_loopback_url(o.endpoint) && !o.allow_remote_endpoint)
      throw UsageError("--endpoint " + o.endpoint + " is not on this machine's loopback: add --allow-remote-endpoint to send the tasks there");
  }
  if (!o.api_key_env.empty()) {
    const char* key = std::getenv(o.api_key_env.c_str());
    if (!key || !*key) throw UsageError("--api-key-env " + o.api_key_env + ": that environment variable is not set");
    real.api_key = key;
    real.api_key_env = o.api_key_env;
    // Nothing this run starts (workers, sandboxes, the local server) inherits the key: the proxy holds it.
    ::unsetenv(o.api_key_env.c_str());
  }
  real.endpoint = o.endpoint;
  real.model = o.model;
  real.gguf = o.gguf;
  real.sampled = o.sampling == "sampled";
  if (!real.sampled && o.temperature && *o.temperature != 0)
    throw UsageError("--temperature with --sampling deterministic must be 0 (use --sampling sampled)");
  real.temperature = real.sampled ? o.temperature.value_or(0.7) : 0;
  // Its cost: from the user's price table or the shipped one (a local model's is its time).
  if (!local) real.price = find_price(load_prices(o.prices.empty() ? datasets::default_prices_file() : std::filesystem::path(o.prices)), o.model);
  return real;
}

int interrupted_status() { return kExitInterrupted + (stop_signal ? stop_signal : SIGINT); }

int run_suite(const Invocation& invocation, const Twins* twins, const Measure& measure) {
  auto& o = run_options();
  auto& plan = o.plan;
  if (const auto* stress_suite = stress::find_stress_suite(plan.suite)) {
    if (!o.endpoint.empty() || !o.model.empty())
      throw UsageError("the stress suites run the scripted model (their load is the point); run --suite " + plan.suite + " without a real model");
    return run_stress_suite(invocation, *stress_suite);
  }
  for (const char* flag : {"--duration", "--smoke", "--full-length", "--mode", "--arrival", "--rate", "--agents", "--max-agents", "--recovery-factor",
                           "--broker-port", "--engines", "--engine-agents"})
    if (invocation.app.get_option(flag)->count() > 0) {
      std::string names;
      for (const auto& s : stress::stress_suites()) names += (names.empty() ? "" : ", ") + s.name;
      throw std::invalid_argument(std::string(flag) + " applies to the stress suites (--suite " + names + "), not to '" + plan.suite + "'");
    }
  plan.real_model = real_model_plan(o);
  if (plan.real_model && plan.suite == "published")
    throw UsageError("--suite published compares against published figures taken with scripted models; run it without a real model");
  auto suite = datasets::find_suite(datasets::load_suites(), plan.suite);
  for (const auto& spec : o.python_adapters) adapters::add_python_adapter(spec);
  const bool systems_given = invocation.app.get_option("--systems")->count() > 0;
  plan.systems = split(o.systems);
  if (!systems_given)  // every registered system, in the registry's order
    for (const auto& a : adapters::adapter_registry()) plan.systems.push_back(a.name);
  if (twins) {
    if (!systems_given) plan.systems = {"native"};
    std::vector<std::string> doubled;
    for (const auto& s : plan.systems) {
      if (s.find('@') != std::string::npos) throw std::invalid_argument("--systems for ab and calibrate take plain names, got '" + s + "'");
      const auto names = twins->names(s);
      doubled.insert(doubled.end(), names.begin(), names.end());
    }
    plan.systems = doubled;
    o.builds.insert(o.builds.end(), twins->builds.begin(), twins->builds.end());
  }
  for (const auto& [label, dir] : parse_assignments(o.builds, "--build")) plan.builds[label] = dir;
  for (const auto& [label, dir] : parse_assignments(o.venvs, "--venvs")) plan.venvs[label] = dir;
  for (auto [system, us] : parse_assignments(o.delays, "--inject-delay")) {
    if (auto why = refuse_integer(us, 0, kMaxDelayUs); !why.empty())
      throw std::invalid_argument("--inject-delay " + system + ": microseconds " + why);
    plan.injected_delay_us[system] = std::stoll(us);
  }
  validate_systems(plan);
  const auto calibration = find_calibration(o.calibration_path);
  if (calibration) plan.noise_floor = calibration->describe();
  for (const auto& name : o.scenarios.empty() ? suite.scenarios : o.scenarios)
    plan.scenarios.push_back(datasets::resolve_scenario(name));
  plan.repetitions = o.repetitions.value_or(o.quick ? 3 : 10);
  // Its verdicts compare intervals, which one repetition a cell cannot give: refused before it measures.
  if (plan.suite == "published" && plan.repetitions < 2)
    throw UsageError("-n " + std::to_string(plan.repetitions) + ": --suite published compares 95% intervals, which need at least 2 repetitions a cell");
  plan.warmup = o.warmup.value_or(1);
  plan.params = parse_params(o.params);
  if (!o.sweep.empty()) plan.sweep = parse_sweep(o.sweep);
  // A run of chosen cells, or of twins, leaves out the suite's own sweep and concurrency parts.
  const bool own_cells = !o.scenarios.empty() || !o.sweep.empty() || invocation.app.get_option("--concurrency")->count() > 0 || twins;
  add_suite_parts(plan, suite, o.quick, own_cells, std::cerr);
  plan.latency = oracle::LatencyProfile::parse(o.latency);
  plan.faults = parse_faults(o.faults);
  plan.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.timeout_s * 1000));
  if (!o.otlp_endpoint.empty()) {
    check_otlp_endpoint(o.otlp_endpoint);  // refused before anything runs
    plan.trace = true;
  }
  // Runs that write their own documents (published figures, calibration) would measure traced and
  // keep no trace: they are not traced.
  if (plan.trace && (plan.suite == "published" || (twins && twins->folder == "calibration")))
    throw UsageError("--trace and --otlp-endpoint: " + std::string(plan.suite == "published" ? "the published suite" : "calibrate") +
                     " is not traced (a measured suite's run is; docs/tracing.md)");
  if (plan.out_dir.empty()) plan.out_dir = std::filesystem::path("results") / (twins ? twins->folder : plan.suite);
  if (!o.store.empty()) plan.store = o.store;
  plan.command = "legion-bench";
  plan.invocation = {{"cwd", std::filesystem::current_path().string()}, {"arguments", nlohmann::json::array()}};
  for (const auto& argument : invocation.arguments) {
    plan.command += " " + report::shell_quote(argument);
    plan.invocation["arguments"].push_back(argument);
  }
  if (o.dry_run) {
    check_plan(plan);  // every scenario loaded with the run's parameters, sweeps and levels, as the run would
    std::vector<std::string> scenarios;
    for (const auto& s : plan.scenarios) scenarios.push_back(s.stem().string());
    std::cout << "Would run the " << plan.suite << " suite on " << join(plan.systems) << " (" << plan.repetitions << " repetitions after "
              << plan.warmup << " warm-up, latency " << plan.latency.name << ") into " << plan.out_dir.string() << ": " << join(scenarios)
              << (plan.sweep || !plan.sweep_parts.empty() || !plan.concurrency_parts.empty() ? ", with sweeps or concurrency levels" : "") << "\n";
    return kExitOk;
  }
  stop_cleanly_on_signals();
  return with_live_metrics([&] { return measure(plan, calibration); });
}

Measured measure_and_publish(Plan& plan) {
  // The runner measures; the statistics summarise; the reporters publish.
  auto results = Runner(plan, std::cerr, !run_options().quiet).run();
  report::summarize_run(results);
  auto artifacts = report::write_artifacts(plan.out_dir, results);
  std::cout << "\n";
  report::write_terminal_table(std::cout, results);
  std::cout << "\n";
  report::print_artifacts(std::cout, std::cerr, artifacts, plan.out_dir);
  if (const auto& endpoint = run_options().otlp_endpoint; !endpoint.empty()) {
    const auto sent = send_traces(endpoint, results);
    std::cout << "Sent " << sent.accepted << " of " << sent.requests << " traced records to " << report::printable(sent.url) << "\n";
    for (const auto& why : sent.refusals) std::cerr << "OTLP export: " << report::printable(why) << "\n";
    if (sent.accepted < sent.requests) artifacts.missing.push_back({"OTLP export", sent.refusals.empty() ? "refused" : sent.refusals.front()});
  }
  return {std::move(results), std::move(artifacts)};
}

Command run_command() {
  return {"", "", add_run_options, [](const Invocation& invocation) {
            return run_suite(invocation, nullptr, [](Plan& plan, const std::optional<report::Calibration>&) {
              if (plan.suite == "published") return run_published_suite({plan, run_options().quick, !run_options().quiet, "all"}, std::cerr);
              const auto [results, artifacts] = measure_and_publish(plan);
              if (results.context.interrupted) return interrupted_status();
              return run_exit_status(results, artifacts);
            });
          },
          true};
}

}  // namespace legion::bench::commands
