// The real-model section of a run's report (Markdown, HTML and the PDF through it) and, in a
// combined report, the real model's framework time beside the scripted overhead. Formats the
// RealModelSummary that summarize_run made; computes nothing. Everything from outside is `outside`.
#include <cmath>
#include <string>

#include "format.hpp"
#include "sections.hpp"

namespace legion::report::detail {
namespace {

std::string interval(const stats::Estimate& e) { return fixed(e.point, 2) + " [" + fixed(e.lower, 2) + ", " + fixed(e.upper, 2) + "]"; }
std::string median(const std::optional<stats::Estimate>& e) {
  if (!e) return "—";
  if (!e->bounded || e->lower == e->upper) return sig3(e->point);
  return sig3(e->point) + " [" + sig3(e->lower) + ", " + sig3(e->upper) + "]";
}
std::string optional_fixed(const std::optional<double>& v, int digits) { return v ? fixed(*v, digits) : "—"; }


std::vector<Text> cell_start(const RealModelCell& c) { return {{outside(c.scenario)}, {outside(c.system)}}; }

Text about_the_model(const RealModelSummary& s) {
  const auto& m = s.model;
  Text t{own("This run asked a real model instead of the scripted one: "), code(m.model), own(" at a "), outside(m.endpoint_kind),
         own(" ("), code(m.endpoint), own(")")};
  if (!m.reported_models.empty()) {
    t.push_back(own("; the endpoint named itself"));
    for (std::size_t i = 0; i < m.reported_models.size(); ++i) add(t, {own(i ? ", " : " "), code(m.reported_models[i])});
  }
  if (!m.system_fingerprints.empty()) {
    t.push_back(own(", system fingerprint"));
    for (std::size_t i = 0; i < m.system_fingerprints.size(); ++i) add(t, {own(i ? ", " : " "), code(m.system_fingerprints[i])});
  }
  t.push_back(own(". Setting: "));
  std::ostringstream temperature;
  temperature << m.temperature;
  if (s.sampled)
    t.push_back(own("sampled — temperature " + temperature.str() + ", a different seed per trial, the first " + std::to_string(m.seed) +
                    " (each record's seed is in results.json, sampling_seed)."));
  else if (m.setting == "deterministic")
    t.push_back(own("deterministic — temperature " + temperature.str() + ", seed " + std::to_string(m.seed) +
                    " in every request; trials repeat one request, so they show whether the endpoint repeats itself, "
                    "not how often a system succeeds by chance."));
  else
    add(t, {outside(m.setting), own(" — temperature " + temperature.str() + ", seed " + std::to_string(m.seed) + ".")});
  add(t, {own(" Every request and answer is in "), code(m.exchanges_file),
          own(" (one JSON line each, authorisation redacted). Tools ran in the harness and planted values decided "
              "success, as for the scripted model; tokens are as the endpoint reported them, and the model's time is "
              "what the recording proxy timed inside each request, so a task's framework time is its wall time less that.")});
  return t;
}

Text about_the_price(const RealModelSummary& s) {
  const auto& m = s.model;
  if (!m.price)
    return {strong(own("Time only:")),
            own(m.endpoint_kind.find("local") != std::string::npos
                    ? " a local model has no price; its cost is its time, so the cost table shows the seconds the model spent per task "
                      "and per success."
                    : " no price is known for this model (datasets/prices.yaml, or --prices FILE), so the cost table shows the "
                      "seconds the model spent per task and per success instead of money.")};
  const auto& p = *m.price;
  Text t{own("Cost at the list prices of "), code(p.model), own(" per million tokens: input " + money(p.input_per_mtok) + ", ")};
  t.push_back(own(p.cached_input_per_mtok ? "cached input " + money(*p.cached_input_per_mtok) + ", " : "cached input billed as input, "));
  add(t, {own("output " + money(p.output_per_mtok) + " "), outside(p.currency), own(", as read on "), outside(p.date), own(" from "),
          outside(p.source),
          own(". Prompt tokens the endpoint served from its cache are priced as cached input; a discount, a contract or a "
              "long-prompt tier is not reflected.")});
  return t;
}

}  // namespace

Section real_model_section(const RealModelSummary& s, const StatisticsOptions& options) {
  const auto level = level_percent(options.level);
  Section out{"real-model", "Real model", {paragraph(about_the_model(s))}};
  if (!s.model.local.empty()) {
    std::vector<std::vector<Text>> rows;
    for (const auto& [k, v] : s.model.local) rows.push_back({{outside(k)}, {outside(v)}});
    out.blocks.push_back(paragraph({own("The local server, as its manifest describes it:")}));
    out.blocks.push_back(table(std::vector<std::string>{"fact", "value"}, {false, false}, rows));
  }
  out.blocks.push_back(paragraph(about_the_price(s)));
  out.blocks.push_back(paragraph(
      {strong(own("What success on this model says.")),
       own(" A small or weak model makes mistakes a strong one would not: it calls no tool, the wrong tool or a tool with "
           "malformed arguments, loses a value between agents, or loops. Success here measures how a framework copes with "
           "those mistakes — whether it recovers, and what that costs in calls, tokens and time — not which framework is "
           "better with a strong model. Where two systems' intervals overlap, no ranking follows.")}));

  // Success per cell.
  out.blocks.push_back(heading(3, {own("Success")}));
  out.blocks.push_back(paragraph({own("Per scenario and system: trials, successes (the answer holds every planted value, without error) and the "
                                      "success rate with its " + level + " Wilson score interval.")}));
  std::vector<std::vector<Text>> rows;
  for (const auto& c : s.cells) {
    auto row = cell_start(c);
    row.push_back({own(std::to_string(c.trials))});
    row.push_back({own(std::to_string(c.successes))});
    row.push_back({own(c.success_rate ? interval(*c.success_rate) : "—")});
    rows.push_back(std::move(row));
  }
  out.blocks.push_back(table(std::vector<std::string>{"scenario", "system", "trials", "successes", "success rate [" + level + " Wilson]"},
                                  {false, false, true, true, true}, rows));

  // pass^k and pass@k.
  out.blocks.push_back(heading(3, {own("pass^k and pass@k")}));
  if (!s.sampled) {
    out.blocks.push_back(paragraph({own("Not given: in the deterministic setting every trial repeats one seed, so the trials are not independent "
                                        "draws and pass^k (τ-bench) is not defined by them. Run the sampled setting for it.")}));
  } else {
    out.blocks.push_back(paragraph({own("pass^k = C(c, k) / C(n, k), the chance that k trials drawn from the n all succeed (how reliably a "
                                        "system succeeds; τ-bench); pass@k = 1 − C(n − c, k) / C(n, k), the chance that at least one does "
                                        "(Chen et al. 2021). Both are unbiased over the n trials; — where n < k.")}));
    std::vector<std::string> headers{"scenario", "system"};
    std::vector<bool> numeric{false, false};
    for (std::size_t k = 1; k <= kMaxPassK; ++k) headers.push_back("pass^" + std::to_string(k)), numeric.push_back(true);
    for (std::size_t k = 1; k <= kMaxPassK; ++k) headers.push_back("pass@" + std::to_string(k)), numeric.push_back(true);
    rows.clear();
    for (const auto& c : s.cells) {
      auto row = cell_start(c);
      for (const auto& v : c.pass_hat_k) row.push_back({own(optional_fixed(v, 3))});
      for (const auto& v : c.pass_at_k) row.push_back({own(optional_fixed(v, 3))});
      rows.push_back(std::move(row));
    }
    out.blocks.push_back(table(headers, numeric, rows));
  }
  // Per system, over its scenarios.
  out.blocks.push_back(heading(3, {own("Per system, over its scenarios")}));
  out.blocks.push_back(paragraph({own("Success pooled over the system's trials (" + level + " Wilson interval)" +
                                      std::string(s.sampled ? "; pass^k averaged over its scenarios, each weighing the same, as τ-bench reports it "
                                                              "(— when a scenario has fewer than k trials)."
                                                            : "."))}));
  {
    std::vector<std::string> headers{"system", "scenarios", "trials", "success rate [" + level + " Wilson]"};
    std::vector<bool> numeric{false, true, true, true};
    if (s.sampled)
      for (std::size_t k = 1; k <= kMaxPassK; ++k) headers.push_back("pass^" + std::to_string(k)), numeric.push_back(true);
    rows.clear();
    for (const auto& sys : s.systems) {
      std::vector<Text> row{{outside(sys.system)}, {own(std::to_string(sys.scenarios))}, {own(std::to_string(sys.trials))},
                            {own(sys.success_rate ? interval(*sys.success_rate) : "—")}};
      if (s.sampled)
        for (const auto& v : sys.pass_hat_k) row.push_back({own(optional_fixed(v, 3))});
      rows.push_back(std::move(row));
    }
    out.blocks.push_back(table(headers, numeric, rows));
  }

  // Tokens and calls.
  out.blocks.push_back(heading(3, {own("Model calls and tokens")}));
  out.blocks.push_back(paragraph({own("Means per task over every trial, failed ones included (what a task costs on average), as the endpoint "
                                      "reported them; tokens per success is every trial's tokens divided by the successes.")}));
  rows.clear();
  for (const auto& c : s.cells) {
    auto row = cell_start(c);
    for (double v : {c.calls, c.prompt_tokens, c.cached_prompt_tokens, c.completion_tokens}) row.push_back({own(sig3(v))});
    row.push_back({own(c.tokens_per_success ? sig3(*c.tokens_per_success) : "— (no success)")});
    rows.push_back(std::move(row));
  }
  out.blocks.push_back(table(std::vector<std::string>{"scenario", "system", "model calls", "prompt tokens", "of which cached", "completion tokens", "tokens per success"},
                                  {false, false, true, true, true, true, true}, rows));

  // Latency split.
  out.blocks.push_back(heading(3, {own("Where the time went")}));
  out.blocks.push_back(paragraph({own("Per task, medians over the trials that ended without error, with the " + level +
                                      " BCa bootstrap interval of the median (" + thousands(options.resamples) +
                                      " resamples): time inside the model, as the proxy timed its requests, and the framework's own time "
                                      "(wall time less the model's), in ms.")}));
  rows.clear();
  for (const auto& c : s.cells) {
    auto row = cell_start(c);
    row.push_back({own(std::to_string(c.timed))});
    row.push_back({own(median(c.model_ms))});
    row.push_back({own(median(c.framework_ms))});
    rows.push_back(std::move(row));
  }
  out.blocks.push_back(table(std::vector<std::string>{"scenario", "system", "n", "in the model (ms)", "framework (ms)"}, {false, false, true, true, true}, rows));

  // Cost.
  out.blocks.push_back(heading(3, {own(s.model.price ? "Cost" : "Cost: time only")}));
  rows.clear();
  if (s.model.price) {
    const auto& currency = s.model.price->currency;
    out.blocks.push_back(paragraph({own("Per task: the mean over every trial; per success: every trial's cost divided by the successes, so "
                                        "failures are paid for. In "),
                                    outside(currency), own(".")}));
    for (const auto& c : s.cells) {
      auto row = cell_start(c);
      row.push_back({own(c.cost_per_task ? money(*c.cost_per_task) : "—")});
      row.push_back({own(c.cost_per_success ? money(*c.cost_per_success) : "— (no success)")});
      rows.push_back(std::move(row));
    }
    out.blocks.push_back(table(std::vector<std::string>{"scenario", "system", "cost per task", "cost per success"}, {false, false, true, true}, rows));
  } else {
    out.blocks.push_back(paragraph({own("The model's time stands for its cost: seconds inside the model per task (mean over every trial) and per "
                                        "success (every trial's seconds divided by the successes).")}));
    for (const auto& c : s.cells) {
      auto row = cell_start(c);
      row.push_back({own(sig3(c.model_seconds_per_task))});
      row.push_back({own(c.model_seconds_per_success ? sig3(*c.model_seconds_per_success) : "— (no success)")});
      rows.push_back(std::move(row));
    }
    out.blocks.push_back(table(std::vector<std::string>{"scenario", "system", "model seconds per task", "model seconds per success"}, {false, false, true, true}, rows));
  }

  // Failure classes.
  out.blocks.push_back(heading(3, {own("Why tasks failed")}));
  out.blocks.push_back(paragraph({own("Failed trials per system over its scenarios, each in the first class that applies, classified from its "
                                      "exchanges with the model (the order of the columns); unclassified: a failure with no class recorded.")}));
  {
    std::vector<std::string> headers{"system", "failed"};
    std::vector<bool> numeric{false, true};
    for (std::size_t i = 0; i < kFailureColumns; ++i) headers.push_back(failure_column_name(i)), numeric.push_back(true);
    rows.clear();
    for (const auto& sys : s.systems) {
      std::vector<Text> row{{outside(sys.system)}, {own(std::to_string(sys.trials - sys.successes))}};
      for (auto n : sys.failures) row.push_back({own(std::to_string(n))});
      rows.push_back(std::move(row));
    }
    out.blocks.push_back(table(headers, numeric, rows));
  }
  return out;
}

Section real_beside_scripted_section(const std::vector<RealBesideScripted>& pairs) {
  Section out{"real-beside-scripted", "Framework time with the real model beside scripted overhead", {}};
  for (const auto& p : pairs) {
    Text intro{own("Run "), code(p.real_run), own(" (real model) beside run "), code(p.scripted_run),
               own(" (scripted model), over the scenarios both measured for every system below:")};
    for (std::size_t i = 0; i < p.scenarios.size(); ++i) add(intro, {own(i ? ", " : " "), outside(p.scenarios[i])});
    intro.push_back(own(". Per system, the mean over those scenarios of the cell's median per task (ms): framework time with the real model "
                        "(wall time less the model's time) and overhead with the scripted model; rank 1 is the least time (ties share "
                        "their mean rank)."));
    out.blocks.push_back(paragraph(intro));
    std::vector<std::vector<Text>> rows;
    for (const auto& r : p.rows)
      rows.push_back({{outside(r.system)}, {own(sig3(r.real_framework_ms))}, {own(plain(r.real_rank))}, {own(sig3(r.scripted_overhead_ms))},
                      {own(plain(r.scripted_rank))}});
    out.blocks.push_back(table(std::vector<std::string>{"system", "framework time, real model (ms)", "rank", "overhead, scripted model (ms)", "rank"},
                                    {false, true, true, true, true}, rows));
    Text verdict{strong(own(p.same_order ? "The ranking holds:" : "The ranking changes:"))};
    if (p.same_order) verdict.push_back(own(" every system keeps its rank."));
    else verdict.push_back(own(" not every system keeps its rank."));
    if (p.spearman_rho)
      verdict.push_back(own(" Spearman's ρ between the two rankings is " + fixed(*p.spearman_rho, 2) + " over " + std::to_string(p.rows.size()) +
                            " systems (1: the same order, −1: reversed)."));
    else
      verdict.push_back(own(" With " + std::to_string(p.rows.size()) + " systems Spearman's ρ says nothing more than the ranks do."));
    verdict.push_back(own(" A rank is not a significant difference: compare the intervals in each run's own section before reading an order into it."));
    out.blocks.push_back(paragraph(verdict));
  }
  return out;
}

}  // namespace legion::report::detail
