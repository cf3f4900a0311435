// results.json: the run's context block, its records (written from the field table), the
// statistics' options and what they made of the records; and reading it back.
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include "legion/report/concurrency.hpp"
#include "legion/report/reporters.hpp"
#include "legion/report/sweep.hpp"

namespace legion::report {

namespace {
nlohmann::json estimate_json(const std::optional<stats::Estimate>& e) {
  if (!e) return nullptr;
  auto bound = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  return {{"estimate", e->point}, {"low", bound(e->lower)}, {"high", bound(e->upper)}, {"level", e->level}};
}
}  // namespace

nlohmann::json results_json(const RunResults& r) {
  using nlohmann::json;
  json j = {{"run", to_json(r.context)},        {"records", json::array()}, {"statistics", to_json(r.options)},
            {"summaries", json::array()}, {"suite", json::array()}};
  for (const auto& rec : r.records) j["records"].push_back(to_json(rec));
  // Derived from the records by the statistics module (read back, they are recomputed, not trusted).
  for (const auto& s : r.summaries) {
    auto stat = [](const stats::Summary& x) {
      return x.n == 0 ? json(nullptr) : json{{"n", x.n}, {"median", x.median}, {"mean", x.mean}, {"min", x.min}, {"max", x.max}, {"stddev", x.stddev}};
    };
    j["summaries"].push_back({{"scenario", s.scenario},
                              {"system", s.system},
                              {"runs", s.runs},
                              {"correct", s.correct},
                              {"errors", s.errors},
                              {"wall_ms", stat(s.wall_ms)},
                              {"wall_median_ci_ms", estimate_json(s.wall_median_ci)},
                              {"overhead_ms", stat(s.overhead_ms)},
                              {"overhead_per_llm_call_us", s.overhead_ms.n ? json(s.overhead_per_call_us) : json(nullptr)},
                              {"ratio_to_baseline", estimate_json(s.ratio_to_baseline)},
                              {"p_value_adjusted", s.p_adjusted ? json(*s.p_adjusted) : json(nullptr)},
                              {"cliffs_delta", s.cliffs_delta ? json(*s.cliffs_delta) : json(nullptr)},
                              {"llm_calls", s.llm_calls},
                              {"prompt_tokens", s.prompt_tokens},
                              {"completion_tokens", s.completion_tokens},
                              {"reported_prompt_tokens", s.reported_prompt_tokens ? json(*s.reported_prompt_tokens) : json(nullptr)},
                              {"reported_completion_tokens",
                               s.reported_completion_tokens ? json(*s.reported_completion_tokens) : json(nullptr)},
                              {"token_mismatches", s.token_mismatches},
                              {"rss_peak_mb", s.rss_peak_mb},
                              {"unsupported", s.unsupported ? json(*s.unsupported) : json(nullptr)}});
  }
  for (const auto& s : r.suite)
    j["suite"].push_back({{"system", s.system},
                          {"baseline", s.baseline},
                          {"scenarios", s.scenarios},
                          {"geometric_mean_ratio", estimate_json(std::optional<stats::Estimate>(s.geometric_mean))}});
  // The parameter sweeps' slopes and the concurrency levels, as the Markdown shows them.
  j["sweeps"] = json::array();
  for (const auto& t : sweep_trends(r)) {
    json x = {{"scenario", t.scenario}, {"param", t.param}, {"system", t.system}, {"metric", t.metric}, {"unit", t.unit},
              {"records", t.records}, {"medians", t.medians}, {"slope", nullptr}};
    if (t.fit) x["slope"] = {{"estimate", t.fit->slope}, {"low", t.fit->low}, {"high", t.fit->high}, {"level", t.level}};
    j["sweeps"].push_back(std::move(x));
  }
  j["concurrency"] = to_json(concurrency_levels(r));
  return j;
}

RunResults read_results_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot open " + file.string() + ": " + std::strerror(errno));
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("run") || !j.contains("records") || !j["records"].is_array())
    throw std::runtime_error(file.string() + ": not a legion-bench results.json");
  RunResults r;
  try {
    r.context = context_from_json(j["run"]);
  } catch (const std::exception& e) {
    throw std::runtime_error(file.string() + ": run: " + e.what());
  }
  for (std::size_t i = 0; i < j["records"].size(); ++i) {
    try {
      r.records.push_back(record_from_json(j["records"][i]));
    } catch (const std::exception& e) {
      throw std::runtime_error(file.string() + ": record " + std::to_string(i) + ": " + e.what());
    }
  }
  // The options the summaries were made with, so that they are made again the same way (older
  // files have none: the defaults, which they were made with).
  if (j.contains("statistics")) {
    try {
      r.options = summary_options_from_json(j["statistics"]);
    } catch (const std::exception& e) {
      throw std::runtime_error(file.string() + ": statistics: " + e.what());
    }
  }
  summarize_run(r);
  return r;
}


}  // namespace legion::report
