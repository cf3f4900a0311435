// results.json: the run's context block, its records (written from the field table), the
// statistics' options and what they made of the records; and reading it back.
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include "legion/report/reporters.hpp"
#include "legion/report/statistics.hpp"

namespace legion::report {

nlohmann::json results_json(const RunResults& r) {
  using nlohmann::json;
  json j = {{"run", to_json(r.context)},        {"records", json::array()}, {"statistics", to_json(r.options)},
            {"summaries", json::array()}, {"suite", json::array()}};
  for (const auto& rec : r.records) j["records"].push_back(to_json(rec));
  // Derived from the records by the analysis (read back, they are recomputed, not trusted); each
  // summary holds every declared cell statistic (statistics.hpp).
  for (const auto& s : r.summaries) {
    json summary = json::object();
    for (const auto& field : cell_identity_fields()) summary[field.name] = field.of(s);
    for (const auto& statistic : cell_statistics())
      if (statistic.json) summary[statistic.key()] = to_json(statistic.value(s));
    j["summaries"].push_back(std::move(summary));
  }
  for (const auto& s : r.suite)
    j["suite"].push_back({{"system", s.system},
                          {"baseline", s.baseline},
                          {"scenarios", s.scenarios},
                          {"geometric_mean_ratio", to_json(StatisticValue(s.geometric_mean))}});
  // The parameter sweeps' slopes and the concurrency levels, as the Markdown shows them.
  j["sweeps"] = json::array();
  for (const auto& t : r.sweeps) {
    json x = {{"scenario", t.scenario}, {"param", t.param}, {"system", t.system}, {"metric", t.metric}, {"unit", t.unit},
              {"records", t.records}, {"medians", t.medians}, {"slope", nullptr}};
    if (t.fit) x["slope"] = {{"estimate", t.fit->slope}, {"low", t.fit->low}, {"high", t.fit->high}, {"level", t.level}};
    j["sweeps"].push_back(std::move(x));
  }
  j["concurrency"] = to_json(r.concurrency);
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
