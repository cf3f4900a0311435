#include "legion/report/summary.hpp"

#include <algorithm>
#include <map>

#include "findings.hpp"
#include "legion/stats/compare.hpp"

#include <nlohmann/json.hpp>

namespace legion::report {

namespace {
std::vector<double> walls_ms(const std::vector<RunRecord>& records, const std::string& cell, const std::string& system) {
  std::vector<double> out;
  for (const auto& r : records)
    if (!r.warmup && !r.error && r.system == system && r.cell() == cell) out.push_back(static_cast<double>(r.wall_ns) / 1e6);
  return out;
}

std::string baseline_of(const std::vector<CellSummary>& cells, const std::string& preferred) {
  for (const auto& c : cells)
    if (c.system == preferred) return preferred;
  return cells.empty() ? preferred : cells.front().system;
}
}  // namespace

std::span<const CellIdentityField> cell_identity_fields() {
  static const CellIdentityField fields[] = {
      {"cell", [](const CellSummary& s) { return nlohmann::json(s.scenario); }},
      {"scenario", [](const CellSummary& s) { return nlohmann::json(s.scenario_name); }},
      {"params", [](const CellSummary& s) { return nlohmann::json(s.params); }},
      {"swept", [](const CellSummary& s) { return nlohmann::json(s.swept); }},
      {"concurrency", [](const CellSummary& s) { return nlohmann::json(s.concurrency); }},
      {"system", [](const CellSummary& s) { return nlohmann::json(s.system); }},
  };
  return fields;
}

std::vector<std::string> system_order(const std::vector<RunRecord>& records, const std::string& baseline,
                                      const std::vector<std::string>& listed) {
  std::vector<std::string> out;
  auto add = [&](const std::string& system) {
    if (std::find(out.begin(), out.end(), system) == out.end()) out.push_back(system);
  };
  bool has_baseline = false;
  for (const auto& r : records) has_baseline = has_baseline || r.system == baseline;
  if (has_baseline) add(baseline);
  for (const auto& system : listed)
    if (std::any_of(records.begin(), records.end(), [&](const RunRecord& r) { return r.system == system; })) add(system);
  for (const auto& r : records) add(r.system);
  return out;
}

std::vector<CellSummary> summarize(const std::vector<RunRecord>& records, const SummaryOptions& options,
                                   const std::vector<std::string>& systems) {
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, std::vector<const RunRecord*>> cells;
  for (const auto& r : records) {
    if (r.warmup && !r.unsupported) continue;  // an unsupported cell may have no measured record at all
    auto key = std::make_pair(r.cell(), r.system);
    if (!cells.contains(key)) order.push_back(key);
    cells[key].push_back(&r);
  }
  // Scenarios in the order they were first run (warm-ups included), so that a cell known only from a
  // warm-up record (an unsupported one) sits with its scenario.
  std::map<std::string, std::size_t> scenario_rank;
  for (const auto& r : records) scenario_rank.emplace(r.cell(), scenario_rank.size());
  // Within a scenario, systems in one fixed order (the baseline, then as listed), never the run's rotation.
  const auto ranked = system_order(records, options.baseline, systems);
  auto system_rank = [&](const std::string& system) { return std::find(ranked.begin(), ranked.end(), system) - ranked.begin(); };
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    if (scenario_rank[a.first] != scenario_rank[b.first]) return scenario_rank[a.first] < scenario_rank[b.first];
    return system_rank(a.second) < system_rank(b.second);
  });
  std::vector<CellSummary> out;
  for (const auto& key : order) {
    const auto& rs = cells[key];
    CellSummary s;
    s.scenario = key.first;
    s.system = key.second;
    s.scenario_name = rs.front()->scenario;
    s.params = rs.front()->params;
    s.swept = rs.front()->swept;
    s.concurrency = rs.front()->tasks;
    std::vector<double> wall, overhead, per_call, calls, prompt, completion, rss, model_busy, reported_prompt, reported_completion;
    std::vector<double> ingest, retrieval, embedding_calls, embedding_tokens, rest_of_wall;
    std::vector<const RunRecord*> measured;
    for (const auto* r : rs) {
      if (r->unsupported) {
        s.unsupported = r->error.value_or("not supported");
        continue;
      }
      ++s.runs;
      measured.push_back(r);
      if (r->correct) ++s.correct;
      if (r->error) {
        ++s.errors;
        if (std::find(s.error_messages.begin(), s.error_messages.end(), *r->error) == s.error_messages.end())
          s.error_messages.push_back(*r->error);
        continue;
      }
      wall.push_back(static_cast<double>(r->wall_ns) / 1e6);
      model_busy.push_back(static_cast<double>(r->model_busy_ns.value_or(r->oracle_ns)) / 1e6);
      if (r->overhead_known()) overhead.push_back(static_cast<double>(r->overhead_ns()) / 1e6);
      if (const auto us = r->overhead_per_call_us()) per_call.push_back(*us);
      calls.push_back(static_cast<double>(r->llm_calls));
      prompt.push_back(static_cast<double>(r->prompt_tokens));
      completion.push_back(static_cast<double>(r->completion_tokens));
      rss.push_back(static_cast<double>(r->rss_peak_bytes) / (1024.0 * 1024.0));
      if (r->ingest_ns) ingest.push_back(static_cast<double>(*r->ingest_ns) / 1e6);
      if (r->retrieval_ns) retrieval.push_back(static_cast<double>(*r->retrieval_ns) / 1e6);
      if (r->ingest_ns || r->retrieval_ns)
        rest_of_wall.push_back(static_cast<double>(r->wall_ns - r->ingest_ns.value_or(0) - r->retrieval_ns.value_or(0)) / 1e6);
      if (r->embedding_calls) embedding_calls.push_back(static_cast<double>(*r->embedding_calls));
      if (r->embedding_tokens) embedding_tokens.push_back(static_cast<double>(*r->embedding_tokens));
      if (r->reported_prompt_tokens) reported_prompt.push_back(static_cast<double>(*r->reported_prompt_tokens));
      if (r->reported_completion_tokens) reported_completion.push_back(static_cast<double>(*r->reported_completion_tokens));
      if (r->reported_prompt_tokens.value_or(r->prompt_tokens) != r->prompt_tokens ||
          r->reported_completion_tokens.value_or(r->completion_tokens) != r->completion_tokens)
        ++s.token_mismatches;
    }
    auto median_of = [](const std::vector<double>& v) { return v.empty() ? std::nullopt : std::optional(stats::median(v)); };
    s.ingest_ms = median_of(ingest);
    s.retrieval_ms = median_of(retrieval);
    s.embedding_calls = median_of(embedding_calls);
    s.embedding_tokens = median_of(embedding_tokens);
    s.rest_of_wall_ms = median_of(rest_of_wall);
    for (const auto& statistic : cell_statistics())
      if (statistic.compute) s.computed[statistic.name] = statistic.compute(measured);
    if (!reported_prompt.empty()) s.reported_prompt_tokens = stats::median(reported_prompt);
    if (!reported_completion.empty()) s.reported_completion_tokens = stats::median(reported_completion);
    if (!wall.empty()) {
      s.wall_ms = stats::summarize(wall);
      s.wall_q1_ms = stats::quantile(wall, 0.25);
      s.wall_q3_ms = stats::quantile(wall, 0.75);
      s.model_busy_ms = stats::median(model_busy);
      if (!overhead.empty()) s.overhead_ms = stats::summarize(overhead);
      s.llm_calls = stats::median(calls);
      s.prompt_tokens = stats::median(prompt);
      s.completion_tokens = stats::median(completion);
      s.rss_peak_mb = stats::median(rss);
    }
    if (!per_call.empty()) s.overhead_per_call_us = stats::median(per_call);
    if (per_call.size() >= 2) {
      s.overhead_per_call_ci = stats::bootstrap_median(per_call, {options.resamples, options.seed, options.level}).bca;
      if (options.floor_us > 0) {
        auto multiple = *s.overhead_per_call_ci;
        for (double* x : {&multiple.point, &multiple.lower, &multiple.upper}) *x /= options.floor_us;
        s.floor_multiple = multiple;
      }
    }
    if (wall.size() >= 2) s.wall_median_ci = stats::bootstrap_median(wall, {options.resamples, options.seed, options.level}).bca;
    out.push_back(std::move(s));
  }
  // Each system against the baseline on the same scenario, corrected across every such comparison.
  const auto baseline = baseline_of(out, options.baseline);
  std::vector<std::vector<double>> samples;
  std::vector<std::size_t> compared;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto& c = out[i];
    if (c.system == baseline) continue;
    auto mine = walls_ms(records, c.scenario, c.system), theirs = walls_ms(records, c.scenario, baseline);
    if (mine.size() < 2 || theirs.size() < 2) continue;
    samples.push_back(std::move(mine));
    samples.push_back(std::move(theirs));
    compared.push_back(i);
  }
  std::vector<SamplePair> pairs;
  for (std::size_t k = 0; k < compared.size(); ++k) pairs.push_back({samples[2 * k], samples[2 * k + 1]});
  const auto results = compare_pairs(pairs, options, Interval::ratio);
  for (std::size_t k = 0; k < compared.size(); ++k) {
    if (!results[k].comparable()) continue;
    auto& c = out[compared[k]];
    c.ratio_to_baseline = results[k].interval;
    c.cliffs_delta = results[k].cliffs_delta;
    c.p_adjusted = results[k].p_adjusted;
  }
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

std::vector<std::string> RunResults::systems() const { return system_order(records, options.baseline, context.systems); }

void summarize_run(RunResults& r) {
  r.options.seed = r.context.seed;
  r.options.floor_us = r.context.floor.round_trip_us();
  r.summaries = summarize(r.records, r.options, r.context.systems);
  r.suite = suite_ratios(r.records, r.summaries, r.options);
  r.sweeps = sweep_trends(r);
  r.concurrency = concurrency_levels(r);
  r.published = published_measured_by(r);
  r.real_model = summarize_real_model(r.context, r.records, r.options, r.systems());
  r.findings = detail::key_findings(r);  // last: it reads the rest
}

nlohmann::json to_json(const SummaryOptions& o) {
  return {{"baseline", o.baseline}, {"test", "mann_whitney_u"}, {"correction", o.correction}, {"alpha", o.alpha},
          {"level", o.level},       {"resamples", o.resamples}, {"seed", o.seed}};
}

SummaryOptions summary_options_from_json(const nlohmann::json& j) {
  SummaryOptions o;
  o.baseline = detail::field(j, "baseline", o.baseline);
  o.correction = detail::field(j, "correction", o.correction);
  o.alpha = detail::field(j, "alpha", o.alpha);
  o.level = detail::field(j, "level", o.level);
  o.resamples = detail::field(j, "resamples", o.resamples);
  o.seed = detail::field(j, "seed", o.seed);
  check(o);
  return o;
}

}  // namespace legion::report
