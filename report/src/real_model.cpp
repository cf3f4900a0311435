// The real-model summary (real_model.hpp): computed once from the records, formatted by every report.
#include "legion/report/real_model.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "legion/report/summary.hpp"
#include "legion/stats/descriptive.hpp"
#include "legion/stats/proportions.hpp"

namespace legion::report {
namespace {

std::size_t failure_column(const RunRecord& r) {
  if (r.failure)
    for (std::size_t i = 0; i < std::size(kFailureClasses); ++i)
      if (*r.failure == kFailureClasses[i]) return i;
  return std::size(kFailureClasses);  // unclassified
}

bool succeeded(const RunRecord& r) { return r.correct && !r.error; }

std::optional<stats::Estimate> median_with_interval(const std::vector<double>& xs, const StatisticsOptions& o) {
  if (xs.empty()) return std::nullopt;
  if (xs.size() < 2) return stats::Estimate{xs.front(), xs.front(), xs.front(), o.level, false};
  return stats::bootstrap_median(xs, {o.resamples, o.seed, o.level}).bca;
}

RealModelCell summarize_cell(const std::string& scenario, const std::string& system, const std::vector<const RunRecord*>& trials,
                             const RealModel& model, bool sampled, const StatisticsOptions& o) {
  RealModelCell c;
  c.scenario = scenario;
  c.system = system;
  c.trials = trials.size();
  double prompt = 0, completion = 0, cached = 0, calls = 0, money = 0, model_seconds = 0;
  std::vector<double> model_ms, framework_ms;
  for (const auto* r : trials) {
    if (succeeded(*r)) ++c.successes;
    else ++c.failures[failure_column(*r)];
    prompt += static_cast<double>(r->prompt_tokens);
    completion += static_cast<double>(r->completion_tokens);
    const double cached_here = static_cast<double>(std::min(r->cached_prompt_tokens.value_or(0), r->prompt_tokens));
    cached += cached_here;
    calls += static_cast<double>(r->llm_calls);
    const double busy_ns = static_cast<double>(r->model_busy_ns.value_or(r->oracle_ns));
    model_seconds += busy_ns / 1e9;
    if (const auto& p = model.price) {
      // Cached prompt tokens at the cached price (the input price when the provider has none).
      const double uncached = static_cast<double>(r->prompt_tokens) - cached_here;
      money += (uncached * p->input_per_mtok + cached_here * p->cached_input_per_mtok.value_or(p->input_per_mtok) +
                static_cast<double>(r->completion_tokens) * p->output_per_mtok) / 1e6;
    }
    if (!r->error) {
      model_ms.push_back(busy_ns / 1e6);
      if (r->overhead_known()) framework_ms.push_back(static_cast<double>(r->overhead_ns()) / 1e6);
    }
  }
  if (c.trials == 0) return c;
  const double n = static_cast<double>(c.trials);
  c.success_rate = stats::wilson_interval(c.successes, c.trials, o.level);
  if (sampled)
    for (std::size_t k = 1; k <= kMaxPassK; ++k) {
      c.pass_hat_k[k - 1] = stats::pass_hat_k(c.trials, c.successes, k);
      c.pass_at_k[k - 1] = stats::pass_at_k(c.trials, c.successes, k);
    }
  c.prompt_tokens = prompt / n;
  c.completion_tokens = completion / n;
  c.cached_prompt_tokens = cached / n;
  c.calls = calls / n;
  if (c.successes > 0) c.tokens_per_success = (prompt + completion) / static_cast<double>(c.successes);
  c.timed = model_ms.size();
  c.model_ms = median_with_interval(model_ms, o);
  c.framework_ms = median_with_interval(framework_ms, o);
  c.model_seconds_per_task = model_seconds / n;
  if (c.successes > 0) c.model_seconds_per_success = model_seconds / static_cast<double>(c.successes);
  if (model.price) {
    c.cost_per_task = money / n;
    if (c.successes > 0) c.cost_per_success = money / static_cast<double>(c.successes);
  }
  return c;
}

// Average ranks (1 = least), ties sharing the mean of their places.
std::vector<double> ranks(const std::vector<double>& xs) {
  std::vector<std::size_t> order(xs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return xs[a] < xs[b]; });
  std::vector<double> out(xs.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && xs[order[j + 1]] == xs[order[i]]) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;
    for (std::size_t k = i; k <= j; ++k) out[order[k]] = rank;
    i = j + 1;
  }
  return out;
}

// Spearman's ρ: Pearson's correlation of the ranks (exact with ties); absent when either ranking is constant.
std::optional<double> spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n, mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sab += (a[i] - ma) * (b[i] - mb), saa += (a[i] - ma) * (a[i] - ma), sbb += (b[i] - mb) * (b[i] - mb);
  if (saa == 0 || sbb == 0) return std::nullopt;
  return sab / std::sqrt(saa * sbb);
}

}  // namespace

std::string failure_column_name(std::size_t column) {
  return column < std::size(kFailureClasses) ? kFailureClasses[column] : "unclassified";
}

std::optional<RealModelSummary> summarize_real_model(const RunContext& context, const std::vector<RunRecord>& records,
                                                     const StatisticsOptions& options, const std::vector<std::string>& systems) {
  if (!context.real_model) return std::nullopt;
  RealModelSummary s;
  s.model = *context.real_model;
  s.sampled = s.model.setting == "sampled";
  // Cells in the order their scenarios first ran, systems in the run's one order.
  std::vector<std::string> cells;
  std::map<std::pair<std::string, std::string>, std::vector<const RunRecord*>> trials;
  for (const auto& r : records) {
    if (r.warmup || r.unsupported) continue;
    if (std::find(cells.begin(), cells.end(), r.cell()) == cells.end()) cells.push_back(r.cell());
    trials[{r.cell(), r.system}].push_back(&r);
  }
  for (const auto& cell : cells)
    for (const auto& system : systems)
      if (const auto it = trials.find({cell, system}); it != trials.end())
        s.cells.push_back(summarize_cell(cell, system, it->second, s.model, s.sampled, options));
  for (const auto& system : systems) {
    RealModelSystem sys;
    sys.system = system;
    std::vector<stats::TaskTrials> tasks;
    for (const auto& c : s.cells) {
      if (c.system != system || c.trials == 0) continue;
      ++sys.scenarios;
      sys.trials += c.trials;
      sys.successes += c.successes;
      tasks.push_back({c.trials, c.successes});
      for (std::size_t i = 0; i < kFailureColumns; ++i) sys.failures[i] += c.failures[i];
    }
    if (sys.trials == 0) continue;
    sys.success_rate = stats::wilson_interval(sys.successes, sys.trials, options.level);
    if (s.sampled)
      for (std::size_t k = 1; k <= kMaxPassK; ++k) {
        sys.pass_hat_k[k - 1] = stats::mean_pass_hat_k(tasks, k);
        sys.pass_at_k[k - 1] = stats::mean_pass_at_k(tasks, k);
      }
    s.systems.push_back(std::move(sys));
  }
  return s;
}

std::optional<RealBesideScripted> real_beside_scripted(const RunResults& real, const RunResults& scripted) {
  if (!real.real_model || scripted.real_model) return std::nullopt;
  auto scripted_cell = [&](const std::string& scenario, const std::string& system) -> const CellSummary* {
    for (const auto& c : scripted.summaries)
      if (c.scenario == scenario && c.system == system && !c.unsupported && c.overhead_ms.n > 0) return &c;
    return nullptr;
  };
  auto real_cell = [&](const std::string& scenario, const std::string& system) -> const RealModelCell* {
    for (const auto& c : real.real_model->cells)
      if (c.scenario == scenario && c.system == system && c.framework_ms) return &c;
    return nullptr;
  };
  // Scenarios and systems with a measurement in both runs, every system on every scenario (a weak
  // model leaves cells with no successful trial): start from every scenario and leave out, one at a
  // time, the one the fewest systems have, until at least two systems have all that remain.
  auto both = [&](const std::string& scenario, const std::string& system) { return real_cell(scenario, system) && scripted_cell(scenario, system); };
  std::vector<std::string> systems, scenarios;
  for (const auto& c : real.real_model->cells)
    if (std::find(scenarios.begin(), scenarios.end(), c.scenario) == scenarios.end()) scenarios.push_back(c.scenario);
  auto covering = [&](const std::string& scenario) {
    const auto all = real.systems();
    return std::count_if(all.begin(), all.end(), [&](const auto& system) { return both(scenario, system); });
  };
  for (;;) {
    systems.clear();
    for (const auto& system : real.systems())
      if (std::all_of(scenarios.begin(), scenarios.end(), [&](const auto& scenario) { return both(scenario, system); })) systems.push_back(system);
    if (systems.size() >= 2 || scenarios.empty()) break;
    scenarios.erase(std::min_element(scenarios.begin(), scenarios.end(),
                                     [&](const auto& a, const auto& b) { return covering(a) < covering(b); }));
  }
  if (systems.size() < 2 || scenarios.empty()) return std::nullopt;
  RealBesideScripted out{real.context.run_id, scripted.context.run_id, scenarios, {}, std::nullopt, false};
  std::vector<double> real_ms, scripted_ms;
  for (const auto& system : systems) {
    double r = 0, s = 0;
    for (const auto& scenario : scenarios) r += real_cell(scenario, system)->framework_ms->point, s += scripted_cell(scenario, system)->overhead_ms.median;
    real_ms.push_back(r / static_cast<double>(scenarios.size()));
    scripted_ms.push_back(s / static_cast<double>(scenarios.size()));
  }
  const auto real_ranks = ranks(real_ms), scripted_ranks = ranks(scripted_ms);
  for (std::size_t i = 0; i < systems.size(); ++i)
    out.rows.push_back({systems[i], real_ms[i], scripted_ms[i], real_ranks[i], scripted_ranks[i]});
  out.same_order = real_ranks == scripted_ranks;
  if (systems.size() >= 3) out.spearman_rho = spearman(real_ranks, scripted_ranks);
  return out;
}

std::vector<RealBesideScripted> real_beside_scripted(const std::vector<const RunResults*>& runs) {
  std::vector<RealBesideScripted> out;
  for (const auto* real : runs) {
    if (!real->real_model) continue;
    for (const auto* scripted : runs)
      if (auto pair = real_beside_scripted(*real, *scripted)) {
        out.push_back(std::move(*pair));
        break;
      }
  }
  return out;
}

}  // namespace legion::report
