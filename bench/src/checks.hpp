#pragma once
// Checks made before a run measures anything: options that make no sense, scenarios that would
// merge into one cell, and runs that the machine cannot hold (threads, memory). Each failure is a
// UsageError whose message names the flag or limit; main maps it to exit status 2.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "legion/datasets/scenario.hpp"
#include "legion/oracle/profile.hpp"
#include "runner.hpp"

namespace legion::bench {

struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// The limits of numeric options. Each returns why `text` is refused, or nothing: not a number of
// the option's kind (NaN, infinity, a fraction or exponent where a count is meant, hexadecimal,
// beyond 64 bits) or outside the range, which the message states. commands/options.hpp wraps
// them as CLI11 validators, whose message starts with the flag. An accepted integer is written
// back in plain decimal, since CLI11 would read 010 as octal.
std::string refuse_integer(std::string& text, std::int64_t low, std::int64_t high);
std::string refuse_seed(std::string& text);  // 0 to 2^64 - 1
// A finite number within low..high; `above_low` / `below_high` leave that end out.
struct NumberRange {
  double low, high;
  bool above_low = false, below_high = false;
  std::string describe() const;  // e.g. "> 0 and ≤ 10"; "> 0" when `high` is infinity
};
std::string refuse_number(std::string_view text, const NumberRange& range);

// --faults with each number in its range (rate 0-1, seed 0-2^64-1, stall_ms and gap_ms 0 to a
// day, each `at` request number from 1), then oracle::FaultPlan::parse for the rest.
oracle::FaultPlan parse_faults(const std::string& spec);

// The folders of `legion-bench report DIR DIR...` name different runs: the same folder twice
// (by any path) is refused, naming both arguments.
void check_distinct_folders(const std::vector<std::string>& folders);

// One limit on how many more threads this process may start, and what sets it.
struct ThreadLimit {
  std::string name;        // e.g. "kernel.pid_max (/proc/sys/kernel/pid_max)"
  std::uint64_t limit = 0;
  std::uint64_t in_use = 0;
  std::uint64_t available() const { return limit > in_use ? limit - in_use : 0; }
};
// RLIMIT_NPROC (not for root), kernel.threads-max, kernel.pid_max and the cgroup's pids.max, where
// they can be read.
std::vector<ThreadLimit> read_thread_limits();

// The model server's connection limit for a run (one thread each while open): enough for a thread
// per concurrent task in every worker (`tasks_on_threads`), or for the native engine's pools.
std::size_t model_server_connections(int concurrency, bool tasks_on_threads = true);
// Whether some system of the plan runs concurrent copies of a task on a thread each (the Python
// frameworks; the native engine runs them as coroutines on one thread).
bool tasks_on_threads(const Plan& plan);
// Threads a run needs: the oracle's connection threads in the runner, and the worker's. A system
// that runs concurrent copies on threads (`tasks_on_threads`, the Python frameworks) needs one per
// task and one per agent it may run in parallel; the native engine runs every task on one thread.
std::uint64_t threads_needed(int concurrency, std::size_t most_agents, bool tasks_on_threads = true);
// Throws a UsageError naming the tightest limit and the largest --concurrency it allows.
void check_threads(int concurrency, std::size_t most_agents, const std::vector<ThreadLimit>& limits,
                   bool tasks_on_threads = true);

// How much {{pad.N}} filler one scenario may plant so that `concurrency` tasks fit in `memory`
// bytes, as load options for the scenario loader (with the reason for its message).
datasets::LoadOptions padding_budget(int concurrency, std::optional<std::uint64_t> memory);

// One scenario cell of a run: a scenario with its parameters (the plan's that it declares, then
// in a sweep the swept value), loaded and validated once by check_plan, with the name its records
// carry (report::cell_label, e.g. `tool-overhead[extra_tools=10]`, or `order-refund[concurrency=8]`
// for a concurrency part's level) and the copies of its task in flight at once.
struct PlannedScenario {
  std::shared_ptr<const datasets::ScenarioSource> source;  // the file, parsed once for the whole run
  datasets::LoadOptions options;                           // its parameters and filler budget; the plan's seed
  std::shared_ptr<const datasets::ScenarioSpec> spec;      // loaded with `options`
  std::string swept;                                       // the swept parameter, report::kSweptConcurrency or empty
  int concurrency = 1;
  std::string name;  // report::cell_label of the above

  // The same cell with the planted values of `seed` (each round plants fresh ones), made from the
  // parsed file: nothing is read again.
  datasets::ScenarioSpec with_seed(std::uint64_t seed) const;
};
// The most copies of a task any cell of the plan runs at once.
int most_concurrency(const Plan& plan);

// Everything about the plan that can be refused before a run starts: --systems empty or with a
// name twice, --scenario naming one scenario twice, a --param no selected scenario declares, a
// --sweep of `concurrency` (not a parameter: --concurrency and a suite's concurrency levels set
// it) or whose parameter no selected scenario declares or that a value puts out of a scenario's
// bounds, a suite part whose parameter its scenario does not declare or whose value is out of
// bounds (named by its place in suites.yaml), and a concurrency or payload the machine cannot
// hold. Reads each scenario file once and loads each (scenario, parameters) once. Returns the
// plan's cells in order: its scenarios, each expanded into one cell per swept value when it
// declares the swept parameter; then the suite's sweep parts (a cell per value) and concurrency
// parts (a cell per level).
std::vector<PlannedScenario> check_plan(const Plan& plan);

}  // namespace legion::bench
