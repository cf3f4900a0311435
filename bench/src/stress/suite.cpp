// The stress suites' registry, the checks every suite shares, and the one path from a suite's run to
// its published reports.
#include "stress/suite.hpp"

#include <signal.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "checks.hpp"
#include "exit_status.hpp"
#include "legion/adapters/adapter.hpp"
#include "runner.hpp"
#include "stress/ledger.hpp"

namespace legion::bench::stress {

// The built-in suites, each defined in its own file (a new one: its file, a declaration here and
// its place in the list).
StressSuite load_suite();
StressSuite spike_suite();
StressSuite scalability_suite();
StressSuite failure_suite();
StressSuite endurance_suite();

namespace {

std::vector<StressSuite>& registry() {
  static std::vector<StressSuite> suites = [] {
    std::vector<StressSuite> built_in;
    for (auto make : {load_suite, spike_suite, scalability_suite, failure_suite, endurance_suite}) built_in.push_back(make());
    return built_in;
  }();
  return suites;
}

std::string number(double v) {
  std::ostringstream o;
  o.precision(v >= 100 ? 0 : v >= 10 ? 1 : 2);
  o << std::fixed << v;
  return o.str();
}

void announce(const std::vector<std::filesystem::path>& written, const std::filesystem::path& dir) {
  std::cout << "Wrote";
  for (const auto& f : written) std::cout << " " << f.filename().string();
  std::cout << " to " << dir.string() << "\n";
}

int publish(const std::filesystem::path& dir, const report::StressRun& run) {
  const auto written = report::write_stress_reports(dir, run);
  report::write_stress_summary(std::cout, run);
  std::cout << "\n";
  announce(written, dir);
  return run.passed() ? kExitOk : kExitFailed;
}

}  // namespace

// A run of the folder's store, analysed as its suite asks: `run_id`, or the latest when empty.
// Nothing when the folder holds no stress run.
std::optional<report::StressRun> analyzed_run(const std::filesystem::path& dir, std::string run_id) {
  const auto file = dir / "results.sqlite";
  if (!std::filesystem::exists(file) || std::filesystem::exists(dir / "results.json")) return std::nullopt;
  StressStore store(file);
  if (run_id.empty()) {
    const auto ids = store.run_ids();
    if (ids.empty()) return std::nullopt;
    run_id = ids.back();
  }
  const auto raw = store.load(run_id);
  const auto* suite = find_stress_suite(raw["config"].value("suite", std::string()));
  return report::analyze_stress(raw, suite ? suite->analysis : report::StressAnalysis{});
}

void register_stress_suite(StressSuite suite) {
  if (suite.name.empty() || !suite.plan || !suite.run) throw std::invalid_argument("a stress suite needs a name, a plan and a run");
  if (find_stress_suite(suite.name)) throw std::invalid_argument("a stress suite named '" + suite.name + "' is registered already");
  registry().push_back(std::move(suite));
}

const std::vector<StressSuite>& stress_suites() { return registry(); }

const StressSuite* find_stress_suite(const std::string& name) {
  for (const auto& suite : registry())
    if (suite.name == name) return &suite;
  return nullptr;
}

void refuse_beyond_max_agents(const std::vector<PlannedPhase>& phases, int max_agents) {
  for (const auto& p : phases)
    if (p.most_agents > max_agents)
      throw UsageError(p.name + " needs " + std::to_string(p.most_agents) + " agents, more than the configured limit of " +
                       std::to_string(max_agents) + " (--max-agents)");
}

void validate(const StressOptions& o) {
  const auto* suite = find_stress_suite(o.suite);
  if (!suite) throw UsageError("unknown stress suite '" + o.suite + "'");
  // Not given: the suite's default. Given, each must make sense (the command line refuses the same
  // values when it parses them).
  if (o.duration_s && !(*o.duration_s > 0 && *o.duration_s <= kMaxDurationS))
    throw UsageError("--duration must be a number of seconds > 0 and ≤ 604800 (7 days), got " + number(*o.duration_s));
  if (o.full_length && o.suite != "load")
    throw UsageError("--full-length runs the load suite's levels at the seeds' lengths; the " + o.suite + " suite takes --duration");
  if (o.full_length && (o.duration_s || o.smoke))
    throw UsageError("--full-length sets the seeds' durations and task counts: leave out --duration and --smoke");
  if (o.rate && !(*o.rate > 0 && *o.rate <= kMaxRate))
    throw UsageError("--rate must be a number of tasks per second > 0 and ≤ 1000000, got " + number(*o.rate));
  if (o.agents && *o.agents <= 0) throw UsageError("--agents must be at least 1, got " + std::to_string(*o.agents));
  if (o.max_agents <= 0) throw UsageError("--max-agents must be at least 1");
  if ((o.rate || o.agents) && !suite->takes_rate_and_agents) {
    std::string takers;
    for (const auto& s : registry())
      if (s.takes_rate_and_agents) takers += (takers.empty() ? "the " : " and the ") + s.name;
    throw UsageError("--rate and --agents set " + takers + " suite's load; the " + o.suite + " suite's levels are fixed (see docs/stress.md)");
  }
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
  if (suite->validate) suite->validate(o);
  refuse_beyond_max_agents(suite->plan(o), o.max_agents);
}

int run_stress(const StressOptions& options) {
  validate(options);
  const auto& suite = *find_stress_suite(options.suite);
  auto o = options;
  if (o.out_dir.empty()) o.out_dir = std::filesystem::path("results") / suite.name;
  std::filesystem::create_directories(o.out_dir);
  const auto run_id = suite.run(o);
  const auto run = analyzed_run(o.out_dir, run_id);
  if (!run) throw std::runtime_error("the " + suite.name + " suite recorded no run '" + run_id + "' in " + o.out_dir.string());
  const int status = publish(o.out_dir, *run);
  return interrupt_flag() ? kExitInterrupted + SIGINT : status;
}

bool publish_stress(const std::filesystem::path& dir, int& status) {
  const auto run = analyzed_run(dir);
  if (!run) return false;
  status = publish(dir, *run);
  return true;
}

bool publish_stress_combined(const std::vector<std::string>& dirs, const std::filesystem::path& out, int& status) {
  std::vector<report::StressRun> runs;
  for (const auto& d : dirs) {
    auto run = analyzed_run(d);
    if (!run) return false;
    runs.push_back(std::move(*run));
  }
  const auto combined = report::combine_stress(std::move(runs));
  const auto written = report::write_stress_combined(out, combined);
  bool pass = true;
  for (const auto& r : combined.runs) {
    report::write_stress_summary(std::cout, r);
    std::cout << "\n";
    pass = pass && r.passed();
  }
  announce(written, out);
  status = pass ? kExitOk : kExitFailed;
  return true;
}

}  // namespace legion::bench::stress
