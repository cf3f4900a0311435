#pragma once
// Adapter: one system under test, as the benchmark worker drives it. The native engine implements
// it in C++; the Python frameworks implement it through the embedded interpreter.
#include <chrono>
#include <deque>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "legion/core/chat.hpp"
#include "legion/core/llm_client.hpp"
#include "legion/core/task.hpp"

namespace legion::adapters {

struct AdapterConfig {
  std::string base_url;  // the oracle, e.g. http://127.0.0.1:PORT/v1
  std::string model = "legion-oracle";
  bool stream = false;
  int max_retries = 0;
  std::chrono::milliseconds request_timeout{120000};
  std::chrono::microseconds injected_delay{0};  // test-only slowdown per model call (native engine only)
  // The in-process mode: the system's own test or custom model class answers through this model
  // (legion-bench's scripted model over a pipe) instead of its HTTP client calling base_url.
  std::shared_ptr<core::InProcessModel> in_process_model;
  // Record the system's own spans of each task (TaskOutcome::spans), through its own tracing.
  bool trace = false;
};

// A span the system's own tracing recorded: its name as the system gives it, the agent it belongs
// to (if any), and when, in nanoseconds on the steady clock (CLOCK_MONOTONIC, shared by every
// process of a run, so the runner can set it beside the model server's and the tools' spans).
struct SystemSpan {
  std::string name, agent;
  std::int64_t start_ns = 0, end_ns = 0;
};

struct TaskOutcome {
  std::string answer;
  std::uint64_t reported_llm_calls = 0;        // the system's own count, cross-checked against the oracle's
  std::optional<core::Usage> reported_usage;   // the system's own token count; nullopt: it reports none
  std::int64_t latency_ns = 0;                 // a concurrent copy's latency, as TaskAttempt::latency_ns
  // Tasks with a knowledge base: time spent putting it into the system's store, and in its
  // retrievals (each measured by the system around its own calls).
  std::optional<std::int64_t> ingest_ns = {}, retrieval_ns = {};
  std::vector<SystemSpan> spans = {};  // only with AdapterConfig::trace, from a system that traces itself
};

// One copy of a task run concurrently with others: its outcome, or why it has none, and its latency.
struct TaskAttempt {
  TaskOutcome outcome;
  std::string error;         // empty when the copy succeeded
  bool unsupported = false;  // the error is an Unsupported
  // From the batch's start (every copy is submitted then) to this copy's end, failed or not; 0 when
  // the system did not measure it (the worker then counts the batch's wall time).
  std::int64_t latency_ns = 0;
};

// Thrown by run() when the system has no way to express a scenario's pattern: the cell is recorded
// as unsupported (with this reason), never as a pass or a timing.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Adapter {
 public:
  virtual ~Adapter() = default;
  // Called once per worker process before any task; the time it takes is the cold start.
  virtual void prepare(const AdapterConfig& config) = 0;
  // Called once per task, inside the timed region, with what a user would give the system (never
  // the oracle's script or the expected answer). Throws on failure; the worker records the message.
  virtual TaskOutcome run(const core::TaskSpec& task) = 0;
  // Called once per record instead of run() when the plan runs several copies of the task at once
  // (--concurrency N > 1), inside the timed region. The default calls run() from a thread per copy;
  // a system with an event loop of its own runs the copies there. Each attempt carries its latency.
  virtual std::vector<TaskAttempt> run_concurrently(const core::TaskSpec& task, std::size_t copies);
  // Called once per run for the context block: component name -> version.
  virtual std::map<std::string, std::string> versions() const = 0;
  // What prepare() spent its time on (e.g. interpreter, import, construct), in nanoseconds.
  virtual std::map<std::string, std::int64_t> cold_start_parts() const { return {}; }
  // Every package installed in the system's environment (name -> version): the full pinned set,
  // for results.json. Empty for a system with no package environment.
  virtual std::map<std::string, std::string> packages() const { return {}; }
  // The system's settings that differ from its framework's defaults: setting -> "value (default D):
  // why". The fairness rules promise these in every report.
  virtual std::map<std::string, std::string> settings() const { return {}; }
};

// The settings() entries that describe a system's context trimming start with this: they belong in
// a report only when some scenario of the run asks for trimming (TaskSpec::context_window > 0).
inline constexpr std::string_view kContextTrimmingSetting = "context trimming";

// The settings() entry a system lists in the in-process mode: the model class it uses there.
inline constexpr std::string_view kInProcessModelSetting = "in-process model";

struct AdapterInfo {
  std::string name;
  std::string description;
  std::string dialect;  // datasets/dialects/<dialect>.yaml
  std::function<std::unique_ptr<Adapter>()> make;
  std::string spec;  // adapters added with add_python_adapter: their spec, so workers can add them too
  // Concurrent copies of a task run as tasks on the system's own event loop (a few threads in all),
  // not on a thread each (run_concurrently's default).
  bool tasks_on_event_loop = false;
};

// Built-in adapters, registered explicitly in one place (adapters/src/registry.cpp), plus any added
// with add_python_adapter.
const std::deque<AdapterInfo>& adapter_registry();
// Throws std::invalid_argument listing the known names when `name` is unknown.
const AdapterInfo& adapter_info(std::string_view name);
// Adds a Python adapter from "NAME=FILE.py[,venv=DIR][,dialect=NAME]" (the CLI's --adapter); the
// dialect defaults to native. Throws std::invalid_argument naming what is wrong.
const AdapterInfo& add_python_adapter(const std::string& spec);

// Where the built-in Python adapters and their virtual environments live (LEGION_VENVS_DIR
// overrides the latter).
std::filesystem::path python_adapter_dir();
std::filesystem::path venvs_dir();

}  // namespace legion::adapters
