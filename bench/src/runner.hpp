#pragma once
// The runner: plans suite x systems x repetitions, starts the oracle on a free loopback port, runs
// each system in its own worker process, and turns every task into a RunRecord that goes to the
// store at once and to results.json / BENCHMARK_RESULTS.md at the end.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "legion/core/oracle.hpp"
#include "legion/report/reporters.hpp"

namespace legion::bench {

struct Plan {
  std::string suite = "coordination";
  std::vector<std::string> systems = {"native"};
  std::vector<std::filesystem::path> scenarios;
  int repetitions = 10;       // measured repetitions per cell (the minimum, when adaptive)
  int warmup = 1;
  double target_relative_ci = 0;  // > 0: repeat a cell until its mean's t-interval half-width is within this share of the mean
  int max_repetitions = 50;       // the cap for adaptive runs
  std::uint64_t seed = 1;
  std::map<std::string, std::int64_t> params;  // applied to every scenario that declares them
  core::LatencyProfile latency;
  core::FaultPlan faults;
  int concurrency = 1;
  bool stream = false;
  int max_retries = 0;
  std::chrono::milliseconds timeout{120000};  // per task
  std::filesystem::path out_dir;  // default: results/<suite>
  std::filesystem::path store;  // default: out_dir / "results.sqlite"
  std::string command;          // for the report: how to reproduce this run
};

struct Suite {
  std::string name;
  std::string description;
  std::vector<std::string> scenarios;
};
// datasets/suites.yaml
std::vector<Suite> load_suites();
const Suite& find_suite(const std::vector<Suite>& suites, const std::string& name);

// Set by SIGINT: the runner finishes the record in flight, writes what it has, and stops.
std::atomic<bool>& interrupt_flag();

class Runner {
 public:
  Runner(Plan plan, std::ostream& progress, bool show_progress = true);
  report::RunResults run();

 private:
  core::RunContext make_context() const;
  core::ScenarioSpec instantiate(const std::filesystem::path& file, std::uint64_t seed) const;
  core::RunRecord make_record(const nlohmann::json& reply, const core::OracleTotals& served,
                              const core::ScenarioSpec& spec) const;
  Plan plan_;
  std::ostream& progress_;
  bool show_progress_;
};

}  // namespace legion::bench
