#include "legion/report/results.hpp"

#include <charconv>
#include <stdexcept>

#include "legion/core/error_text.hpp"
#include "legion/stats/descriptive.hpp"

namespace legion::report {

using nlohmann::json;

using detail::field;

json to_json(const ModelPrice& p) {
  return {{"model", p.model}, {"input_per_mtok", p.input_per_mtok}, {"output_per_mtok", p.output_per_mtok},
          {"cached_input_per_mtok", p.cached_input_per_mtok ? json(*p.cached_input_per_mtok) : json(nullptr)},
          {"currency", p.currency}, {"date", p.date}, {"source", p.source}};
}

ModelPrice price_from_json(const json& j) {
  ModelPrice p;
  p.model = field(j, "model", std::string());
  p.input_per_mtok = field(j, "input_per_mtok", 0.0);
  p.output_per_mtok = field(j, "output_per_mtok", 0.0);
  if (const auto cached = j.find("cached_input_per_mtok"); cached != j.end() && !cached->is_null())
    p.cached_input_per_mtok = field(j, "cached_input_per_mtok", 0.0);
  p.currency = field(j, "currency", std::string("USD"));
  p.date = field(j, "date", std::string());
  p.source = field(j, "source", std::string());
  return p;
}

json to_json(const RealModel& m) {
  return {{"endpoint_kind", m.endpoint_kind}, {"endpoint", m.endpoint}, {"model", m.model},
          {"reported_models", m.reported_models}, {"system_fingerprints", m.system_fingerprints},
          {"setting", m.setting}, {"temperature", m.temperature}, {"seed", m.seed},
          {"exchanges_file", m.exchanges_file}, {"local", m.local},
          {"price", m.price ? to_json(*m.price) : json(nullptr)}};
}

RealModel real_model_from_json(const json& j) {
  RealModel m;
  m.endpoint_kind = field(j, "endpoint_kind", std::string());
  m.endpoint = field(j, "endpoint", std::string());
  m.model = field(j, "model", std::string());
  m.reported_models = field(j, "reported_models", std::vector<std::string>{});
  m.system_fingerprints = field(j, "system_fingerprints", std::vector<std::string>{});
  m.setting = field(j, "setting", std::string());
  m.temperature = field(j, "temperature", 0.0);
  m.seed = field(j, "seed", std::uint64_t{0});
  m.exchanges_file = field(j, "exchanges_file", std::string());
  m.local = field(j, "local", std::map<std::string, std::string>{});
  if (const auto price = j.find("price"); price != j.end() && !price->is_null()) m.price = price_from_json(*price);
  return m;
}

namespace {
double median_of_probes(const std::vector<FloorProbe>& probes, double (FloorProbe::*of)() const) {
  if (probes.empty()) return 0;
  std::vector<double> values;
  for (const auto& p : probes) values.push_back((p.*of)());
  return stats::median(values);
}

// A probe's measurements, each {median_us, p99_us}, under these keys.
constexpr std::pair<const char*, FloorTiming FloorProbe::*> kFloorTimings[] = {
    {"loopback", &FloorProbe::loopback}, {"loopback_one_cpu", &FloorProbe::loopback_one_cpu},
    {"http", &FloorProbe::http}, {"http_one_cpu", &FloorProbe::http_one_cpu}};

json floor_json(const MachineFloor& f) {
  if (f.probes.empty()) return nullptr;
  json probes = json::array();
  for (const auto& p : f.probes) {
    json probe{{"round", p.round}, {"at", p.at}, {"exchanges", p.exchanges}};
    for (const auto& [key, timing] : kFloorTimings) probe[key] = {{"median_us", (p.*timing).median_us}, {"p99_us", (p.*timing).p99_us}};
    probes.push_back(std::move(probe));
  }
  return {{"round_trip_us", f.round_trip_us()}, {"http_us", f.http_us()}, {"probes", probes}};
}

MachineFloor floor_from_json(const json& j) {
  MachineFloor f;
  if (j.is_null()) return f;
  if (!j.is_object()) throw std::invalid_argument("field 'floor': expected an object or null");
  const auto probes = j.find("probes");
  if (probes == j.end() || probes->is_null()) return f;
  if (!probes->is_array()) throw std::invalid_argument("field 'probes': expected an array");
  for (const auto& p : *probes) {
    FloorProbe probe;
    probe.round = field(p, "round", 0);
    probe.at = field(p, "at", std::string());
    probe.exchanges = field(p, "exchanges", 0);
    for (const auto& [key, timing] : kFloorTimings) {
      const auto t = p.find(key);
      if (t == p.end() || t->is_null()) continue;
      try {
        (probe.*timing).median_us = field(*t, "median_us", 0.0);
        (probe.*timing).p99_us = field(*t, "p99_us", 0.0);
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string(key) + ": " + e.what());
      }
    }
    f.probes.push_back(std::move(probe));
  }
  return f;
}
}  // namespace

double MachineFloor::round_trip_us() const { return median_of_probes(probes, &FloorProbe::round_trip_us); }
double MachineFloor::http_us() const { return median_of_probes(probes, &FloorProbe::http_us); }

json to_json(const RunContext& c) {
  return {{"schema_version", c.schema_version}, {"run_id", c.run_id},       {"start_time", c.started_at},
          {"host", c.host},                     {"cpu_model", c.cpu_model}, {"cores", c.cores},
          {"build_type", c.build_type},         {"git_revision", c.git_revision}, {"versions", c.versions}, {"cold_start_ns", c.cold_start_ns},
          {"cold_start_parts", c.cold_start_parts}, {"ready_rss_bytes", c.ready_rss_bytes},
          {"seed", c.seed},                     {"latency_profile", c.latency_profile}, {"suite", c.suite},
          {"systems", c.systems},               {"scenarios", c.scenarios}, {"repetitions", c.repetitions},
          {"warmup", c.warmup},                 {"concurrency", c.concurrency},
          {"target_relative_ci", c.target_relative_ci}, {"max_repetitions", c.max_repetitions}, {"command", c.command},
          {"variants", c.variants}, {"model_pipe_round_trip_ns", c.model_pipe_round_trip_ns},
          {"injected_delay_us", c.injected_delay_us},
          {"machine", {{"load_1m_start", c.machine.load_1m_start}, {"governor", c.machine.governor},
                       {"steal_share", c.machine.steal_share}, {"iowait_share", c.machine.iowait_share},
                       {"foreign_cpu_share", c.machine.foreign_cpu_share}, {"busy_processes", c.machine.busy_processes},
                       {"pinning", c.machine.pinning}, {"warnings", c.machine.warnings}}},
          {"floor", floor_json(c.floor)},
          {"noise_floor", c.noise_floor},
          {"real_model", c.real_model ? to_json(*c.real_model) : json(nullptr)},
          {"system_versions", c.system_versions},
          {"system_status", c.system_status},
          {"system_packages", c.system_packages},
          {"system_settings", c.system_settings},
          {"interrupted", c.interrupted}};
}

RunContext context_from_json(const json& j) {
  RunContext c;
  c.schema_version = field(j, "schema_version", kResultsSchemaVersion);
  if (c.schema_version > kResultsSchemaVersion)
    throw std::invalid_argument("schema_version " + std::to_string(c.schema_version) +
                                " is newer than this legion-bench reads (" + std::to_string(kResultsSchemaVersion) +
                                "); use a newer legion-bench");
  c.run_id = field(j, "run_id", std::string());
  c.started_at = field(j, "start_time", std::string());
  c.host = field(j, "host", std::string());
  c.cpu_model = field(j, "cpu_model", std::string());
  c.cores = field(j, "cores", 0);
  c.build_type = field(j, "build_type", std::string());
  c.git_revision = field(j, "git_revision", std::string());
  c.versions = field(j, "versions", std::map<std::string, std::string>{});
  c.cold_start_ns = field(j, "cold_start_ns", std::map<std::string, std::int64_t>{});
  c.cold_start_parts = field(j, "cold_start_parts", std::map<std::string, std::map<std::string, std::int64_t>>{});
  c.ready_rss_bytes = field(j, "ready_rss_bytes", std::map<std::string, std::int64_t>{});
  c.seed = field(j, "seed", std::uint64_t{0});
  c.latency_profile = field(j, "latency_profile", std::string());
  c.suite = field(j, "suite", std::string());
  c.systems = field(j, "systems", std::vector<std::string>{});
  c.scenarios = field(j, "scenarios", std::vector<std::string>{});
  c.repetitions = field(j, "repetitions", 0);
  c.warmup = field(j, "warmup", 0);
  c.target_relative_ci = field(j, "target_relative_ci", 0.0);
  c.max_repetitions = field(j, "max_repetitions", c.repetitions);
  c.concurrency = field(j, "concurrency", 1);
  c.command = field(j, "command", std::string());
  c.variants = field(j, "variants", std::map<std::string, std::string>{});
  c.injected_delay_us = field(j, "injected_delay_us", std::map<std::string, std::int64_t>{});
  if (const auto m = field(j, "machine", json::object()); m.is_object()) {
    c.machine.load_1m_start = field(m, "load_1m_start", 0.0);
    c.machine.governor = field(m, "governor", std::string());
    c.machine.steal_share = field(m, "steal_share", 0.0);
    c.machine.iowait_share = field(m, "iowait_share", 0.0);
    c.machine.foreign_cpu_share = field(m, "foreign_cpu_share", 0.0);
    c.machine.busy_processes = field(m, "busy_processes", std::vector<std::string>{});
    c.machine.pinning = field(m, "pinning", std::string());
    c.machine.warnings = field(m, "warnings", std::vector<std::string>{});
  }
  c.noise_floor = field(j, "noise_floor", std::string());
  if (const auto floor = j.find("floor"); floor != j.end()) {
    try {
      c.floor = floor_from_json(*floor);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("floor: ") + e.what());
    }
  }
  if (const auto real = j.find("real_model"); real != j.end() && !real->is_null()) {
    if (!real->is_object()) throw std::invalid_argument("field 'real_model': expected an object");
    try {
      c.real_model = real_model_from_json(*real);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("real_model: ") + e.what());
    }
  }
  c.model_pipe_round_trip_ns = field(j, "model_pipe_round_trip_ns", std::map<std::string, std::int64_t>{});
  c.system_versions = field(j, "system_versions", std::map<std::string, std::map<std::string, std::string>>{});
  c.system_status = field(j, "system_status", std::map<std::string, std::string>{});
  c.system_packages = field(j, "system_packages", std::map<std::string, std::map<std::string, std::string>>{});
  c.system_settings = field(j, "system_settings", std::map<std::string, std::map<std::string, std::string>>{});
  c.interrupted = field(j, "interrupted", false);
  return c;
}

namespace {

// How a member's C++ type maps to a field type, and the FieldValue alternative that carries it.
template <typename T> struct Kind;
template <> struct Kind<std::string> { static constexpr auto type = FieldType::text; using Value = std::string; };
template <> struct Kind<bool> { static constexpr auto type = FieldType::flag; using Value = bool; };
template <> struct Kind<int> { static constexpr auto type = FieldType::integer; using Value = std::int64_t; };
template <> struct Kind<std::int64_t> { static constexpr auto type = FieldType::integer; using Value = std::int64_t; };
template <> struct Kind<std::uint64_t> { static constexpr auto type = FieldType::count; using Value = std::uint64_t; };

template <typename T> struct Optional { using type = T; static constexpr bool nullable = false; };
template <typename T> struct Optional<std::optional<T>> { using type = T; static constexpr bool nullable = true; };

template <auto M> using MemberOf = std::remove_cvref_t<decltype(std::declval<RunRecord&>().*M)>;

template <auto M>
FieldValue get_member(const RunRecord& r) {
  using O = Optional<MemberOf<M>>;
  using Value = typename Kind<typename O::type>::Value;
  if constexpr (O::nullable) return r.*M ? FieldValue(Value(*(r.*M))) : FieldValue();
  else return FieldValue(Value(r.*M));
}

template <auto M>
void set_member(RunRecord& r, const FieldValue& v) {
  using O = Optional<MemberOf<M>>;
  using Value = typename Kind<typename O::type>::Value;
  if (std::holds_alternative<std::monostate>(v)) r.*M = MemberOf<M>{};
  else r.*M = static_cast<typename O::type>(std::get<Value>(v));
}

template <auto M>
void read_member(RunRecord& r, const json& j, const char* name) {
  using O = Optional<MemberOf<M>>;
  if constexpr (O::nullable) {
    if (!j.is_object() || !j.contains(name) || j[name].is_null()) r.*M = std::nullopt;
    else r.*M = field(j, name, typename O::type{});
  } else {
    r.*M = field(j, name, r.*M);  // absent: the member's default
  }
}

template <auto M>
RecordField member(const char* name, const char* sql, bool csv, const char* doc) {
  using O = Optional<MemberOf<M>>;
  return {name, Kind<typename O::type>::type, O::nullable, sql, csv, doc, &get_member<M>, &set_member<M>, &read_member<M>};
}
// The member's name is the field's name everywhere.
#define LEGION_FIELD(member_name, ...) member<&RunRecord::member_name>(#member_name, __VA_ARGS__)

// Per-task latencies as one text value: "1200,1350,1900" (nanoseconds).
std::string join_latencies(const std::vector<std::int64_t>& latencies) {
  std::string out;
  for (const auto ns : latencies) out += (out.empty() ? "" : ",") + std::to_string(ns);
  return out;
}
std::vector<std::int64_t> split_latencies(const std::string& text, const char* name) {
  std::vector<std::int64_t> out;
  for (std::size_t start = 0; start < text.size();) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const auto item = text.substr(start, comma - start);
    std::size_t used = 0;
    std::int64_t ns = -1;
    try {
      ns = std::stoll(item, &used);
    } catch (const std::logic_error&) {
    }
    if (used != item.size() || item.empty() || ns < 0)
      throw std::invalid_argument("field '" + std::string(name) + "': '" + item + "' is not a latency in nanoseconds");
    out.push_back(ns);
    start = comma + 1;
  }
  return out;
}

// A cell's parameters as one text value, a JSON object: {"extra_tools":10}.
std::string params_text(const std::map<std::string, std::int64_t>& params) { return json(params).dump(); }
std::map<std::string, std::int64_t> params_from_text(const std::string& text, const char* name) {
  const auto j = json::parse(text, nullptr, false);
  std::map<std::string, std::int64_t> out;
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (!value.is_number_integer()) break;
      out[key] = value.get<std::int64_t>();
    }
    if (out.size() == j.size()) return out;
  }
  throw std::invalid_argument("field '" + std::string(name) + "': '" + text + "' is not a JSON object of integer parameters");
}

const std::vector<RecordField>& table() {
  static const std::vector<RecordField> fields = {
      LEGION_FIELD(system, "TEXT NOT NULL", true, "the system that ran the task (NAME or NAME@LABEL)"),
      LEGION_FIELD(scenario, "TEXT NOT NULL", true, "the scenario's name"),
      // NULL in a store's rows of schema 1, which is how the store knows to upgrade them.
      RecordField{"params", FieldType::text, true, "TEXT", true,
                  "the scenario's parameters as run, a JSON object of integers ({} for a scenario without any)",
                  [](const RunRecord& r) { return FieldValue(params_text(r.params)); },
                  [](RunRecord& r, const FieldValue& v) {
                    r.params = std::holds_alternative<std::string>(v) ? params_from_text(std::get<std::string>(v), "params")
                                                                      : std::map<std::string, std::int64_t>{};
                  },
                  [](RunRecord& r, const json& j, const char* name) {
                    r.params = params_from_text(field(j, name, std::string("{}")), name);
                  }},
      LEGION_FIELD(swept, "TEXT NOT NULL DEFAULT ''", true,
                   "the parameter whose value sets this cell apart (a sweep), 'concurrency' (a concurrency level: tasks), or empty"),
      RecordField{"cell", FieldType::text, false, nullptr, true,
                  "the cell's label, made from scenario, params, swept and tasks: scenario, or scenario[PARAM=VALUE] for a swept cell",
                  [](const RunRecord& r) { return FieldValue(r.cell()); }, nullptr,
                  [](RunRecord&, const json&, const char*) {}},  // derived: recomputed, not read
      LEGION_FIELD(repetition, "INTEGER NOT NULL", true, "0-based, numbered per cell; warm-up runs are flagged, not numbered apart"),
      LEGION_FIELD(warmup, "INTEGER NOT NULL", true, "a warm-up run: recorded, not summarised"),
      LEGION_FIELD(tasks, "INTEGER NOT NULL DEFAULT 1", true, "copies of the task run concurrently in this record"),
      LEGION_FIELD(wall_ns, "INTEGER", true, "wall time of the task, measured by the worker"),
      LEGION_FIELD(cpu_user_ns, "INTEGER", true, "user CPU time of the worker during the task"),
      LEGION_FIELD(cpu_sys_ns, "INTEGER", true, "system CPU time of the worker during the task"),
      LEGION_FIELD(rss_peak_bytes, "INTEGER", true, "the worker's resident-memory high-water mark during the task"),
      LEGION_FIELD(llm_calls, "INTEGER", true, "requests the model server served for this record"),
      LEGION_FIELD(prompt_tokens, "INTEGER", true, "prompt tokens, counted by the model server (o200k_base); real-model runs: as the endpoint reported them"),
      LEGION_FIELD(completion_tokens, "INTEGER", true, "completion tokens, counted by the model server; real-model runs: as the endpoint reported them"),
      LEGION_FIELD(request_bytes, "INTEGER NOT NULL DEFAULT 0", true,
                   "bytes of the request bodies the model server received for this record (0 in stores from before it was kept)"),
      LEGION_FIELD(oracle_ns, "INTEGER", true, "sum of the model server's service times (calls in flight at once each count in full)"),
      LEGION_FIELD(model_busy_ns, "INTEGER", true,
                   "time the model server was working on this record's requests: the union of their service intervals, so calls "
                   "in flight at once count once (null in records from before it was kept)"),
      RecordField{"overhead_ns", FieldType::integer, true, nullptr, true,
                  "wall_ns − model_busy_ns − human_wait_ns: time in which neither the model nor the human was working on the "
                  "task (records without model_busy_ns: oracle_ns in its place, and null when tasks > 1)",
                  [](const RunRecord& r) { return r.overhead_known() ? FieldValue(r.overhead_ns()) : FieldValue(); }, nullptr,
                  [](RunRecord&, const json&, const char*) {}},  // derived: recomputed, not read
      LEGION_FIELD(reported_llm_calls, "INTEGER", true, "LLM calls as the system itself reported them (a cross-check)"),
      LEGION_FIELD(reported_prompt_tokens, "INTEGER", true, "the system's own prompt-token count, when it keeps one"),
      LEGION_FIELD(reported_completion_tokens, "INTEGER", true, "the system's own completion-token count, when it keeps one"),
      LEGION_FIELD(human_wait_ns, "INTEGER", true,
                   "human-review scenarios: time spent waiting for the scripted human, excluded from overhead"),
      RecordField{"task_latencies_ns", FieldType::text, true, "TEXT", false,
                  "each concurrent copy's latency, comma-separated: from the batch's start (every copy submitted) to its end",
                  [](const RunRecord& r) { return r.task_latencies_ns.empty() ? FieldValue() : FieldValue(join_latencies(r.task_latencies_ns)); },
                  [](RunRecord& r, const FieldValue& v) {
                    r.task_latencies_ns = std::holds_alternative<std::string>(v) ? split_latencies(std::get<std::string>(v), "task_latencies_ns")
                                                                                 : std::vector<std::int64_t>{};
                  },
                  [](RunRecord& r, const json& j, const char* name) {
                    r.task_latencies_ns = split_latencies(field(j, name, std::string()), name);
                  }},
      LEGION_FIELD(ingest_ns, "INTEGER", true,
                   "tasks with a knowledge base: time the system spent putting the documents into its store (embedding calls included)"),
      LEGION_FIELD(retrieval_ns, "INTEGER", true,
                   "tasks with a knowledge base: time the system spent in its retrievals (query embedding and search)"),
      LEGION_FIELD(embedding_calls, "INTEGER", true, "requests to the model server's /v1/embeddings for this record (not in llm_calls)"),
      LEGION_FIELD(embedding_tokens, "INTEGER", true, "tokens of the embedded texts, counted by the model server (not in prompt_tokens)"),
      LEGION_FIELD(correct, "INTEGER NOT NULL", true, "every answer held the planted values"),
      LEGION_FIELD(unsupported, "INTEGER NOT NULL DEFAULT 0", true,
                   "the system cannot express the scenario; error says why"),
      LEGION_FIELD(error, "TEXT", true, "why the task failed (null when it did not)"),
      LEGION_FIELD(answer, "TEXT", false, "the system's final answer, for inspection"),
      LEGION_FIELD(cached_prompt_tokens, "INTEGER", true,
                   "real-model runs: prompt tokens the endpoint served from its cache, as it reported them (null: not reported)"),
      LEGION_FIELD(sampling_seed, "INTEGER", true, "real-model runs: the seed of the record's requests"),
      LEGION_FIELD(failure, "TEXT", true,
                   "real-model runs: why the task failed, classified from its exchanges with the model (null when it passed)"),
      RecordField{"trace", FieldType::text, true, "TEXT", false,
                  "traced runs: the task's spans as compact JSON (start_unix_ns, model, server, spans: kind, name, agent, "
                  "start_ns and end_ns since the task's start, tokens and outcome of model calls); null when not traced",
                  [](const RunRecord& r) { return r.trace ? FieldValue(to_text(*r.trace)) : FieldValue(); },
                  [](RunRecord& r, const FieldValue& v) {
                    if (std::holds_alternative<std::string>(v)) r.trace = trace_from_text(std::get<std::string>(v), "field 'trace'");
                    else r.trace.reset();
                  },
                  [](RunRecord& r, const json& j, const char* name) {
                    if (!j.is_object() || !j.contains(name) || j[name].is_null()) r.trace.reset();
                    else r.trace = trace_from_text(field(j, name, std::string()), "field 'trace'");
                  }},
  };
  return fields;
}
#undef LEGION_FIELD

json to_json(const FieldValue& v) {
  return std::visit([](const auto& x) -> json {
    if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::monostate>) return nullptr;
    else return x;
  }, v);
}

}  // namespace

std::span<const RecordField> record_fields() { return table(); }

std::string cell_label(const std::string& scenario, const std::map<std::string, std::int64_t>& params, const std::string& swept,
                       int tasks) {
  if (swept.empty()) return scenario;
  if (swept == kSweptConcurrency) return scenario + "[" + swept + "=" + std::to_string(tasks) + "]";
  const auto value = params.find(swept);
  return scenario + "[" + swept + "=" + (value == params.end() ? std::string("?") : std::to_string(value->second)) + "]";
}

void upgrade_schema_1_record(RunRecord& r) {
  r.params.clear();
  r.swept.clear();
  const std::string_view label = r.scenario;
  const auto open = label.find('['), equals = label.find('=', open);
  if (open == std::string_view::npos || open == 0 || equals == std::string_view::npos || !label.ends_with(']')) return;
  const auto param = label.substr(open + 1, equals - open - 1);
  const auto digits = label.substr(equals + 1, label.size() - equals - 2);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (param.empty() || digits.empty() || error != std::errc() || end != digits.data() + digits.size()) return;
  r.swept = std::string(param);
  if (r.swept != kSweptConcurrency) r.params[r.swept] = value;
  r.scenario = std::string(label.substr(0, open));
}

json to_json(const RunRecord& r) {
  json j = json::object();
  for (const auto& f : record_fields()) j[f.name] = to_json(f.get(r));
  return j;
}

RunRecord record_from_json(const json& j) {
  RunRecord r;
  for (const auto& f : record_fields()) f.read_json(r, j, f.name);
  if (r.system.empty() || r.scenario.empty()) throw std::invalid_argument("a record needs 'system' and 'scenario'");
  if (!j.contains("params") || j["params"].is_null()) upgrade_schema_1_record(r);
  if (r.error) r.error = core::clip_error_text(*r.error);  // a results.json from before errors were clipped
  return r;
}

}  // namespace legion::report
