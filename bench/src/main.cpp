// legion-bench: run a suite (the default), list what exists, serve the oracle standalone, or act as
// a worker process for the runner. Errors in configuration or scenario files are reported here,
// with their location, and mapped to exit status 2 (the table is in exit_status.hpp).
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <iostream>
#include <limits>
#include <mutex>
#include <optional>

#include "legion/adapters/adapter.hpp"
#include "legion/datasets/published.hpp"
#include "legion/datasets/suites.hpp"
#include "legion/oracle/server.hpp"
#include "legion/report/analysis.hpp"
#include "legion/report/compare.hpp"
#include "legion/report/escape.hpp"
#include "legion/stats/descriptive.hpp"
#include "checks.hpp"
#include "exit_status.hpp"
#include "recovery.hpp"
#include "runner.hpp"
#include "zero_io.hpp"
#include "published_suite.hpp"
#include "suite_parts.hpp"
#include "legion/report/calibration.hpp"
#include "legion/stats/planning.hpp"
#include "store.hpp"
#include "stress/scalability.hpp"
#include "stress/suites.hpp"
#include "worker.hpp"

namespace {

using namespace legion;

std::map<std::string, std::int64_t> parse_params(const std::vector<std::string>& items) {
  std::map<std::string, std::int64_t> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("--param expects NAME=INTEGER, got '" + item + "'");
    try {
      std::size_t used = 0;
      out[item.substr(0, eq)] = std::stoll(item.substr(eq + 1), &used);
      if (used != item.size() - eq - 1) throw std::invalid_argument(item);
    } catch (const std::logic_error&) {
      throw std::invalid_argument("--param expects NAME=INTEGER, got '" + item + "'");
    }
  }
  return out;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

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

// --calibration PATH (a calibrate folder, its calibration.json, or a store), else the default
// place `legion-bench calibrate` writes to, else none.
std::optional<report::Calibration> find_calibration(const std::string& path) {
  if (path == "none") return std::nullopt;
  std::filesystem::path where = path;
  if (where.empty()) {
    auto fallback = report::default_calibration();
    if (!fallback) return std::nullopt;
    where = *fallback;
  }
  if (where.extension() == ".sqlite") {
    auto saved = bench::Store(where).latest_calibration();
    if (!saved) throw std::invalid_argument("no calibration in " + where.string());
    return report::calibration_from_json(*saved);
  }
  return report::load_calibration(where);
}

// Validators of numeric options (bench/src/checks.hpp): CLI11 puts the flag before the message,
// which states the accepted range. (CLI11's own Range lets NaN through and its PositiveNumber
// prints the largest double.) The integer ones are attached with transform(), the way CLI11 keeps
// the plain decimal they write back.
CLI::Validator integer_in(std::int64_t low, std::int64_t high) {
  return {[=](std::string& text) { return bench::refuse_integer(text, low, high); }, std::to_string(low) + "-" + std::to_string(high)};
}
const CLI::Validator any_seed([](std::string& text) { return bench::refuse_seed(text); }, "0-2^64-1");
CLI::Validator number_in(const bench::NumberRange& range) {
  return {[=](std::string& text) { return bench::refuse_number(text, range); }, range.describe()};
}
constexpr double kUnbounded = std::numeric_limits<double>::infinity();
constexpr std::int64_t kMaxRepetitions = 1'000'000, kMaxAgents = 100'000, kMaxDelayUs = 60'000'000;
// A significance level: from 1e-6 (plan divides it among a table's cells, and near 1e-16 the t
// quantiles it needs stop being representable) to below 0.5 (from there the (1 - 2 alpha) interval
// of an equivalence test is empty).
const bench::NumberRange kAlpha{1e-6, 0.5, false, true};

volatile std::sig_atomic_t stop_signal = 0;

void on_interrupt(int signal) {
  bench::interrupt_flag() = true;
  stop_signal = signal;
  ::signal(signal, SIG_DFL);  // a second Ctrl-C (or SIGTERM) stops at once
}

// A run for `compare`: a run folder, a results.json, or a store entry written FILE.sqlite:RUN_ID.
report::RunResults load_run_argument(const std::string& argument) {
  auto at = argument.find(".sqlite:");
  if (at == std::string::npos) return report::load_run(argument);
  const auto file = argument.substr(0, at + 7), run_id = argument.substr(at + 8);
  bench::Store store(file);
  report::RunResults results;
  bool found = false;
  for (const auto& context : store.runs())
    if (context.run_id == run_id) results.context = context, found = true;
  if (!found) throw std::invalid_argument("no run '" + run_id + "' in " + file);
  results.records = store.records(run_id);
  report::summarize_run(results);
  return results;
}

int list_command() {
  std::cout << "Suites:\n";
  for (const auto& s : datasets::load_suites()) {
    std::cout << "  " << s.name << " — " << s.description << "\n    scenarios:";
    for (const auto& n : s.scenarios) std::cout << " " << n;
    std::cout << "\n";
    for (const auto& p : s.sweeps) {
      std::cout << "    sweep: " << p.scenario << " " << p.sweep.param << "=";
      for (std::size_t i = 0; i < p.sweep.values.size(); ++i) std::cout << (i ? "," : "") << p.sweep.values[i];
      std::cout << "\n";
    }
    for (const auto& p : s.concurrency) {
      std::cout << "    concurrency: " << p.scenario << " at";
      for (const auto level : p.levels) std::cout << " " << level;
      std::cout << "\n";
    }
  }
  for (const auto& [name, description] : bench::stress::stress_suites())
    std::cout << "  " << name << " — stress suite: " << description << "\n";
  std::cout << "\nScenarios (" << datasets::default_scenario_dir().string() << "):\n";
  for (const auto& file : datasets::scenario_files(datasets::default_scenario_dir())) {
    auto spec = datasets::load_scenario(file);
    std::cout << "  " << std::left << std::setw(26) << spec.name << std::setw(14) << core::to_string(spec.pattern)
              << spec.agents.size() << " agents";
    if (!spec.params.empty()) {
      std::cout << "  params:";
      for (const auto& [k, v] : spec.params) std::cout << " " << k << "=" << v;
    }
    std::cout << "\n    " << spec.description << "\n";
  }
  std::cout << "\nPublished figures (datasets/published, docs/reproducing.md):\n";
  for (const auto& f : datasets::load_published())
    std::cout << "  " << std::left << std::setw(44) << f.id << f.value_text << " " << f.unit << "  — " << f.source.title << "\n";
  std::cout << "\nSystems:\n";
  for (const auto& a : adapters::adapter_registry())
    std::cout << "  " << std::left << std::setw(12) << a.name << a.description << " (dialect " << a.dialect << ")\n";
  std::cout << "\nReports (legion-bench report DIR --format NAME|FORMAT,...):\n";
  for (const auto& r : report::reporters())
    std::cout << "  " << std::left << std::setw(16) << r->name() << std::setw(6) << r->format() << std::setw(22) << r->file_name()
              << r->description() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"legion-bench: multi-agent framework benchmarks against a scripted model server"};
  app.require_subcommand(0, 1);

  // The default action: run a suite.
  bench::Plan plan;
  std::string systems, latency = "zero", faults, store;
  std::vector<std::string> scenarios, params, python_adapters;
  bool quick = false, quiet = false;
  std::optional<int> repetitions, warmup;  // not given: the defaults below
  double timeout_s = 120;
  app.add_option("--suite", plan.suite, "Suite to run (see `legion-bench list`)")->capture_default_str();
  app.add_option("--systems", systems, "Comma-separated systems (default: every system in datasets/systems.yaml)");
  app.add_option("--adapter", python_adapters,
                 "Add a system written in Python: NAME=FILE.py[,venv=DIR][,dialect=NAME] (see docs/adapters.md); repeatable");
  app.add_option("--scenario", scenarios, "Only these scenarios of the suite (name or file); repeatable");
  app.add_option("--out", plan.out_dir, "Folder for results.json, BENCHMARK_RESULTS.md and logs");
  app.add_option_function<int>(
         "-n,--repetitions", [&](int n) { repetitions = n; }, "Measured repetitions per scenario and system (default 10; 3 with --quick)")
      ->transform(integer_in(1, kMaxRepetitions));
  app.add_option_function<int>(
         "--warmup", [&](int n) { warmup = n; }, "Warm-up runs per scenario and system, recorded but not summarised (default 1)")
      ->transform(integer_in(0, kMaxRepetitions));
  app.add_flag("--quick", quick, "A small run, for tests and smoke checks");
  app.add_option("--target-ci", plan.target_relative_ci,
                 "Adaptive repetitions: repeat each cell until its 95% interval is within this share of the mean (e.g. 0.02)")
      ->check(number_in({0, 1, true}));
  app.add_option("--max-repetitions", plan.max_repetitions, "Cap for adaptive repetitions")
      ->capture_default_str()
      ->transform(integer_in(1, kMaxRepetitions));
  app.add_option("--latency", latency, "Latency profile: zero, realistic, or ttft=MS,tps=N")->capture_default_str();
  app.add_option("--faults", faults, "Fault injection, e.g. rate=0.05,kinds=http_429+http_500,seed=7");
  app.add_option("--seed", plan.seed, "Seed of the planted values")->capture_default_str()->transform(any_seed);
  app.add_option("--param", params, "Scenario parameter NAME=INTEGER, for scenarios that declare it; repeatable");
  std::string sweep;
  app.add_option("--sweep", sweep,
                 "Run each scenario that declares a parameter at several values: NAME=A..B[:STEP] or NAME=a,b,c; the "
                 "report fits each metric's growth per unit of it");
  app.add_option("--concurrency", plan.concurrency, "Concurrent copies of each task per record")->transform(integer_in(1, 10000));
  app.add_option("--timeout", timeout_s, "Seconds a task may take before its worker is killed")
      ->capture_default_str()
      ->check(number_in({0.001, 7 * 86400.0}));
  app.add_flag("--stream", plan.stream, "Systems request streamed (SSE) responses");
  app.add_option("--max-retries", plan.max_retries, "Client retries on 429/5xx (native engine)")->transform(integer_in(0, 100));
  app.add_option("--store", store, "SQLite results store (default OUT/results.sqlite)");
  std::string resume;
  app.add_option("--resume", resume, "Continue the interrupted run in this folder (its store), with the options it was started with");
  app.add_flag("-q,--quiet", quiet, "No progress lines");
  std::vector<std::string> builds, venvs, delays;
  std::string calibration_path;
  app.add_option("--build", builds, "LABEL=DIR: systems written NAME@LABEL run from that build folder (or installed prefix); repeatable");
  app.add_option("--venvs", venvs, "LABEL=DIR: systems written NAME@LABEL use the framework environments in DIR; repeatable");
  app.add_option("--inject-delay", delays,
                 "SYSTEM=MICROSECONDS: test-only slowdown per model call of a native system, flagged in every report; repeatable");
  app.add_flag("--pin-cpus", plan.pin_cpus, "Pin the runner and model server to CPU 0 and the workers to the other CPUs");
  app.add_option("--calibration", calibration_path,
                 "Noise floors from legion-bench calibrate: its folder, calibration.json or store (default "
                 "results/calibration/ when present; 'none' for no floor)");

  // The stress suites (--suite load|spike|endurance; docs/stress.md).
  bench::stress::StressOptions stress;
  const std::string stress_group = "Stress suites (--suite load|spike|endurance)";
  app.add_option_function<double>(
         "--duration", [&](double s) { stress.duration_s = s; },
         "Seconds: load, the longest level (the others in the seeds' 5:15:30:60; 3600 = the seeds' minutes); spike, the whole "
         "spike (default 70); endurance, the run (default 60, at most 86400)")
      ->check(number_in({0, bench::stress::kMaxDurationS, true}))
      ->group(stress_group);
  app.add_flag("--smoke", stress.smoke, "A seconds-long run of the stress suite, task counts / 100 (CI)")->group(stress_group);
  app.add_option("--mode", stress.mode, "open (arrivals on a schedule, latency from the intended start) or closed")
      ->capture_default_str()->group(stress_group);
  app.add_option("--arrival", stress.arrival, "Open-loop arrivals: constant or poisson")->capture_default_str()->group(stress_group);
  app.add_option_function<double>("--rate", [&](double r) { stress.rate = r; }, "Endurance: tasks per second (default 100)")
      ->check(number_in({0, bench::stress::kMaxRate, true}))
      ->group(stress_group);
  app.add_option_function<int>("--agents", [&](int n) { stress.agents = n; }, "Endurance: concurrent agents (default 20)")
      ->transform(integer_in(1, kMaxAgents))
      ->group(stress_group);
  app.add_option("--max-agents", stress.max_agents, "The configured limit: a suite needing more agents is refused")
      ->capture_default_str()->transform(integer_in(1, kMaxAgents))->group(stress_group);
  app.add_option("--broker-port", stress.broker_port, "Scalability: redis-server's port on 127.0.0.1 (0: a free one; one in use is refused)")
      ->capture_default_str()->transform(integer_in(0, 65535))->group(stress_group);
  app.add_option("--engines", stress.max_engines, "Scalability: engine processes from 1 to this")
      ->capture_default_str()->transform(integer_in(1, bench::stress::kMaxEngines))->group(stress_group);
  app.add_option("--engine-agents", stress.engine_agents, "Scalability: agents per engine process")
      ->capture_default_str()->transform(integer_in(1, kMaxAgents))->group(stress_group);
  app.add_option("--recovery-factor", stress.recovery_factor, "Spike: recovered when p99 is back within this factor of the baseline's")
      ->capture_default_str()->check(number_in({1, 1000, true}))->group(stress_group);

  auto* list = app.add_subcommand("list", "List suites, scenarios and systems");

  auto* oracle_cmd = app.add_subcommand("oracle", "Serve the scripted model server for one scenario until interrupted");
  std::string oracle_scenario, oracle_dialect = "native", oracle_latency = "zero", oracle_faults;
  std::vector<std::string> oracle_params;
  int oracle_port = 0;
  std::uint64_t oracle_seed = 1;
  oracle_cmd->add_option("--scenario", oracle_scenario, "Scenario name or file")->required();
  oracle_cmd->add_option("--dialect", oracle_dialect, "How the client expresses delegation and speaker selection")->capture_default_str();
  oracle_cmd->add_option("--port", oracle_port, "Port on 127.0.0.1 (0: a free one)")->capture_default_str()->transform(integer_in(0, 65535));
  oracle_cmd->add_option("--latency", oracle_latency, "Latency profile")->capture_default_str();
  oracle_cmd->add_option("--faults", oracle_faults, "Fault injection plan");
  oracle_cmd->add_option("--seed", oracle_seed, "Seed of the planted values")->capture_default_str()->transform(any_seed);
  oracle_cmd->add_option("--param", oracle_params, "Scenario parameter NAME=INTEGER; repeatable");
  oracle::Oracle::Options oracle_options;
  oracle_cmd->add_option("--max-connections", oracle_options.max_connections,
                         "Connections open at once; beyond them a connection gets HTTP 503")
      ->capture_default_str()
      ->transform(integer_in(1, 1000000));
  oracle_cmd->add_option("--io-threads", oracle_options.io_threads, "I/O threads, each with its own event loop (0: one per core, at most 2)")
      ->capture_default_str()
      ->transform(integer_in(0, 64));
  int keep_alive_s = static_cast<int>(oracle_options.keep_alive_timeout.count());
  oracle_cmd->add_option("--keep-alive", keep_alive_s, "Seconds an idle keep-alive connection stays open")
      ->capture_default_str()
      ->transform(integer_in(1, 3600));
  // Slow clients cannot hold a slot: a request must arrive within these deadlines.
  int header_timeout_s = static_cast<int>(oracle_options.header_timeout.count() / 1000);
  int body_timeout_s = static_cast<int>(oracle_options.body_timeout.count() / 1000);
  oracle_cmd->add_option("--header-timeout", header_timeout_s, "Seconds from a request's first byte to the end of its header")
      ->capture_default_str()
      ->transform(integer_in(1, 3600));
  oracle_cmd->add_option("--body-timeout", body_timeout_s, "Seconds from a request's header to the end of its body")
      ->capture_default_str()
      ->transform(integer_in(1, 3600));

  auto* analyze_cmd = app.add_subcommand("analyze", "Statistics on files of numbers: each later file against the first");
  std::vector<std::string> analyze_files;
  std::string trend_file;
  bool analyze_json = false;
  report::AnalysisOptions analysis;
  analyze_cmd->add_option("files", analyze_files, "Files with one number per line ('#' comments)");
  analyze_cmd->add_option("--trend", trend_file, "Theil-Sen slope and Mann-Kendall test of one file over time");
  analyze_cmd->add_flag("--json", analyze_json, "Print one JSON object");
  analyze_cmd->add_option("--alpha", analysis.alpha, "Significance level after Holm correction")->capture_default_str()->check(number_in(kAlpha));
  analyze_cmd->add_option("--level", analysis.level, "Confidence level of the intervals")
      ->capture_default_str()
      ->check(number_in({0.5, 0.999999}));
  analyze_cmd->add_option("--seed", analysis.seed, "Bootstrap seed")->capture_default_str()->transform(any_seed);
  analyze_cmd->add_option("--resamples", analysis.resamples, "Bootstrap resamples")->capture_default_str()->transform(integer_in(1, 1000000));
  analyze_cmd->add_option("--correction", analysis.correction, "Adjustment across comparisons: holm or bh")->capture_default_str();
  analyze_cmd->add_option_function<double>(
                 "--margin", [&](double m) { analysis.margin = m; }, "Equivalence margin (TOST), in the data's units")
      ->check(number_in({0, kUnbounded, true}));

  auto* report_cmd = app.add_subcommand(
      "report",
      "Regenerate a run's reports from its results.json (or its store, when the run was killed), without running anything; "
      "with several run folders, one combined report across them (--out)");
  std::vector<std::string> report_dirs;
  std::string report_formats = "all", report_out;
  report_cmd->add_option("dir", report_dirs,
                         "Run folder(s) (holding results.json and results.sqlite); for a combined report also folders "
                         "written by zero-io (zero_io.json) or --suite published (published_comparison.json), shown under "
                         "Published numbers")
      ->required();
  report_cmd->add_option("--out", report_out,
                         "Folder for the combined report of several runs (BENCHMARK_REPORT.md, report.html, report.pdf)");
  report_cmd->add_option("--format", report_formats,
                         "Which reports: a comma-separated list of formats (md, csv, json, html, pdf) or reporter names "
                         "(see `legion-bench list`)")
      ->capture_default_str();

  auto* compare_cmd = app.add_subcommand(
      "compare", "Compare runs: OLD NEW (one run a side), --old R.. --new R.. (several), or RUN (two versions interleaved in it)");
  std::string compare_format = "table";
  std::vector<std::string> compare_positional, compare_old, compare_new;
  report::CompareOptions comparing;
  bool fail_on_regression = false;
  compare_cmd->add_option("runs", compare_positional,
                          "OLD NEW, or one run holding NAME@A and NAME@B: run folders, results.json files or store entries FILE.sqlite:RUN_ID")
      ->expected(0, 2);
  compare_cmd->add_option("--old", compare_old, "Several baseline runs (the run is then the unit of the comparison)")->expected(1, -1);
  compare_cmd->add_option("--new", compare_new, "Several runs to compare with them")->expected(1, -1);
  auto add_verdict_options = [&](CLI::App* cmd) {
    cmd->add_option("--format", compare_format, "table, markdown or json")->capture_default_str();
    cmd->add_option("--metric", comparing.metric, "wall, overhead or cpu")->capture_default_str();
    cmd->add_option("--alpha", comparing.alpha, "Significance level after Holm's correction")->capture_default_str()->check(number_in(kAlpha));
    cmd->add_option("--threshold", comparing.threshold, "Smallest relative change to call, e.g. 0.05")
        ->capture_default_str()
        ->check(number_in({0, 10}));
    cmd->add_option_function<double>("--margin", [&](double m) { comparing.margin = m; }, "Relative equivalence margin, e.g. 0.05")
        ->check(number_in({0, 1, true, true}));
    cmd->add_flag("--fail-on-regression", fail_on_regression, "Exit with status 1 when a cell got slower");
  };
  add_verdict_options(compare_cmd);
  compare_cmd->add_option("--calibration", calibration_path, "Noise floors (see the run option of that name)");

  auto* ab_cmd = app.add_subcommand(
      "ab", "Run two builds interleaved repetition by repetition in one run and compare them (the way to check a change)");
  std::string ab_old, ab_new;
  ab_cmd->add_option("old", ab_old, "The baseline build folder (or installed prefix, or legion-bench executable)")->required();
  ab_cmd->add_option("new", ab_new, "The build to compare with it")->required();
  add_verdict_options(ab_cmd);
  ab_cmd->fallthrough();  // run options (--systems, -n, --scenario, ...) after `ab` belong to the run

  auto* calibrate_cmd = app.add_subcommand(
      "calibrate", "Run one configuration several times, each system beside a twin of itself, and measure this machine's drift");
  int calibration_runs = 6;
  calibrate_cmd->add_option("--runs", calibration_runs, "Separate runs (at least 3)")->capture_default_str()->transform(integer_in(3, 1000));
  calibrate_cmd->fallthrough();

  auto* plan_cmd = app.add_subcommand("plan", "How many repetitions and runs a comparison needs to find a given change");
  double plan_change = 0.10, plan_power = 0.95, plan_alpha = 0.05;
  plan_cmd->add_option("--change", plan_change, "The relative change to detect, e.g. 0.1 for 10% (at most 10: 1000%)")
      ->capture_default_str()
      ->check(number_in({0, 10, true}));
  plan_cmd->add_option("--power", plan_power, "Probability of finding it")->capture_default_str()->check(number_in({0, 1, true, true}));
  plan_cmd->add_option("--alpha", plan_alpha, "Significance level for the whole table (Bonferroni across its cells)")
      ->capture_default_str()
      ->check(number_in(kAlpha));
  plan_cmd->add_option("--calibration", calibration_path, "The calibration to plan from (default results/calibration/)");

  auto* zero_io_cmd = app.add_subcommand(
      "zero-io", "Engine overhead with no model and no I/O (the NeoGraph benchmark's seq and par graphs) beside the published figures");
  bench::ZeroIoOptions zero_io;
  std::string zero_io_systems = "native,langchain,crewai,autogen", zero_io_out;
  zero_io_cmd->add_option("--systems", zero_io_systems, "Comma-separated systems")->capture_default_str();
  zero_io_cmd->add_option("--rounds", zero_io.rounds, "Processes per system, in rotated order")->capture_default_str()->transform(integer_in(1, 1000));
  zero_io_cmd->add_option("--batches", zero_io.batches, "Timed batches of each workload per process")
      ->capture_default_str()
      ->transform(integer_in(1, 1000));
  zero_io_cmd->add_option("--iterations", zero_io.iterations, "Invocations per batch, Python systems")
      ->capture_default_str()
      ->transform(integer_in(1, 10'000'000));
  zero_io_cmd->add_option("--native-iterations", zero_io.native_iterations, "Invocations per batch, native engine")
      ->capture_default_str()
      ->transform(integer_in(1, 1'000'000'000));
  zero_io_cmd->add_option("--out", zero_io_out, "Folder for ZERO_IO.md and zero_io.json");

  auto* engine_cmd = app.add_subcommand("stress-engine", "Internal: an engine process consuming tasks from the broker");
  engine_cmd->group("");
  bench::stress::EngineOptions engine_options;
  engine_cmd->add_option("--redis-host", engine_options.redis_host, "The broker's IPv4 address (default 127.0.0.1)");
  engine_cmd->add_option("--redis-port", engine_options.redis_port)->required()->transform(integer_in(1, 65535));
  engine_cmd->add_option("--base-url", engine_options.base_url)->required();
  engine_cmd->add_option("--consumer", engine_options.consumer)->required();
  engine_cmd->add_option("--agents", engine_options.agents)->transform(integer_in(1, kMaxAgents));
  engine_cmd->add_option("--scenario", engine_options.scenario);
  engine_cmd->add_option("--seed", engine_options.seed)->transform(any_seed);

  auto* worker_cmd = app.add_subcommand("worker", "Internal: a worker process for the runner");
  worker_cmd->group("");
  std::string worker_system, worker_adapter;
  adapters::AdapterConfig worker_config;
  worker_cmd->add_option("--system", worker_system)->required();
  worker_cmd->add_option("--adapter", worker_adapter);
  worker_cmd->add_option("--base-url", worker_config.base_url)->required();
  worker_cmd->add_option("--max-retries", worker_config.max_retries)->transform(integer_in(0, 100));
  worker_cmd->add_flag("--stream", worker_config.stream);
  std::int64_t worker_delay_us = 0;
  worker_cmd->add_option("--inject-delay-us", worker_delay_us)->transform(integer_in(0, kMaxDelayUs));

  spdlog::set_level(spdlog::level::warn);
  try {
    try {
      app.parse(argc, argv);
      // --resume runs the stored command line again, from the folder it was started in.
      if (!resume.empty()) {
        const auto invocation = bench::invocation_to_resume(store.empty() ? std::filesystem::path(resume) / "results.sqlite"
                                                                          : std::filesystem::absolute(store));
        auto arguments = invocation["arguments"].get<std::vector<std::string>>();
        std::filesystem::current_path(invocation["cwd"].get<std::string>());
        std::reverse(arguments.begin(), arguments.end());  // CLI11 takes them last first
        app.clear();
        app.parse(arguments);
        plan.resume = true;
      }
    } catch (const CLI::ParseError& e) {
      const int status = app.exit(e);  // prints help, or the error with a hint
      return status == 0 ? bench::kExitOk : bench::kExitUsage;
    }
    if (*worker_cmd) {
      if (!worker_adapter.empty()) adapters::add_python_adapter(worker_adapter);
      worker_config.injected_delay = std::chrono::microseconds(worker_delay_us);
      return bench::worker_main(worker_system, worker_config);
    }
    if (*engine_cmd) return bench::stress::engine_main(engine_options);
    if (*list) return list_command();
    if (*report_cmd) {
      const auto selected = report::select_reporters(report_formats);
      if (report_dirs.size() > 1 || !report_out.empty()) {
        if (report_out.empty()) throw std::invalid_argument("several run folders make one combined report: name its folder with --out");
        bench::check_distinct_folders(report_dirs);  // a run given twice would count twice in every table and test
        if (int status = 0; bench::stress::publish_stress_combined(report_dirs, report_out, status)) return status;
        std::vector<report::RunResults> runs;
        std::vector<report::PublishedComparison> published;
        std::map<std::string, std::string> folder_of_run;  // run id -> the folder given for it
        for (const auto& dir : report_dirs) {
          // A folder of published-figure verdicts (legion-bench zero-io, or --suite published), or a run's.
          auto verdicts = std::filesystem::path(dir) / "zero_io.json";
          if (!std::filesystem::exists(verdicts)) verdicts = std::filesystem::path(dir) / "published_comparison.json";
          if (std::filesystem::exists(verdicts) && !std::filesystem::exists(std::filesystem::path(dir) / "results.json")) {
            std::ifstream in(verdicts);
            try {
              const auto j = nlohmann::json::parse(in);
              published.push_back(report::published_comparison_from_json(j.contains("comparison") ? j.at("comparison") : j));
            } catch (const std::exception& e) {
              throw std::invalid_argument(verdicts.string() + ": " + e.what());
            }
            continue;
          }
          runs.push_back(bench::results_to_publish(dir, std::cerr));
          // A copy of a run's folder holds the same run.
          const auto& run_id = runs.back().context.run_id;
          if (auto [at, added] = folder_of_run.emplace(run_id, dir); !added && !run_id.empty())
            throw bench::UsageError("report: '" + at->second + "' and '" + dir + "' hold the same run (" + run_id + "); give each run once");
        }
        auto artifacts = report::write_combined_artifacts(report_out, runs, published, report_formats);
        std::cout << "Combined report of " << runs.size() << " run(s) and " << published.size() << " comparison(s) with published figures. ";
        report::print_artifacts(std::cout, std::cerr, artifacts, report_out);
        return artifacts.complete() ? bench::kExitOk : bench::kExitFailed;
      }
      const auto& report_dir = report_dirs.front();
      if (!std::filesystem::exists(std::filesystem::path(report_dir) / "results.json")) {
        int status = 0;
        if (bench::stress::publish_stress(report_dir, status)) return status;
      }
      auto results = bench::results_to_publish(report_dir, std::cerr);
      auto artifacts = report::write_artifacts(report_dir, results, selected);
      report::write_terminal_table(std::cout, results);
      std::cout << "\n" << results.records.size() << " records" << (results.context.interrupted ? " (interrupted run)" : "") << ". ";
      report::print_artifacts(std::cout, std::cerr, artifacts, report_dir);
      return artifacts.complete() ? bench::kExitOk : bench::kExitFailed;
    }
    auto print_comparison = [&](const report::RunComparison& result) {
      if (compare_format == "json") std::cout << report::to_json(result).dump(2) << std::endl;
      else if (compare_format == "markdown") report::write_comparison_markdown(std::cout, result);
      else report::write_comparison_table(std::cout, result);
    };
    if (compare_format != "json" && compare_format != "markdown" && compare_format != "table")
      throw std::invalid_argument("unknown --format '" + compare_format + "' (expected table, markdown or json)");
    if (*compare_cmd) {
      comparing.calibration = find_calibration(calibration_path);
      report::RunComparison result;
      if (!compare_old.empty() || !compare_new.empty()) {
        if (!compare_positional.empty()) throw std::invalid_argument("compare: give runs either as OLD NEW or with --old/--new");
        std::vector<report::RunResults> before, after;
        for (const auto& r : compare_old) before.push_back(load_run_argument(r));
        for (const auto& r : compare_new) after.push_back(load_run_argument(r));
        result = report::compare_runs(before, after, comparing);
      } else if (compare_positional.size() == 2) {
        result = report::compare_runs(load_run_argument(compare_positional[0]), load_run_argument(compare_positional[1]), comparing);
      } else if (compare_positional.size() == 1) {
        result = report::compare_interleaved(load_run_argument(compare_positional[0]), comparing);
      } else {
        throw std::invalid_argument("compare needs runs: OLD NEW, --old ... --new ..., or one interleaved run");
      }
      print_comparison(result);
      return fail_on_regression && result.regression() ? 1 : 0;
    }
    if (*zero_io_cmd) {
      std::istringstream names(zero_io_systems);
      for (std::string s; std::getline(names, s, ',');)
        if (!s.empty()) zero_io.systems.push_back(s);
      zero_io.out = zero_io_out;
      return bench::zero_io_command(zero_io);
    }
    if (*plan_cmd) {
      auto calibration = find_calibration(calibration_path);
      if (!calibration) throw std::invalid_argument("plan needs a calibration: run legion-bench calibrate first (or give --calibration)");
      const double effect = std::log1p(plan_change);
      const double alpha = plan_alpha / static_cast<double>(calibration->cells.size());
      std::cout << "To find a change of " << plan_change * 100 << "% with power " << plan_power << " at alpha " << plan_alpha
                << " across " << calibration->cells.size() << " cells (Bonferroni: " << alpha << " each); "
                << calibration->describe() << ":\n\n"
                << std::left << std::setw(26) << "scenario" << std::setw(12) << "system" << std::setw(34)
                << "interleaved (legion-bench ab)" << std::setw(36) << "separate runs (compare --old --new)"
                << "one run a side\n";
      // A count beyond the planner's search (10 million) is that cell's answer, not the end of the table.
      auto counted = [](const auto& search, const std::string& unit, const std::string& detail = "") {
        try {
          return std::to_string(search()) + " " + unit + detail;
        } catch (const std::invalid_argument&) {
          return "more than 10 million " + unit;
        }
      };
      for (const auto& cell : calibration->cells) {
        std::string paired = "2 repetitions", runs = "2 runs a side";
        if (cell.within_run_floor >= plan_change) paired = "below the within-run floor";
        else if (cell.sigma_pair > 0)
          paired = counted([&] { return stats::pairs_for_power(effect / cell.sigma_pair, plan_power, alpha); }, "repetitions");
        if (cell.sigma_run > 0)
          runs = counted([&] { return stats::repetitions_for_power(effect / cell.sigma_run, plan_power, alpha); }, "runs a side",
                         " of " + std::to_string(static_cast<int>(cell.repetitions)) + " reps");
        std::string single = cell.between_runs_floor >= plan_change ? "cannot: drift ±" +
                                                                          std::to_string(static_cast<int>(std::lround(cell.between_runs_floor * 100))) + "%"
                                                                    : "can, when the change is real";
        std::cout << std::left << std::setw(26) << cell.scenario << std::setw(12) << cell.system << std::setw(34) << paired
                  << std::setw(36) << runs << single << "\n";
      }
      return 0;
    }
    if (*analyze_cmd) {
      if (!trend_file.empty()) {
        auto trend = report::trend_json(report::read_sample_file(trend_file), analysis.level);
        if (analyze_json) {
          std::cout << trend.dump(2) << std::endl;
        } else {
          const auto& t = trend["theil_sen"];
          const auto& k = trend["kendall"];
          std::cout << report::printable(trend_file) << ": n = " << trend["n"] << ", Theil-Sen slope " << t["slope"].get<double>() << " per line ["
                    << t["low"].get<double>() << ", " << t["high"].get<double>() << "], Mann-Kendall tau "
                    << k["tau"].get<double>() << ", p = " << k["p_value"].get<double>() << std::endl;
        }
        return 0;
      }
      if (analyze_files.empty()) throw std::invalid_argument("analyze needs at least one file (or --trend FILE)");
      std::vector<report::NamedSample> samples;
      for (const auto& f : analyze_files) samples.push_back(report::read_sample_file(f));
      auto result = report::analyze(samples, analysis);
      if (analyze_json) std::cout << report::to_json(result).dump(2) << std::endl;
      else report::write_analysis_table(std::cout, result);
      return 0;
    }
    if (*oracle_cmd) {
      datasets::LoadOptions load{parse_params(oracle_params), oracle_seed};
      auto spec = std::make_shared<const datasets::ScenarioSpec>(datasets::load_scenario(datasets::resolve_scenario(oracle_scenario), load));
      oracle_options.port = oracle_port;
      oracle_options.latency = oracle::LatencyProfile::parse(oracle_latency);
      oracle_options.faults = bench::parse_faults(oracle_faults);
      oracle_options.keep_alive_timeout = std::chrono::seconds(keep_alive_s);
      oracle_options.header_timeout = std::chrono::seconds(header_timeout_s);
      oracle_options.body_timeout = std::chrono::seconds(body_timeout_s);
      // The script (and the tokenizer it loads) is ready before the first connection is accepted.
      oracle_options.script = std::make_shared<oracle::ScriptPolicy>(spec, datasets::dialect_named(oracle_dialect));
      oracle::Oracle oracle(oracle_options);
      std::cout << "legion oracle serving scenario '" << spec->name << "' (dialect " << oracle_dialect << ") at "
                << oracle.base_url() << "\nmodel: " << oracle.model() << "; " << oracle.io_threads() << " I/O threads; up to "
                << oracle.max_connections() << " connections at once (more get HTTP 503), idle keep-alive connections closed after "
                << keep_alive_s << " s; Ctrl-C to stop" << std::endl;
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGINT);
      sigaddset(&set, SIGTERM);
      pthread_sigmask(SIG_BLOCK, &set, nullptr);
      int sig = 0;
      sigwait(&set, &sig);
      const auto t = oracle.totals();
      std::cout << "served " << t.requests << " requests (" << t.errors << " errors, " << t.faults << " injected faults), "
                << t.prompt_tokens << " prompt and " << t.completion_tokens << " completion tokens" << std::endl;
      if (t.requests > 0)
        std::cout << "service time: median " << static_cast<double>(oracle.service_quantile_ns(0.5)) / 1e3 << " us, p99 "
                  << static_cast<double>(oracle.service_quantile_ns(0.99)) / 1e3 << " us (histogram, within 1.6%)" << std::endl;
      return 0;
    }

    if (bench::stress::is_stress_suite(plan.suite)) {
      for (const auto& spec : python_adapters) adapters::add_python_adapter(spec);
      stress.suite = plan.suite;
      if (app.get_option("--systems")->count() > 0) stress.systems = split(systems, ',');
      else if (plan.suite == "failure" || plan.suite == "load") {  // resilience and load are compared across every system
        stress.systems.clear();
        for (const auto& a : adapters::adapter_registry()) stress.systems.push_back(a.name);
      }
      stress.out_dir = plan.out_dir;
      stress.latency = latency;
      stress.max_retries = plan.max_retries;
      stress.request_timeout_s = app.get_option("--timeout")->count() > 0 ? timeout_s : 30;
      stress.seed = plan.seed;
      stress.quiet = quiet;
      if (!scenarios.empty()) stress.scenario = scenarios.front();
      stress.command = "legion-bench";
      for (int i = 1; i < argc; ++i) stress.command += " " + report::shell_quote(argv[i]);
      bench::stress::validate(stress);  // refused before anything starts
      struct sigaction sa{};
      sa.sa_handler = on_interrupt;
      sigaction(SIGINT, &sa, nullptr);
      sigaction(SIGTERM, &sa, nullptr);
      const int status = bench::stress::run_stress(stress);
      return status >= bench::kExitInterrupted ? bench::kExitInterrupted + (stop_signal ? stop_signal : SIGINT) : status;
    }
    for (const char* flag : {"--duration", "--smoke", "--mode", "--arrival", "--rate", "--agents", "--max-agents", "--recovery-factor",
                             "--broker-port", "--engines", "--engine-agents"})
      if (app.get_option(flag)->count() > 0)
        throw std::invalid_argument(std::string(flag) + " applies to the stress suites (--suite load, spike, endurance, scalability, failure), not to '" +
                                    plan.suite + "'");
    // Run a suite: plainly, as an A/B of two builds, or several times to calibrate.
    auto suite = datasets::find_suite(datasets::load_suites(), plan.suite);
    for (const auto& spec : python_adapters) adapters::add_python_adapter(spec);
    plan.systems = split(systems, ',');
    if (app.get_option("--systems")->count() == 0)  // every registered system, in the registry's order
      for (const auto& a : adapters::adapter_registry()) plan.systems.push_back(a.name);
    if (*ab_cmd || *calibrate_cmd) {
      // The default systems of a comparison are the native engine's; every system runs twice.
      if (app.get_option("--systems")->count() == 0) plan.systems = {"native"};
      std::vector<std::string> doubled;
      for (const auto& s : plan.systems) {
        if (s.find('@') != std::string::npos) throw std::invalid_argument("--systems for ab and calibrate take plain names, got '" + s + "'");
        if (*ab_cmd) doubled.insert(doubled.end(), {s + "@old", s + "@new"});
        else doubled.insert(doubled.end(), {s, s + "@" + report::kTwinLabel});
      }
      plan.systems = doubled;
      if (*ab_cmd) builds.insert(builds.end(), {"old=" + ab_old, "new=" + ab_new});
    }
    for (const auto& [label, dir] : parse_assignments(builds, "--build")) plan.builds[label] = dir;
    for (const auto& [label, dir] : parse_assignments(venvs, "--venvs")) plan.venvs[label] = dir;
    for (auto [system, us] : parse_assignments(delays, "--inject-delay")) {
      if (auto why = bench::refuse_integer(us, 0, kMaxDelayUs); !why.empty())
        throw std::invalid_argument("--inject-delay " + system + ": microseconds " + why);
      plan.injected_delay_us[system] = std::stoll(us);
    }
    bench::validate_systems(plan);
    const auto calibration = find_calibration(calibration_path);
    if (calibration) plan.noise_floor = calibration->describe();
    for (const auto& name : scenarios.empty() ? suite.scenarios : scenarios)
      plan.scenarios.push_back(datasets::resolve_scenario(name));
    plan.repetitions = repetitions.value_or(quick ? 3 : 10);
    plan.warmup = warmup.value_or(1);
    plan.params = parse_params(params);
    if (!sweep.empty()) plan.sweep = bench::parse_sweep(sweep);
    const bool own_cells = !scenarios.empty() || !sweep.empty() || app.get_option("--concurrency")->count() > 0 || *ab_cmd || *calibrate_cmd;
    bench::add_suite_parts(plan, suite, quick, own_cells, std::cerr);
    plan.latency = oracle::LatencyProfile::parse(latency);
    plan.faults = bench::parse_faults(faults);
    plan.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));
    if (plan.out_dir.empty())
      plan.out_dir = std::filesystem::path("results") / (*ab_cmd ? "ab" : *calibrate_cmd ? "calibration" : plan.suite);
    if (!store.empty()) plan.store = store;
    plan.command = "legion-bench";
    plan.invocation = {{"cwd", std::filesystem::current_path().string()}, {"arguments", nlohmann::json::array()}};
    for (int i = 1; i < argc; ++i) {
      plan.command += " " + report::shell_quote(argv[i]);
      plan.invocation["arguments"].push_back(argv[i]);
    }

    struct sigaction sa{};
    sa.sa_handler = on_interrupt;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    if (*calibrate_cmd) {
      const auto top = plan.out_dir;
      if (plan.store.empty()) plan.store = top / "results.sqlite";  // every run and the calibration in one store
      std::vector<report::RunResults> runs;
      for (int k = 1; k <= calibration_runs && !bench::interrupt_flag(); ++k) {
        plan.out_dir = top / ("run-" + std::to_string(k));
        std::cerr << "calibration run " << k << " of " << calibration_runs << "\n";
        auto results = bench::Runner(plan, std::cerr, !quiet).run();
        report::summarize_run(results);
        // Each run keeps its results.json and Markdown (for compare and for reading); the calibration is the result.
        report::write_artifacts(plan.out_dir, results, report::select_reporters("json,md"));
        if (!results.context.interrupted) runs.push_back(std::move(results));
      }
      if (bench::interrupt_flag()) {
        std::cerr << "interrupted after " << runs.size() << " complete runs: no calibration written (the runs are in "
                  << top.string() << ")\n";
        return bench::kExitInterrupted + (stop_signal ? stop_signal : SIGINT);
      }
      auto result = report::calibrate(runs);
      result.command = plan.command;
      bench::Store(plan.store).save_calibration(report::to_json(result));
      report::write_file_atomically(top / "calibration.json", report::to_json(result).dump(2) + "\n");
      std::ostringstream md;
      report::write_calibration_markdown(md, result);
      report::write_file_atomically(top / "CALIBRATION.md", md.str());
      std::cout << md.str() << "\nWrote calibration.json and CALIBRATION.md to " << top.string()
                << "; compare and plan read it from there by default when run from this folder\n";
      return 0;
    }
    if (plan.suite == "published" && !*ab_cmd)
      return bench::run_published_suite({plan, quick, !quiet, "all"}, std::cerr);
    // The runner measures; the statistics summarise; the reporters publish.
    auto results = bench::Runner(plan, std::cerr, !quiet).run();
    report::summarize_run(results);
    const auto artifacts = report::write_artifacts(plan.out_dir, results);
    std::cout << "\n";
    report::write_terminal_table(std::cout, results);
    std::cout << "\n";
    report::print_artifacts(std::cout, std::cerr, artifacts, plan.out_dir);
    if (results.context.interrupted) return bench::kExitInterrupted + (stop_signal ? stop_signal : SIGINT);
    if (*ab_cmd) {
      comparing.calibration = calibration;
      auto result = report::compare_interleaved(results, comparing);
      report::write_file_atomically(plan.out_dir / "comparison.json", report::to_json(result).dump(2) + "\n");
      std::ostringstream md;
      report::write_comparison_markdown(md, result);
      report::write_file_atomically(plan.out_dir / "COMPARISON.md", md.str());
      std::cout << "\n";
      print_comparison(result);
      if (fail_on_regression && result.regression()) return 1;
    }
    return bench::run_exit_status(results, artifacts);
  } catch (const std::exception& e) {
    std::cerr << "legion-bench: " << report::printable(e.what()) << "\n";
    return bench::kExitUsage;
  }
}
