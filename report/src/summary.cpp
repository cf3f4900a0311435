#include "legion/report/summary.hpp"

#include <algorithm>
#include <map>

#include "legion/stats/compare.hpp"

namespace legion::report {

namespace {
std::vector<double> walls_ms(const std::vector<RunRecord>& records, const std::string& scenario, const std::string& system) {
  std::vector<double> out;
  for (const auto& r : records)
    if (!r.warmup && !r.error && r.scenario == scenario && r.system == system) out.push_back(static_cast<double>(r.wall_ns) / 1e6);
  return out;
}

std::string baseline_of(const std::vector<CellSummary>& cells, const std::string& preferred) {
  for (const auto& c : cells)
    if (c.system == preferred) return preferred;
  return cells.empty() ? preferred : cells.front().system;
}
}  // namespace

std::vector<CellSummary> summarize(const std::vector<RunRecord>& records, const SummaryOptions& options) {
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, std::vector<const RunRecord*>> cells;
  for (const auto& r : records) {
    if (r.warmup && !r.unsupported) continue;  // an unsupported cell may have no measured record at all
    auto key = std::make_pair(r.scenario, r.system);
    if (!cells.contains(key)) order.push_back(key);
    cells[key].push_back(&r);
  }
  // Scenarios in the order they were first run (warm-ups included), so that a cell known only from a
  // warm-up record (an unsupported one) sits with its scenario.
  std::map<std::string, std::size_t> scenario_rank;
  for (const auto& r : records) scenario_rank.emplace(r.scenario, scenario_rank.size());
  std::stable_sort(order.begin(), order.end(),
                   [&](const auto& a, const auto& b) { return scenario_rank[a.first] < scenario_rank[b.first]; });
  std::vector<CellSummary> out;
  for (const auto& key : order) {
    const auto& rs = cells[key];
    CellSummary s;
    s.scenario = key.first;
    s.system = key.second;
    std::vector<double> wall, overhead, per_call, calls, prompt, completion, rss, oracle, reported_prompt, reported_completion;
    for (const auto* r : rs) {
      if (r->unsupported) {
        s.unsupported = r->error.value_or("not supported");
        continue;
      }
      ++s.runs;
      if (r->correct) ++s.correct;
      if (r->error) {
        ++s.errors;
        if (std::find(s.error_messages.begin(), s.error_messages.end(), *r->error) == s.error_messages.end())
          s.error_messages.push_back(*r->error);
        continue;
      }
      wall.push_back(static_cast<double>(r->wall_ns) / 1e6);
      oracle.push_back(static_cast<double>(r->oracle_ns) / 1e6);
      if (r->tasks == 1) overhead.push_back(static_cast<double>(r->overhead_ns()) / 1e6);
      if (r->tasks == 1 && r->llm_calls > 0) per_call.push_back(static_cast<double>(r->overhead_ns()) / 1e3 / static_cast<double>(r->llm_calls));
      calls.push_back(static_cast<double>(r->llm_calls));
      prompt.push_back(static_cast<double>(r->prompt_tokens));
      completion.push_back(static_cast<double>(r->completion_tokens));
      rss.push_back(static_cast<double>(r->rss_peak_bytes) / (1024.0 * 1024.0));
      if (r->reported_prompt_tokens) reported_prompt.push_back(static_cast<double>(*r->reported_prompt_tokens));
      if (r->reported_completion_tokens) reported_completion.push_back(static_cast<double>(*r->reported_completion_tokens));
      if (r->reported_prompt_tokens.value_or(r->prompt_tokens) != r->prompt_tokens ||
          r->reported_completion_tokens.value_or(r->completion_tokens) != r->completion_tokens)
        ++s.token_mismatches;
    }
    if (!reported_prompt.empty()) s.reported_prompt_tokens = stats::median(reported_prompt);
    if (!reported_completion.empty()) s.reported_completion_tokens = stats::median(reported_completion);
    if (!wall.empty()) {
      s.wall_ms = stats::summarize(wall);
      s.wall_q1_ms = stats::quantile(wall, 0.25);
      s.wall_q3_ms = stats::quantile(wall, 0.75);
      s.oracle_ms = stats::median(oracle);
      if (!overhead.empty()) s.overhead_ms = stats::summarize(overhead);
      s.llm_calls = stats::median(calls);
      s.prompt_tokens = stats::median(prompt);
      s.completion_tokens = stats::median(completion);
      s.rss_peak_mb = stats::median(rss);
    }
    if (!per_call.empty()) s.overhead_per_call_us = stats::median(per_call);
    if (wall.size() >= 2) s.wall_median_ci = stats::bootstrap_median(wall, {options.resamples, options.seed, options.level}).bca;
    out.push_back(std::move(s));
  }
  // Each system against the baseline on the same scenario; Holm across every such comparison.
  const auto baseline = baseline_of(out, options.baseline);
  std::vector<double> p_values;
  std::vector<std::size_t> compared;
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto& c = out[i];
    if (c.system == baseline) continue;
    auto mine = walls_ms(records, c.scenario, c.system), theirs = walls_ms(records, c.scenario, baseline);
    if (mine.size() < 2 || theirs.size() < 2) continue;
    c.ratio_to_baseline = stats::hodges_lehmann_ratio(mine, theirs, options.level);
    c.cliffs_delta = stats::cliffs_delta(mine, theirs);
    p_values.push_back(stats::mann_whitney_u(mine, theirs).p_value);
    compared.push_back(i);
  }
  auto adjusted = stats::holm(p_values);
  for (std::size_t k = 0; k < compared.size(); ++k) out[compared[k]].p_adjusted = adjusted[k];
  return out;
}

std::vector<SuiteRatio> suite_ratios(const std::vector<RunRecord>& records, const std::vector<CellSummary>& cells,
                                     const SummaryOptions& options) {
  const auto baseline = baseline_of(cells, options.baseline);
  std::vector<std::string> systems;
  for (const auto& c : cells)
    if (c.system != baseline && std::find(systems.begin(), systems.end(), c.system) == systems.end()) systems.push_back(c.system);
  std::vector<SuiteRatio> out;
  for (const auto& system : systems) {
    std::vector<std::vector<double>> storage;
    std::vector<stats::Cell> pairs;
    for (const auto& c : cells) {
      if (c.system != system) continue;
      auto mine = walls_ms(records, c.scenario, system), theirs = walls_ms(records, c.scenario, baseline);
      if (mine.size() < 2 || theirs.size() < 2) continue;
      storage.push_back(std::move(mine));
      storage.push_back(std::move(theirs));
    }
    for (std::size_t i = 0; i + 1 < storage.size(); i += 2) pairs.push_back({storage[i], storage[i + 1]});
    if (pairs.empty()) continue;
    out.push_back({system, baseline, stats::geometric_mean_ratio(pairs, {options.resamples, options.seed, options.level}),
                   pairs.size()});
  }
  return out;
}

}  // namespace legion::report
