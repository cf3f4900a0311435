#include "legion/core/records.hpp"

#include <limits>
#include <stdexcept>

namespace legion::core {

using nlohmann::json;

namespace {

// A field's value, or `fallback` when it is absent or null; a value of the wrong type (or a
// negative count, or a number out of range) is an error that names the field.
template <typename T>
T field(const json& j, const char* key, T fallback) {
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
  } catch (const json::exception& e) {  // containers: a member of the wrong type
    throw std::invalid_argument("field '" + std::string(key) + "': " + e.what());
  }
}

}  // namespace

json to_json(const RunContext& c) {
  return {{"schema_version", c.schema_version}, {"run_id", c.run_id},       {"start_time", c.started_at},
          {"host", c.host},                     {"cpu_model", c.cpu_model}, {"cores", c.cores},
          {"build_type", c.build_type},         {"git_revision", c.git_revision}, {"versions", c.versions}, {"cold_start_ns", c.cold_start_ns},
          {"cold_start_parts", c.cold_start_parts}, {"ready_rss_bytes", c.ready_rss_bytes},
          {"seed", c.seed},                     {"latency_profile", c.latency_profile}, {"suite", c.suite},
          {"systems", c.systems},               {"scenarios", c.scenarios}, {"repetitions", c.repetitions},
          {"warmup", c.warmup},                 {"concurrency", c.concurrency},
          {"target_relative_ci", c.target_relative_ci}, {"max_repetitions", c.max_repetitions}, {"command", c.command},
          {"variants", c.variants}, {"injected_delay_us", c.injected_delay_us},
          {"machine", {{"load_1m_start", c.machine.load_1m_start}, {"governor", c.machine.governor},
                       {"steal_share", c.machine.steal_share}, {"iowait_share", c.machine.iowait_share},
                       {"foreign_cpu_share", c.machine.foreign_cpu_share}, {"busy_processes", c.machine.busy_processes},
                       {"pinning", c.machine.pinning}, {"warnings", c.machine.warnings}}},
          {"noise_floor", c.noise_floor},
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
  c.interrupted = field(j, "interrupted", false);
  return c;
}

namespace {
json optional_count(const std::optional<std::uint64_t>& n) { return n ? json(*n) : json(nullptr); }
std::optional<std::uint64_t> optional_count(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return field(j, key, std::uint64_t{0});
}
}  // namespace

json to_json(const RunRecord& r) {
  return {{"system", r.system},
          {"scenario", r.scenario},
          {"repetition", r.repetition},
          {"warmup", r.warmup},
          {"tasks", r.tasks},
          {"wall_ns", r.wall_ns},
          {"cpu_user_ns", r.cpu_user_ns},
          {"cpu_sys_ns", r.cpu_sys_ns},
          {"rss_peak_bytes", r.rss_peak_bytes},
          {"llm_calls", r.llm_calls},
          {"prompt_tokens", r.prompt_tokens},
          {"completion_tokens", r.completion_tokens},
          {"oracle_ns", r.oracle_ns},
          {"overhead_ns", r.tasks == 1 ? nlohmann::json(r.overhead_ns()) : nlohmann::json(nullptr)},
          {"reported_llm_calls", r.reported_llm_calls},
          {"reported_prompt_tokens", optional_count(r.reported_prompt_tokens)},
          {"reported_completion_tokens", optional_count(r.reported_completion_tokens)},
          {"correct", r.correct},
          {"unsupported", r.unsupported},
          {"error", r.error ? json(*r.error) : json(nullptr)},
          {"answer", r.answer}};
}

RunRecord record_from_json(const json& j) {
  RunRecord r;
  r.system = field(j, "system", std::string());
  r.scenario = field(j, "scenario", std::string());
  if (r.system.empty() || r.scenario.empty()) throw std::invalid_argument("a record needs 'system' and 'scenario'");
  r.repetition = field(j, "repetition", 0);
  r.warmup = field(j, "warmup", false);
  r.tasks = field(j, "tasks", 1);
  r.wall_ns = field(j, "wall_ns", std::int64_t{0});
  r.cpu_user_ns = field(j, "cpu_user_ns", std::int64_t{0});
  r.cpu_sys_ns = field(j, "cpu_sys_ns", std::int64_t{0});
  r.rss_peak_bytes = field(j, "rss_peak_bytes", std::int64_t{0});
  r.llm_calls = field(j, "llm_calls", std::uint64_t{0});
  r.prompt_tokens = field(j, "prompt_tokens", std::uint64_t{0});
  r.completion_tokens = field(j, "completion_tokens", std::uint64_t{0});
  r.oracle_ns = field(j, "oracle_ns", std::int64_t{0});
  r.reported_llm_calls = field(j, "reported_llm_calls", std::uint64_t{0});
  r.reported_prompt_tokens = optional_count(j, "reported_prompt_tokens");
  r.reported_completion_tokens = optional_count(j, "reported_completion_tokens");
  r.correct = field(j, "correct", false);
  r.unsupported = field(j, "unsupported", false);
  if (j.contains("error") && !j["error"].is_null()) r.error = field(j, "error", std::string());
  r.answer = field(j, "answer", std::string());
  return r;
}

}  // namespace legion::core
