#pragma once
// The runner: plans suite x systems x repetitions, starts the oracle on a free loopback port, runs
// each system in its own worker process, and turns every task into a RunRecord that goes to the
// store at once. It returns the records; the caller summarises and publishes them.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "legion/oracle/recording_proxy.hpp"
#include "legion/oracle/server.hpp"
#include "legion/report/reporters.hpp"
#include "sweep.hpp"

namespace legion::bench {

// A suite's parts beyond its scenarios (datasets/suites.yaml), run in the same run: each swept
// value and each concurrency level is a cell of its own, its systems interleaved like the rest.
struct SweepPart {
  std::filesystem::path scenario;
  Sweep sweep;
  std::string where;  // the entry's file:line:column, for messages about it
};
struct ConcurrencyPart {
  std::filesystem::path scenario;
  std::vector<int> levels;
  std::string where;
};

// A real model answers instead of the scripted one (`--endpoint URL --model NAME`, `--model local`),
// through the recording proxy (legion/oracle/recording_proxy.hpp).
struct RealModelPlan {
  std::string endpoint;     // the endpoint's base URL; empty: the local model (local_model.hpp)
  std::string model;        // the model name to ask for (the local model's own name when local)
  std::string api_key;      // read from the environment variable api_key_env; held by the proxy only
  std::string api_key_env;
  std::optional<std::filesystem::path> gguf;  // the local model: another model file
  // deterministic: temperature 0 and the run's seed on every request; sampled: `temperature` and a
  // seed per trial (what pass^k needs).
  bool sampled = false;
  double temperature = 0;
  std::optional<report::ModelPrice> price;
};

// Where the model server's threads and the workers run (--placement).
//  shared: on one CPU. Every exchange between a system and the model server is then a wake-up on
//    the CPU that sent it, as the floor's one-CPU probe measures it (floor.hpp): on a virtual
//    machine whose idle CPUs halt, waking the other CPU costs tens of microseconds, more than the
//    native engine's whole overhead per call (docs/performance.md). The runner runs on the other
//    CPUs, so that its storage work between tasks stays off that CPU.
//  apart: the runner and model server on the first CPU, the workers on the others.
//  free: wherever the scheduler puts them.
//  automatic: shared where every cell runs one task at a time against the scripted model (a task's
//    own work and the model server's then mostly take turns, so a second CPU mostly adds wake-ups);
//    free otherwise (copies at once, or a real model, need the cores).
enum class CpuPlacement { automatic, shared, apart, free };

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
  std::optional<Sweep> sweep;  // each scenario that declares the parameter runs once per value
  std::vector<SweepPart> sweep_parts;
  std::vector<ConcurrencyPart> concurrency_parts;
  oracle::LatencyProfile latency;
  oracle::FaultPlan faults;
  int concurrency = 1;
  bool stream = false;
  int max_retries = 0;
  std::chrono::milliseconds timeout{120000};  // per task
  std::filesystem::path out_dir;  // default: results/<suite>
  std::filesystem::path store;  // default: out_dir / "results.sqlite"
  std::string command;          // for the report: how to reproduce this run (shell-quoted)
  // What --resume needs to run this plan again: the working folder and the arguments after the
  // program name, kept in the store with the run.
  nlohmann::json invocation;
  bool resume = false;  // continue the store's latest run, which was interrupted, instead of starting one
  // Systems written NAME@LABEL run NAME from the build (or installed copy) and the framework
  // environments given for LABEL — two builds interleaved in one run (`legion-bench ab`). A label
  // with neither runs this build: `native@a,native@b` is an A/A pair of separate processes.
  std::map<std::string, std::filesystem::path> builds;  // LABEL -> build folder or legion-bench executable
  std::map<std::string, std::filesystem::path> venvs;   // LABEL -> folder with the framework environments
  std::map<std::string, std::int64_t> injected_delay_us;  // system -> test-only delay per model call
  std::optional<RealModelPlan> real_model;  // absent: the scripted model server answers
  CpuPlacement placement = CpuPlacement::automatic;
  std::string noise_floor;  // the calibrated drift, for the report (see calibration.hpp)
  std::string metrics_phase;  // the live metrics' phase label of every record (the failure suite's fault); empty: the record's cell
  // Every system's records carry their task's spans (report/trace.hpp); NAME@traced traces one
  // system beside itself untraced, so that tracing's cost is measured interleaved in one run.
  bool trace = false;
};

// The label of a system's in-process mode (`pydantic-ai@in-process`): this build, the framework's own
// test or custom model class in its process, answered by the scripted model over a pipe
// (model_pipe.hpp) instead of HTTP. Runs beside the same system over HTTP, interleaved.
inline constexpr std::string_view kInProcessLabel = "in-process";
// The label of a system traced (`native@traced`): this build, the system's tasks traced as --trace
// traces them, beside the same system untraced.
inline constexpr std::string_view kTracedLabel = "traced";
// Whether the plan traces this system's tasks.
bool traces(const Plan& plan, const std::string& system);

// "native@new" -> {"native", "new"}; "native" -> {"native", ""}.
struct SystemName {
  std::string base, label;
};
SystemName parse_system_name(const std::string& system);
// The legion-bench executable inside a build folder, an installed prefix, or the path itself.
std::filesystem::path legion_bench_in(const std::filesystem::path& build);
// Checks the plan's systems, variants and injected delays; throws std::invalid_argument naming
// what is wrong.
void validate_systems(const Plan& plan);

// Set by SIGINT and SIGTERM: the runner finishes the record in flight, writes what it has, and stops.
std::atomic<bool>& interrupt_flag();

class Store;
struct PlannedScenario;
class LocalModelServer;

class Runner {
 public:
  Runner(Plan plan, std::ostream& progress, bool show_progress = true);
  // The run's context and records, not yet summarised. Throws UsageError (checks.hpp) before
  // measuring anything when the plan cannot run.
  report::RunResults run();

 private:
  report::RunContext make_context(const std::vector<PlannedScenario>& cells) const;
  // The run to continue (--resume) with its records, or a new one; either is in the store after.
  report::RunResults start_or_resume(Store& store, const std::vector<PlannedScenario>& cells) const;
  // The real model's endpoint (the local server started into `local` when asked for), checked, and
  // the proxy in front of it; what the report says of it goes into `facts`. Throws UsageError.
  std::unique_ptr<oracle::RecordingProxy> start_real_model(report::RealModel& facts, std::unique_ptr<LocalModelServer>& local) const;
  report::RunRecord make_record(const nlohmann::json& reply, const oracle::OracleTotals& served, std::int64_t model_busy_ns,
                              const datasets::ScenarioSpec& spec, const PlannedScenario& cell) const;
  Plan plan_;
  std::ostream& progress_;
  bool show_progress_;
};

}  // namespace legion::bench
