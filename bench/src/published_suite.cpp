#include "published_suite.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>

#include "legion/adapters/adapter.hpp"
#include "legion/datasets/published.hpp"
#include "legion/report/escape.hpp"
#include "legion/report/reporters.hpp"
#include "legion/report/reproduce.hpp"
#include "checks.hpp"
#include "exit_status.hpp"
#include "footprint.hpp"
#include "zero_io.hpp"

namespace legion::bench {
namespace {

// The frameworks Agno's and PraisonAI's published figures name (datasets/published/agno-performance.yaml,
// praisonai-instantiation.yaml).
constexpr const char* kFootprintFigureSystems[] = {"agno", "langchain", "pydantic-ai", "crewai", "openai-agents"};

// The frameworks of Agno's single-turn figures (run_overhead_comparison.py), run in the in-process
// mode as the source ran them with a mock model: Agno first, the baseline of the ratios.
constexpr const char* kSingleTurnFigureSystems[] = {"agno", "langchain", "pydantic-ai", "crewai"};

// One of the suite's runs: a copy of the suite's plan with its own scenarios, latency, sweep,
// systems (the frameworks and the direct call, or the systems given) and folder.
report::RunResults measure(const PublishedSuiteOptions& o, const std::string& name, const std::vector<std::string>& scenarios,
                           const oracle::LatencyProfile& latency, std::optional<Sweep> sweep, std::ostream& progress,
                           std::optional<std::vector<std::string>> systems_instead = std::nullopt, int repetitions = 0, int warmup = -1) {
  auto plan = o.plan;
  if (repetitions > 0) plan.repetitions = repetitions, plan.target_relative_ci = 0;
  if (warmup >= 0) plan.warmup = warmup;
  plan.out_dir = o.plan.out_dir / name;
  plan.store.clear();
  plan.scenarios.clear();
  for (const auto& s : scenarios) plan.scenarios.push_back(datasets::resolve_scenario(s));
  plan.latency = latency;
  plan.sweep = std::move(sweep);
  plan.sweep_parts.clear();
  plan.concurrency_parts.clear();
  if (systems_instead) plan.systems = *systems_instead, plan.stream = false, plan.faults = {};  // the in-process model refuses both
  else plan.systems.push_back("direct");
  plan.params.clear();
  // How to repeat this part alone: the direct call given as a Python system, as the suite adds it,
  // its paths relative to the working directory so that the command works in any checkout.
  std::string systems;
  for (const auto& s : plan.systems) systems += (systems.empty() ? "" : ",") + s;
  const auto direct = "direct=" + std::filesystem::proximate(adapters::python_adapter_dir() / "direct_adapter.py").string() +
                      ",venv=" + std::filesystem::proximate(adapters::venvs_dir() / "langgraph").string() + ",dialect=native";
  plan.command = std::string("legion-bench") + (systems_instead ? "" : " --adapter " + report::shell_quote(direct)) + " --systems " + systems +
                 " -n " + std::to_string(plan.repetitions) + " --warmup " + std::to_string(plan.warmup) +
                 (latency.name == "zero" && systems_instead ? std::string() : " --latency " + latency.name);
  for (const auto& s : scenarios) plan.command += " --scenario " + s;
  if (plan.sweep) {
    plan.command += " --sweep " + plan.sweep->param + "=";
    for (std::size_t i = 0; i < plan.sweep->values.size(); ++i) plan.command += (i ? "," : "") + std::to_string(plan.sweep->values[i]);
  }
  plan.command += " --out " + plan.out_dir.string();
  progress << "\n== published suite: " << name << " (" << plan.command << ")\n";
  auto results = Runner(plan, progress, o.show_progress).run();
  report::summarize_run(results);
  report::write_artifacts(plan.out_dir, results, "json,md");
  return results;
}

}  // namespace

void add_direct_system() {
  for (const auto& a : adapters::adapter_registry())
    if (a.name == "direct") return;
  adapters::add_python_adapter("direct=" + (adapters::python_adapter_dir() / "direct_adapter.py").string() +
                               ",venv=" + (adapters::venvs_dir() / "langgraph").string());
}

int run_published_suite(PublishedSuiteOptions o, std::ostream& progress) {
  // Refused before anything runs: the figures, every scenario, the systems.
  const auto figures = datasets::load_published();
  add_direct_system();
  if (std::find(o.plan.systems.begin(), o.plan.systems.end(), "direct") != o.plan.systems.end())
    throw UsageError("--systems: 'direct' is the suite's own baseline, added to every run of --suite published");
  validate_systems(o.plan);
  if (o.plan.sweep) throw UsageError("--sweep: --suite published chooses its own sweeps");
  std::filesystem::create_directories(o.plan.out_dir);

  // Model time matters only where a ratio of latencies is compared; a short profile in quick mode.
  const auto latency = o.plan.latency.name != "zero" ? o.plan.latency
                                                     : oracle::LatencyProfile::parse(o.quick ? "ttft=20,tps=2000" : "realistic");
  const oracle::LatencyProfile zero;
  std::vector<report::RunResults> runs;
  runs.push_back(measure(o, "calls", {"single-tool", "llm-only"}, latency, std::nullopt, progress));
  if (interrupt_flag()) return kExitInterrupted;
  runs.push_back(measure(o, "tool-overhead", {"tool-overhead"}, zero,
                         Sweep{"extra_tools", o.quick ? std::vector<std::int64_t>{0, 20} : std::vector<std::int64_t>{0, 10, 20, 50}},
                         progress));
  if (interrupt_flag()) return kExitInterrupted;
  runs.push_back(measure(o, "mixture-of-agents", {"mixture-of-agents"}, zero,
                         Sweep{"proposers", o.quick ? std::vector<std::int64_t>{3, 15} : std::vector<std::int64_t>{3, 6, 9, 12, 15}},
                         progress));
  if (interrupt_flag()) return kExitInterrupted;

  ZeroIoOptions zero_io;
  // The run's systems that have a graph engine to time without I/O (native among them).
  const auto with_workloads = systems_with_zero_io_workloads();
  zero_io.systems = {"native"};
  for (const auto& s : o.plan.systems)
    if (s != "native" && std::find(with_workloads.begin(), with_workloads.end(), s) != with_workloads.end()) zero_io.systems.push_back(s);
  if (o.quick) zero_io.rounds = 2, zero_io.batches = 2, zero_io.iterations = 5, zero_io.native_iterations = 2000;
  zero_io.out = o.plan.out_dir / "zero-io";
  progress << "\n== published suite: zero-io\n";
  const int zero_io_status = zero_io_command(zero_io);
  std::optional<report::PublishedComparison> zero_io_comparison;
  if (std::ifstream in(zero_io.out / "zero_io.json"); in)
    zero_io_comparison = report::published_comparison_from_json(nlohmann::json::parse(in).at("comparison"));

  // Cold import and construction of the suite's frameworks that the published figures name
  // (Agno's and PraisonAI's), those whose environment is set up.
  FootprintOptions footprint;
  for (const auto& s : systems_with_footprint())
    if (std::find(std::begin(kFootprintFigureSystems), std::end(kFootprintFigureSystems), s) != std::end(kFootprintFigureSystems) &&
        std::find(o.plan.systems.begin(), o.plan.systems.end(), s) != o.plan.systems.end())
      footprint.systems.push_back(s);
  if (o.quick) footprint.import_samples = 2, footprint.iterations = 5, footprint.warmups = 2;
  footprint.out = o.plan.out_dir / "footprint";
  int footprint_status = kExitOk;
  std::optional<report::PublishedComparison> footprint_comparison;
  if (!footprint.systems.empty()) {
    progress << "\n== published suite: footprint\n";
    footprint_status = footprint_command(footprint);
    if (std::ifstream in(footprint.out / "footprint.json"); in)
      footprint_comparison = report::published_comparison_from_json(nlohmann::json::parse(in).at("comparison"));
  }

  // Agno's single-turn run: the frameworks it names in the in-process mode (their own model class,
  // no HTTP, no latency), llm-only (one agent, one model call, no tool), interleaved. Tasks take
  // milliseconds, so even in quick mode the part runs at least 100 tasks per system after the
  // source's 10 warm-ups (the source timed 300/200/100/30): seconds in all.
  std::vector<std::string> single_turn_systems;
  for (const auto* s : kSingleTurnFigureSystems)
    if (std::find(o.plan.systems.begin(), o.plan.systems.end(), s) != o.plan.systems.end())
      single_turn_systems.push_back(std::string(s) + "@in-process");
  std::optional<report::RunResults> single_turn;
  if (!single_turn_systems.empty()) {
    single_turn = measure(o, "single-turn", {"llm-only"}, zero, std::nullopt, progress, single_turn_systems,
                          std::max(o.plan.repetitions, 100), std::max(o.plan.warmup, 10));
    if (interrupt_flag()) return kExitInterrupted;
  }

  report::ReproductionRuns inputs{&runs[0], &runs[1], &runs[2], zero_io_comparison ? &*zero_io_comparison : nullptr,
                                  footprint_comparison ? &*footprint_comparison : nullptr, single_turn ? &*single_turn : nullptr};
  auto comparison = report::reproduce_published(figures, inputs);
  comparison.command = o.plan.command + "\n\n# its parts, each repeatable alone:\n" + comparison.command;
  const report::PublishedReport published{comparison, figures, report::startup_table({&runs[0], &runs[1], &runs[2]})};
  std::cout << report::render(report::published_comparison_document(), "markdown", published) << "\n";
  auto artifacts = report::write_document(o.plan.out_dir, report::published_comparison_document(), published);
  report::print_artifacts(std::cout, std::cerr, artifacts, o.plan.out_dir);
  const auto combined = report::write_combined_artifacts(o.plan.out_dir / "report", runs, {comparison}, o.formats);
  report::print_artifacts(std::cout, std::cerr, combined, o.plan.out_dir / "report");
  artifacts.add(combined);
  bool ok = zero_io_status == kExitOk && footprint_status == kExitOk && artifacts.complete();
  for (const auto& r : runs) ok = ok && run_exit_status(r, report::Artifacts{}) == kExitOk;
  if (single_turn) ok = ok && run_exit_status(*single_turn, report::Artifacts{}) == kExitOk;
  return ok ? kExitOk : kExitFailed;
}

}  // namespace legion::bench
