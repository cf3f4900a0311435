#pragma once
// The results layer: the plain values that flow one way from the runner to the reports —
// RunContext (once per run) and one RunRecord per (system, scenario, repetition) — and the one
// table of a record's fields that results.json, the SQLite store and results.csv are written from.
#include <cstdint>
#include <limits>
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "legion/report/trace.hpp"

namespace legion::report {

// 2: a record's cell identity is data (`params`, `swept`); in schema 1 a swept value or a
// concurrency level was written into `scenario` (`tool-overhead[extra_tools=10]`).
inline constexpr int kResultsSchemaVersion = 2;

// The value of `swept` for a concurrency part's cells: its level is the record's `tasks`.
inline constexpr const char* kSweptConcurrency = "concurrency";

// A cell's label as every report shows it, made from its identity and nowhere else: the scenario's
// name, and for a swept cell the swept parameter with its value (`tool-overhead[extra_tools=10]`)
// or the concurrency level (`order-refund[concurrency=8]`, the level being `tasks`).
std::string cell_label(const std::string& scenario, const std::map<std::string, std::int64_t>& params, const std::string& swept,
                       int tasks);

// The machine's state around a run, read from /proc: what else was using the CPU and how busy the
// machine was, so that a report can say when its numbers were taken on a noisy machine.
struct MachineState {
  double load_1m_start = 0;          // /proc/loadavg at the start
  std::string governor;              // cpufreq scaling governor of CPU 0, where readable
  double steal_share = 0;            // of all CPU time during the run (hypervisor took it)
  double iowait_share = 0;
  double foreign_cpu_share = 0;      // CPU used by processes other than this run's, share of all CPU time
  std::vector<std::string> busy_processes;  // other processes using ≥ 10% of a CPU at the start
  std::string pinning;               // CPU pinning of the runner/model server and workers, empty when none
  std::vector<std::string> warnings;  // why the run counts as noisy (empty: quiet)
};

// The machine's floor (bench/src/floor.hpp), probed before each round of a run and after its last:
// the bare 512-byte loopback round trip and a no-work HTTP exchange, each with its two threads
// floating (on two CPUs as a rule) and pinned to one CPU.
struct FloorTiming {
  double median_us = 0, p99_us = 0;
};
struct FloorProbe {
  int round = 0;         // the loop's round that followed the probe (a resumed run counts again from 0)
  std::string at;        // ISO 8601, UTC
  int exchanges = 0;     // round trips timed by each of the probe's measurements
  FloorTiming loopback, loopback_one_cpu, http, http_one_cpu;
  // The fastest crossing of this probe: the faster placement's median.
  double round_trip_us() const { return std::min(loopback.median_us, loopback_one_cpu.median_us); }
  double http_us() const { return std::min(http.median_us, http_one_cpu.median_us); }
};
struct MachineFloor {
  std::vector<FloorProbe> probes;  // empty: the run kept none (results from before it was measured)
  // The run's floor: the median over its probes of each probe's fastest crossing (0 without probes).
  double round_trip_us() const;
  double http_us() const;
};

// A model's prices, per million tokens, with where and when they were read (datasets/prices.yaml or
// the user's --prices file). A local model has none: its cost is its time.
struct ModelPrice {
  std::string model;
  double input_per_mtok = 0, output_per_mtok = 0;
  std::optional<double> cached_input_per_mtok;  // absent: cached input is billed as input
  std::string currency = "USD";
  std::string date;    // when the price was read
  std::string source;  // where
};

// A run against a real model (`--endpoint URL --model NAME`, or `--model local`) instead of the
// scripted one: what answered, how it was asked, and where every exchange is kept.
struct RealModel {
  std::string endpoint_kind;  // "local llama.cpp server", "loopback endpoint" or "remote endpoint"
  std::string endpoint;       // the endpoint's base URL, credentials never included
  std::string model;          // the model name asked for
  std::vector<std::string> reported_models;       // as the endpoint named itself in its answers
  std::vector<std::string> system_fingerprints;   // as the endpoint reported them
  std::string setting;        // "deterministic" (temperature 0, one seed) or "sampled" (a seed per trial)
  double temperature = 0;
  std::uint64_t seed = 0;     // deterministic: the seed of every request; sampled: the first trial's
  std::string exchanges_file;  // every request and answer, JSON lines, beside the results
  // The local server: its model file, licence, llama.cpp build and flags (from its manifest).
  std::map<std::string, std::string> local;
  std::optional<ModelPrice> price;  // none: no price known for the model (or a local model)
};

struct RunContext {
  std::string run_id;
  std::string started_at;  // ISO 8601, UTC
  std::string host;
  std::string cpu_model;
  int cores = 0;
  std::string build_type;
  std::string git_revision;
  std::map<std::string, std::string> versions;  // the harness's components (legion-bench, compiler, tokenizer, oracle) -> version
  // Each system's own components, as its worker (and so its environment) reported them: two
  // environments may hold different versions of one package.
  std::map<std::string, std::map<std::string, std::string>> system_versions;
  // A system's project status from datasets/systems.yaml (maintenance mode, with date and source).
  std::map<std::string, std::string> system_status;
  // Each system's environment in full (every installed package -> version), and its settings that
  // differ from its framework's defaults (setting -> value, default and why).
  std::map<std::string, std::map<std::string, std::string>> system_packages;
  std::map<std::string, std::map<std::string, std::string>> system_settings;
  std::map<std::string, std::int64_t> cold_start_ns;  // system -> worker start-up (-1: it failed to start)
  std::map<std::string, std::map<std::string, std::int64_t>> cold_start_parts;  // system -> part (interpreter, import, ...) -> ns
  std::map<std::string, std::int64_t> ready_rss_bytes;  // system -> resident memory once started, before any task
  std::uint64_t seed = 0;
  std::string latency_profile;
  std::string suite;
  std::vector<std::string> systems;
  std::vector<std::string> scenarios;
  int repetitions = 0;              // measured repetitions per cell (the minimum when adaptive)
  int warmup = 0;
  double target_relative_ci = 0;    // adaptive runs: target half-width of the 95% t interval, as a share of the mean
  int max_repetitions = 0;          // adaptive runs: the cap
  int concurrency = 1;
  std::string command;  // the command line that reproduces the run
  // Systems run from another build or environment (`NAME@LABEL`): system -> where it came from.
  std::map<std::string, std::string> variants;
  // Systems in the in-process mode (`NAME@in-process`): the median round trip of the pipe their model
  // calls cross, measured by the worker at start (what the mode adds to each call besides the framework).
  std::map<std::string, std::int64_t> model_pipe_round_trip_ns;
  // Test-only slowdowns injected into a system's model calls (microseconds per call). A run with
  // any is not a measurement of the system, and every report says so.
  std::map<std::string, std::int64_t> injected_delay_us;
  MachineState machine;
  MachineFloor floor;
  std::optional<RealModel> real_model;  // absent: the scripted model answered
  std::string noise_floor;  // this machine's calibrated run-to-run drift, as the reports state it (empty: not calibrated)
  bool interrupted = false;
  int schema_version = kResultsSchemaVersion;
};

// Why a real-model task failed, classified from its exchanges with the model (bench/src/failure_class.hpp),
// in the order the classification tries them (the first that applies):
//   timeout              the task ran past its time limit
//   endpoint error       the endpoint answered an error (HTTP status ≥ 400) or could not be reached
//   framework error      the system stopped with an error of its own
//   no tool call         the task offers tools and the model never called one
//   wrong tool           the model called a tool the task does not offer
//   malformed arguments  a tool call's arguments were not a JSON object, or the tool answered them with an error
//                        (a missing argument, an unknown key: "not found")
//   gave up or looped    the system stopped at its turn limit, or the model repeated one tool call three times
//   planted value lost   a planted value reached the model (it was in a request) but not the final answer
//   wrong answer         the answer lacks planted values that never reached the model
inline constexpr const char* kFailureClasses[] = {"timeout",           "endpoint error",    "framework error",
                                                  "no tool call",      "wrong tool",        "malformed arguments",
                                                  "gave up or looped", "planted value lost", "wrong answer"};

// One task's measurements. What each field means is documented once, in record_fields().
struct RunRecord {
  std::string system;
  std::string scenario;  // the scenario's name
  std::map<std::string, std::int64_t> params;  // the scenario's parameters as run (every declared one)
  std::string swept;     // the parameter this cell sweeps, kSweptConcurrency, or empty
  int repetition = 0;
  bool warmup = false;
  int tasks = 1;
  std::int64_t wall_ns = 0;
  std::int64_t cpu_user_ns = 0;
  std::int64_t cpu_sys_ns = 0;
  std::int64_t rss_peak_bytes = 0;
  std::uint64_t llm_calls = 0;
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint64_t request_bytes = 0;
  std::int64_t oracle_ns = 0;
  std::optional<std::int64_t> model_busy_ns;  // absent in records from before it was kept
  std::uint64_t reported_llm_calls = 0;
  std::optional<std::uint64_t> reported_prompt_tokens;
  std::optional<std::uint64_t> reported_completion_tokens;
  std::optional<std::int64_t> human_wait_ns;  // human-review scenarios: time the human took to answer
  // Each of the record's `tasks` copies: from the batch's start (all were submitted then) to its end.
  std::vector<std::int64_t> task_latencies_ns;
  std::optional<std::int64_t> ingest_ns, retrieval_ns;  // tasks with a knowledge base
  std::optional<std::uint64_t> embedding_calls, embedding_tokens;
  bool correct = false;
  bool unsupported = false;
  std::optional<std::string> error;
  std::string answer;
  // Real-model runs only: input tokens the endpoint served from its cache (for the price of cached
  // input), the seed the record's requests were sampled with, and why a task failed, classified
  // from its exchanges (a FailureClass name, failure_class.hpp; absent when it passed).
  std::optional<std::uint64_t> cached_prompt_tokens;
  std::optional<std::uint64_t> sampling_seed;
  std::optional<std::string> failure;
  // Traced runs only (--trace, NAME@traced): the task's spans (trace.hpp).
  std::optional<RecordTrace> trace;

  // The cell the record belongs to (cell_label): what summaries group by.
  std::string cell() const { return cell_label(scenario, params, swept, tasks); }
  // The one definition of overhead: wall time in which the model was not working on the record's
  // requests and the human was not answering. The model's time is the union of its requests'
  // service intervals (model_busy_ns), so calls in flight at once count once; a record from before
  // that was kept falls back on the sum of service times (oracle_ns), which is the union only when
  // the calls did not overlap.
  std::int64_t overhead_ns() const { return wall_ns - model_busy_ns.value_or(oracle_ns) - human_wait_ns.value_or(0); }
  // Whether overhead_ns() means anything: always with the union; with the sum only for one task at
  // a time, since a concurrent batch's summed service times can exceed its wall time many times.
  bool overhead_known() const { return model_busy_ns.has_value() || tasks == 1; }
  // Overhead per LLM call in µs, where overhead is known and the task made a call.
  std::optional<double> overhead_per_call_us() const {
    if (!overhead_known() || llm_calls == 0) return std::nullopt;
    return static_cast<double>(overhead_ns()) / 1e3 / static_cast<double>(llm_calls);
  }
};

// A field's value as every destination sees it: absent (JSON null, SQL NULL, an empty CSV cell),
// a flag, a signed integer, a count or text.
using FieldValue = std::variant<std::monostate, bool, std::int64_t, std::uint64_t, std::string>;
enum class FieldType { text, flag, integer, count };

// One field of a RunRecord. Its name is at once the results.json key, the SQLite column and the
// results.csv column, so the three cannot drift apart.
struct RecordField {
  const char* name;
  FieldType type;
  bool nullable;             // may be absent (null)
  const char* sql;           // the column's SQLite definition; nullptr: derived, not stored
  bool csv;                  // a column of results.csv
  const char* doc;
  FieldValue (*get)(const RunRecord&);
  void (*set)(RunRecord&, const FieldValue&);  // nullptr: derived from the other fields
  // Reads the field from a results.json record: absent or null gives the default; a value of the
  // wrong type throws std::invalid_argument naming the field.
  void (*read_json)(RunRecord&, const nlohmann::json&, const char* name);
};
// In the order of results.csv's columns.
std::span<const RecordField> record_fields();

namespace detail {
// A field's value, or `fallback` when it is absent or null; a value of the wrong type (or a
// negative count, or a number out of range) is an error that names the field.
template <typename T>
T field(const nlohmann::json& j, const char* key, T fallback) {
  if (!j.is_object()) throw std::invalid_argument("expected an object, got " + std::string(j.type_name()));
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  auto wrong = [&](const std::string& expected) {
    return std::invalid_argument("field '" + std::string(key) + "': expected " + expected + ", got " +
                                 (it->is_primitive() ? it->dump() : std::string(it->type_name())));
  };
  if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) throw wrong("true or false");
  } else if constexpr (std::is_integral_v<T>) {
    if (!it->is_number_integer()) throw wrong("an integer");
    if constexpr (std::is_unsigned_v<T>) {
      if (!it->is_number_unsigned()) throw wrong("a count (not negative)");
    } else if (it->is_number_unsigned() ? it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<T>::max())
                                         : (it->get<std::int64_t>() < std::numeric_limits<T>::min() ||
                                            it->get<std::int64_t>() > std::numeric_limits<T>::max())) {
      throw wrong("an integer within range");
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!it->is_number()) throw wrong("a number");
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) throw wrong("a string");
  }
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception& e) {  // containers: a member of the wrong type
    throw std::invalid_argument("field '" + std::string(key) + "': " + e.what());
  }
}
}  // namespace detail

// results.json's "run" block and its records. The readers throw std::invalid_argument naming the
// field that cannot be read (the results.json reader adds the file and the record's index).
nlohmann::json to_json(const RunContext& context);
RunContext context_from_json(const nlohmann::json& j);
nlohmann::json to_json(const ModelPrice& price);
ModelPrice price_from_json(const nlohmann::json& j);
nlohmann::json to_json(const RunRecord& record);
// A record written without `params` (schema 1) is upgraded (upgrade_schema_1_record).
RunRecord record_from_json(const nlohmann::json& j);
// A record of schema 1 given its cell's identity: `scenario` held the cell's label, which is the
// scenario's name followed, for a swept cell, by `[PARAM=VALUE]` — the one place a label is read.
// Its `params` hold the swept value only (schema 1 kept no other); a concurrency level is `tasks`.
void upgrade_schema_1_record(RunRecord& record);

}  // namespace legion::report
