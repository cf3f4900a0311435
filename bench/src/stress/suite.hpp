#pragma once
// A stress suite (docs/stress.md) is one registered unit: its name and description, which options it
// takes, its own checks, its plan, how it runs, and what its report derives. suite.cpp lists the
// built-in ones (load, spike, endurance, scalability, failure), each defined in a file of its own;
// register_stress_suite adds another. `legion-bench --suite NAME` finds it here, runs it and
// publishes the run, whichever suite it is, through run_stress: a suite's run only measures.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "legion/report/stress.hpp"
#include "stress/options.hpp"

namespace legion::bench::stress {

// A phase as a suite plans it: what the checks and `legion-bench list` see before anything starts.
struct PlannedPhase {
  std::string name, description;
  int most_agents = 1;  // agents (threads or engine agents) at once; more than --max-agents is refused
};

struct StressSuite {
  std::string name;
  std::string description;          // one line, for `legion-bench list`
  bool every_system_by_default = false;  // without --systems: every registered system, else the native engine
  bool takes_rate_and_agents = false;    // --rate and --agents set its load; refused for the others
  bool metered = false;                  // counts its tasks on the live metrics (--metrics-port); refused for the others
  // Its own checks of the options (UsageError), after those every suite shares; may be empty.
  std::function<void(const StressOptions&)> validate;
  std::function<std::vector<PlannedPhase>(const StressOptions&)> plan;
  // Runs the suite into the store `options.out_dir`/results.sqlite and returns the run's id; stops
  // early, with what it measured so far, when interrupt_flag() is set.
  std::function<std::string(const StressOptions&)> run;
  // What its report derives beyond the seeds' criteria every run gets (spike recovery, trends,
  // load levels for PERFORMANCE_TUNING.md).
  report::StressAnalysis analysis;
};

// Adds a suite; throws std::invalid_argument for a name already registered or a suite without
// name, plan or run.
void register_stress_suite(StressSuite suite);
// Every suite, the built-in ones first, in the order `legion-bench list` shows them.
const std::vector<StressSuite>& stress_suites();
// Null when no suite has that name.
const StressSuite* find_stress_suite(const std::string& name);

// Refuses (UsageError) a planned phase that needs more agents than `max_agents` (--max-agents).
void refuse_beyond_max_agents(const std::vector<PlannedPhase>& phases, int max_agents);

// Refuses impossible settings before anything starts (UsageError, exit status 2): the options every
// suite shares, then the suite's own checks, then its plan against --max-agents.
void validate(const StressOptions& options);

// Validates, runs the suite and publishes its run; the exit status (0, 1 when a criterion or task
// failed, 130/143 interrupted).
int run_stress(const StressOptions& options);

// A run of the folder's store, analysed as its suite asks: `run_id`, or the latest when empty.
// Nothing when the folder holds no stress run.
std::optional<report::StressRun> analyzed_run(const std::filesystem::path& dir, std::string run_id = "");

// `legion-bench report DIR` for a stress run: publishes the store's latest stress run. False when
// the folder holds no stress run.
bool publish_stress(const std::filesystem::path& dir, int& status);

// `legion-bench report DIR DIR... --out OUT` over stress runs: one STRESS_TEST_RESULTS.md with the
// criteria across them. False (nothing written) unless every folder holds a stress run.
bool publish_stress_combined(const std::vector<std::string>& dirs, const std::filesystem::path& out, int& status);

}  // namespace legion::bench::stress
