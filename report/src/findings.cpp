#include "findings.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "format.hpp"
#include "legion/stats/compare.hpp"

namespace legion::report::detail {
namespace {

std::string percent(double share) { return sig3(share * 100) + "%"; }
std::string count(std::size_t n, const std::string& noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); }

// Scenarios on which every listed system completed at least one run: totals are compared only there.
std::vector<std::string> common_scenarios(const RunResults& r, const std::vector<std::string>& systems) {
  std::vector<std::string> out, scenarios;
  for (const auto& s : r.summaries)
    if (std::find(scenarios.begin(), scenarios.end(), s.scenario) == scenarios.end()) scenarios.push_back(s.scenario);
  for (const auto& scenario : scenarios) {
    bool all = true;
    for (const auto& system : systems)
      all = all && std::any_of(r.summaries.begin(), r.summaries.end(), [&](const CellSummary& s) {
              return s.scenario == scenario && s.system == system && !s.unsupported && s.runs > s.errors;
            });
    if (all) out.push_back(scenario);
  }
  return out;
}

const CellSummary* cell(const RunResults& r, const std::string& scenario, const std::string& system) {
  for (const auto& s : r.summaries)
    if (s.scenario == scenario && s.system == system) return &s;
  return nullptr;
}

// Each completed record's overhead per LLM call (µs) in one cell, where positive (a ratio's log needs it):
// what the floor finding compares.
std::vector<double> per_call_us(const RunResults& r, const std::string& scenario, const std::string& system) {
  std::vector<double> out;
  for (const auto& rec : r.records)
    if (!rec.warmup && !rec.error && !rec.unsupported && rec.system == system && rec.cell() == scenario)
      if (const auto us = rec.overhead_per_call_us(); us && *us > 0) out.push_back(*us);
  return out;
}

// Overhead per call against the machine's floor: each system's range of multiples over its scenarios
// and, per scenario, how far below the fastest other system the baseline stays (Hodges–Lehmann ratio).
std::optional<Finding> floor_finding(const RunResults& r, const std::vector<std::string>& systems, const std::string& baseline) {
  if (r.context.floor.probes.empty()) return std::nullopt;
  const auto level = level_percent(r.options.level);
  std::string text = "Overhead per LLM call as a multiple of this run's floor (the bare loopback round trip, " +
                     sig3(r.options.floor_us) + " µs), lowest to highest median over the scenarios, and the highest upper bound of a " +
                     level + " interval: ";
  bool any = false;
  for (const auto& system : systems) {
    double lowest = 0, highest = 0, upper = 0;
    std::size_t n = 0;
    for (const auto& s : r.summaries) {
      if (s.system != system || !s.floor_multiple) continue;
      lowest = n ? std::min(lowest, s.floor_multiple->point) : s.floor_multiple->point;
      highest = std::max(highest, s.floor_multiple->point);
      upper = std::max(upper, s.floor_multiple->upper);
      ++n;
    }
    if (n == 0) continue;
    text += std::string(any ? "; " : "") + system + " " + sig3(lowest) + (n > 1 ? "–" + sig3(highest) : "") + "× (upper bound " + sig3(upper) + "×)";
    any = true;
  }
  if (!any) return std::nullopt;
  text += ".";
  // The fastest other system per scenario over the baseline: the lowest lower bound is what a claim rests on.
  std::optional<stats::Estimate> least;
  std::string least_scenario, least_system;
  for (const auto& s : r.summaries) {
    if (s.system != baseline || s.overhead_ms.n == 0) continue;
    const auto mine = per_call_us(r, s.scenario, baseline);
    const CellSummary* fastest = nullptr;
    for (const auto& other : r.summaries)
      if (other.scenario == s.scenario && other.system != baseline && other.overhead_ms.n > 0 &&
          (!fastest || other.overhead_per_call_us < fastest->overhead_per_call_us))
        fastest = &other;
    if (!fastest) continue;
    const auto theirs = per_call_us(r, s.scenario, fastest->system);
    if (mine.size() < 2 || theirs.size() < 2) continue;
    const auto ratio = stats::hodges_lehmann_ratio(theirs, mine, r.options.level);
    if (!least || ratio.lower < least->lower) least = ratio, least_scenario = s.scenario, least_system = fastest->system;
  }
  if (least)
    text += " The fastest other system's overhead per call over " + baseline + "'s, at its lowest over the scenarios: " + least_system + " on " +
            least_scenario + ", " + sig3(least->point) + "× (" + level + " Hodges–Lehmann interval " + sig3(least->lower) + "–" +
            sig3(least->upper) + "×).";
  return Finding{"Floor", text};
}

std::string rate(const stats::Estimate& e) { return fixed(e.point, 2) + " [" + fixed(e.lower, 2) + ", " + fixed(e.upper, 2) + "]"; }

// A run against a real model: success, cost and failures, not speed (its wall time is mostly the model's).
std::vector<Finding> real_model_findings(const RunResults& r) {
  const auto& m = *r.real_model;
  const auto level = level_percent(r.options.level);
  std::vector<Finding> out;
  std::vector<const RealModelSystem*> ranked;
  for (const auto& s : m.systems)
    if (s.success_rate) ranked.push_back(&s);
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto* a, const auto* b) { return a->success_rate->point > b->success_rate->point; });
  if (!ranked.empty()) {
    std::string text = "Highest success rate with " + m.model.model + ": " + ranked.front()->system + ". Per system over its trials (" + level +
                       " Wilson interval): ";
    for (std::size_t i = 0; i < ranked.size(); ++i)
      text += (i ? "; " : "") + ranked[i]->system + " " + rate(*ranked[i]->success_rate) + " of " + std::to_string(ranked[i]->trials);
    text += ".";
    if (ranked.size() > 1 && ranked[1]->success_rate->upper >= ranked[0]->success_rate->lower)
      text += " The two highest intervals overlap: no ranking follows between them.";
    if (m.sampled)
      for (const auto* s : ranked)
        if (s->pass_hat_k[kMaxPassK - 1]) {
          text += " pass^" + std::to_string(kMaxPassK) + " (all of " + std::to_string(kMaxPassK) + " trials succeed), averaged over scenarios:";
          for (std::size_t i = 0; i < ranked.size(); ++i)
            text += (i ? "," : "") + std::string(" ") + ranked[i]->system + " " +
                    (ranked[i]->pass_hat_k[kMaxPassK - 1] ? fixed(*ranked[i]->pass_hat_k[kMaxPassK - 1], 2) : std::string("—"));
          text += ".";
          break;
        }
    out.push_back({"Success", text});
  }
  // Cost: money per task with a price, the model's time without one; the mean over each system's scenarios.
  std::string cost;
  for (const auto& system : r.systems()) {
    double total = 0;
    std::size_t cells = 0;
    for (const auto& c : m.cells)
      if (c.system == system && c.trials > 0) total += m.model.price ? c.cost_per_task.value_or(0) : c.model_seconds_per_task, ++cells;
    if (cells == 0) continue;
    const double mean = total / static_cast<double>(cells);
    cost += std::string(cost.empty() ? "" : ", ") + system + " " + (m.model.price ? money(mean) : sig3(mean) + " s");
  }
  if (!cost.empty())
    out.push_back({"Cost", m.model.price ? "Cost per task at " + m.model.price->model + "'s list price (" + m.model.price->currency + ", read " +
                                               m.model.price->date + "), mean over each system's scenarios: " + cost + "."
                                         : "Time only (no price): seconds inside the model per task, mean over each system's scenarios: " + cost + "."});
  // Failures: each system's most frequent class.
  std::string failures;
  for (const auto& s : m.systems) {
    const auto failed = s.trials - s.successes;
    if (failed == 0) continue;
    // The most frequent class, or every class that ties for it.
    const auto most = *std::max_element(s.failures.begin(), s.failures.end());
    std::string classes;
    std::size_t tied = 0;
    for (std::size_t i = 0; i < kFailureColumns; ++i)
      if (s.failures[i] == most) classes += std::string(tied++ ? ", " : "") + failure_column_name(i);
    failures += std::string(failures.empty() ? "" : "; ") + s.system + ": " + std::to_string(failed) + " of " + std::to_string(s.trials) +
                " trials failed, most often " + classes + " (" + std::to_string(most) + (tied > 1 ? " each)" : ")");
  }
  out.push_back({"Failures", failures.empty() ? "Every trial of every system succeeded." : failures + "."});
  out.push_back({"Certainty", "A real model (" + m.model.model + ", " + m.model.endpoint_kind + ", " + m.model.setting +
                                  " setting): success, tokens and cost hold for this model and setting only; intervals are " + level +
                                  ", and where they overlap no ranking follows."});
  return out;
}

}  // namespace

std::vector<Finding> key_findings(const RunResults& r) {
  if (r.real_model) return real_model_findings(r);
  std::vector<Finding> out;
  const auto systems = r.systems();
  const auto level = level_percent(r.options.level);
  if (systems.empty()) return out;
  const auto baseline = r.suite.empty() ? systems.front() : r.suite.front().baseline;

  // Speed: the suite-wide geometric means against the baseline, fastest first.
  if (!r.suite.empty()) {
    std::vector<std::pair<double, std::string>> ranked{{1.0, baseline}};
    for (const auto& s : r.suite) ranked.emplace_back(s.geometric_mean.point, s.system);
    std::sort(ranked.begin(), ranked.end());
    std::string text = "Fastest: " + ranked.front().second + ". ";
    std::string others;
    for (const auto& s : r.suite)
      others += std::string(others.empty() ? "" : "; ") + s.system + " " + sig3(s.geometric_mean.point) + "× (" + level +
                " interval " + sig3(s.geometric_mean.lower) + "–" + sig3(s.geometric_mean.upper) + ", " +
                count(s.scenarios, "scenario") + ")";
    text += "Wall time per task relative to " + baseline + " (geometric mean of the scenarios' median ratios): " + others + ".";
    out.push_back({"Speed", text});
  } else {
    out.push_back({"Speed", "Only " + systems.front() + " ran: no comparison between systems."});
  }
  if (auto floor = floor_finding(r, systems, baseline)) out.push_back(std::move(*floor));

  // Tokens and memory, over the scenarios every system completed, so that totals compare like with like.
  const auto common = common_scenarios(r, systems);
  if (systems.size() > 1 && !common.empty()) {
    std::vector<std::pair<double, std::string>> tokens, memory;
    for (const auto& system : systems) {
      double total = 0, peak = 0;
      for (const auto& scenario : common) {
        const auto* c = cell(r, scenario, system);
        total += c->prompt_tokens + c->completion_tokens;
        peak = std::max(peak, c->rss_peak_mb);
      }
      tokens.emplace_back(total, system);
      memory.emplace_back(peak, system);
    }
    std::sort(tokens.begin(), tokens.end());
    std::sort(memory.begin(), memory.end());
    auto listing = [](const std::vector<std::pair<double, std::string>>& ranked, const std::string& unit, int digits) {
      std::string text;
      for (const auto& [value, system] : ranked)
        text += std::string(text.empty() ? "" : ", ") + system + " " + (digits < 0 ? thousands(std::llround(value)) : fixed(value, digits)) + unit;
      return text;
    };
    const std::string over = count(common.size(), "scenario") + " every system completed";
    std::string token_text = "Fewest tokens: " + tokens.front().second + ". Prompt and completion tokens per task, summed over the " +
                             over + " (medians, counted by the model server): " + listing(tokens, "", -1) + ".";
    if (tokens.front().first > 0 && tokens.back().first > tokens.front().first)
      token_text += " The most used " + percent(tokens.back().first / tokens.front().first - 1) + " more than the fewest.";
    out.push_back({"Tokens", token_text});
    out.push_back({"Memory", "Lightest: " + memory.front().second + ". Largest median peak RSS of one task over the " + over +
                                 ": " + listing(memory, " MB", 1) + "."});
  }

  // What each system cannot do: unsupported patterns, failures and wrong answers are results.
  std::map<std::string, std::vector<std::string>> gaps;
  for (const auto& s : r.summaries) {
    if (s.unsupported) gaps[s.system].push_back(s.scenario + " (no construct for its pattern)");
    else if (s.errors > 0) gaps[s.system].push_back(s.scenario + " (" + std::to_string(s.errors) + " of " + std::to_string(s.runs) + " runs failed)");
    else if (s.correct < s.runs) gaps[s.system].push_back(s.scenario + " (" + std::to_string(s.runs - s.correct) + " of " + std::to_string(s.runs) + " answers wrong)");
  }
  std::string gap_text;
  for (const auto& system : systems)
    if (auto it = gaps.find(system); it != gaps.end()) {
      gap_text += std::string(gap_text.empty() ? "" : " ") + system + ": ";
      for (std::size_t i = 0; i < it->second.size(); ++i) gap_text += (i ? ", " : "") + it->second[i];
      gap_text += ".";
    }
  out.push_back({"Gaps", gap_text.empty() ? "Every system ran every scenario and answered correctly every time." : gap_text});

  // How sure: significance after correction, the widest interval, repetitions, and the machine's drift.
  std::size_t compared = 0, significant = 0;
  double widest = 0;
  for (const auto& s : r.summaries) {
    if (!s.p_adjusted || !s.ratio_to_baseline) continue;
    ++compared;
    if (*s.p_adjusted < r.options.alpha) ++significant;
    if (s.ratio_to_baseline->point > 0)
      widest = std::max(widest, (s.ratio_to_baseline->upper - s.ratio_to_baseline->lower) / (2 * s.ratio_to_baseline->point));
  }
  std::string certainty = std::to_string(r.context.repetitions) + " measured repetitions per cell, systems interleaved.";
  if (compared > 0)
    certainty += " " + std::to_string(significant) + " of " + std::to_string(compared) + " comparisons with " + baseline +
                 " are significant (Mann–Whitney U, " + correction_name(r.options) + "-adjusted, α = " + plain(r.options.alpha) +
                 "); the widest " + level + " interval of a ratio is ±" + percent(widest) + " of its value.";
  certainty += r.context.noise_floor.empty() ? " Run-to-run drift on this machine is not calibrated: compare within a run."
                                             : " Run-to-run drift on this machine: " + r.context.noise_floor + ".";
  if (!r.context.machine.warnings.empty()) certainty += " The machine was noisy during the run.";
  out.push_back({"Certainty", certainty});
  return out;
}

}  // namespace legion::report::detail
