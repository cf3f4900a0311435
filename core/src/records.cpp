#include "legion/core/records.hpp"

namespace legion::core {

using nlohmann::json;

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
  c.schema_version = j.value("schema_version", kResultsSchemaVersion);
  c.run_id = j.value("run_id", "");
  c.started_at = j.value("start_time", "");
  c.host = j.value("host", "");
  c.cpu_model = j.value("cpu_model", "");
  c.cores = j.value("cores", 0);
  c.build_type = j.value("build_type", "");
  c.git_revision = j.value("git_revision", "");
  c.versions = j.value("versions", std::map<std::string, std::string>{});
  c.cold_start_ns = j.value("cold_start_ns", std::map<std::string, std::int64_t>{});
  c.cold_start_parts = j.value("cold_start_parts", std::map<std::string, std::map<std::string, std::int64_t>>{});
  c.ready_rss_bytes = j.value("ready_rss_bytes", std::map<std::string, std::int64_t>{});
  c.seed = j.value("seed", std::uint64_t{0});
  c.latency_profile = j.value("latency_profile", "");
  c.suite = j.value("suite", "");
  c.systems = j.value("systems", std::vector<std::string>{});
  c.scenarios = j.value("scenarios", std::vector<std::string>{});
  c.repetitions = j.value("repetitions", 0);
  c.warmup = j.value("warmup", 0);
  c.target_relative_ci = j.value("target_relative_ci", 0.0);
  c.max_repetitions = j.value("max_repetitions", c.repetitions);
  c.concurrency = j.value("concurrency", 1);
  c.command = j.value("command", "");
  c.variants = j.value("variants", std::map<std::string, std::string>{});
  c.injected_delay_us = j.value("injected_delay_us", std::map<std::string, std::int64_t>{});
  if (const auto m = j.value("machine", json::object()); m.is_object()) {
    c.machine.load_1m_start = m.value("load_1m_start", 0.0);
    c.machine.governor = m.value("governor", "");
    c.machine.steal_share = m.value("steal_share", 0.0);
    c.machine.iowait_share = m.value("iowait_share", 0.0);
    c.machine.foreign_cpu_share = m.value("foreign_cpu_share", 0.0);
    c.machine.busy_processes = m.value("busy_processes", std::vector<std::string>{});
    c.machine.pinning = m.value("pinning", "");
    c.machine.warnings = m.value("warnings", std::vector<std::string>{});
  }
  c.noise_floor = j.value("noise_floor", "");
  c.interrupted = j.value("interrupted", false);
  return c;
}

namespace {
json optional_count(const std::optional<std::uint64_t>& n) { return n ? json(*n) : json(nullptr); }
std::optional<std::uint64_t> optional_count(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number()) return std::nullopt;
  return j[key].get<std::uint64_t>();
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
  r.system = j.at("system").get<std::string>();
  r.scenario = j.at("scenario").get<std::string>();
  r.repetition = j.value("repetition", 0);
  r.warmup = j.value("warmup", false);
  r.tasks = j.value("tasks", 1);
  r.wall_ns = j.value("wall_ns", std::int64_t{0});
  r.cpu_user_ns = j.value("cpu_user_ns", std::int64_t{0});
  r.cpu_sys_ns = j.value("cpu_sys_ns", std::int64_t{0});
  r.rss_peak_bytes = j.value("rss_peak_bytes", std::int64_t{0});
  r.llm_calls = j.value("llm_calls", std::uint64_t{0});
  r.prompt_tokens = j.value("prompt_tokens", std::uint64_t{0});
  r.completion_tokens = j.value("completion_tokens", std::uint64_t{0});
  r.oracle_ns = j.value("oracle_ns", std::int64_t{0});
  r.reported_llm_calls = j.value("reported_llm_calls", std::uint64_t{0});
  r.reported_prompt_tokens = optional_count(j, "reported_prompt_tokens");
  r.reported_completion_tokens = optional_count(j, "reported_completion_tokens");
  r.correct = j.value("correct", false);
  r.unsupported = j.value("unsupported", false);
  if (j.contains("error") && j["error"].is_string()) r.error = j["error"].get<std::string>();
  r.answer = j.value("answer", "");
  return r;
}

}  // namespace legion::core
