// The cell statistics, declared once each: what results.json, summaries.csv and the result tables
// show of a (scenario, system) cell. A new statistic is one declaration in kBuiltIn (or a
// register_cell_statistic call), its computation in stats/ and a line in its reference test.
#include "legion/report/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "format.hpp"
#include "legion/report/summary.hpp"

namespace legion::report {
namespace {

using detail::fixed;
using detail::sig3;

TableCell number(double v, std::string detail = {}) { return {sig3(v), v, std::move(detail)}; }
TableCell missing() { return {"—", std::nullopt, {}}; }

TableCell estimate(const std::optional<stats::Estimate>& e, const std::string& what, const SummaryOptions& o, std::size_t n,
                   const std::string& unit) {
  if (!e) return missing();
  return {sig3(e->point) + " [" + sig3(e->lower) + ", " + sig3(e->upper) + "]", e->point,
          what + " " + sig3(e->point) + unit + ", " + detail::level_percent(o.level) + " interval " + sig3(e->lower) + "–" +
              sig3(e->upper) + unit + ", n = " + std::to_string(n)};
}

StatisticValue optional_value(const std::optional<double>& v) { return v ? StatisticValue(*v) : StatisticValue(); }
StatisticValue summary_value(const stats::Summary& s) { return s.n == 0 ? StatisticValue() : StatisticValue(s); }
std::string n_of(const CellSummary& s) { return "n = " + std::to_string(s.wall_ms.n); }

// Overhead is undefined only for concurrent tasks recorded without the model's busy time.
constexpr const char* kNoOverhead = "undefined for concurrent tasks recorded without the model's busy time";
TableCell overhead_cell(const CellSummary& s, double v, const std::string& what) {
  return s.overhead_ms.n == 0 ? TableCell{"n/a", std::nullopt, kNoOverhead}
                              : number(v, what + " " + sig3(v) + " ms, n = " + std::to_string(s.overhead_ms.n));
}

// A knowledge-base median in milliseconds, or "—" for a cell without one.
StatisticColumn knowledge_ms(const std::string& header, const std::string& what) {
  return {"knowledge", header, true, false, [what](const CellSummary&, const StatisticValue& v, const SummaryOptions&) {
            const auto* x = std::get_if<double>(&v);
            return x ? number(*x, what + " " + sig3(*x) + " ms") : missing();
          }};
}
StatisticColumn knowledge_count(const std::string& header, const std::string& what) {
  return {"knowledge", header, true, false, [what](const CellSummary&, const StatisticValue& v, const SummaryOptions&) {
            const auto* x = std::get_if<double>(&v);
            return x ? number(*x, what) : missing();
          }};
}

std::vector<CellStatistic> built_in() {
  using C = const CellSummary&;
  using V = const StatisticValue&;
  using O = const SummaryOptions&;
  return {
      {"runs", "", "measured records (warm-ups excluded), failed ones included", [](C s) { return StatisticValue(s.runs); }, {}, true, {""},
       {{"wall", "n", true, true, [](C s, V, O) { return TableCell{std::to_string(s.runs), static_cast<double>(s.runs), {}}; }}}},
      {"correct", "", "records whose answer holds every planted value", [](C s) { return StatisticValue(s.correct); }, {}, true, {""},
       {{"wall", "correct", false, true, [](C s, V, O) {
           return TableCell{std::to_string(s.correct) + "/" + std::to_string(s.runs),
                            s.runs ? std::optional<double>(static_cast<double>(s.correct) / static_cast<double>(s.runs)) : std::nullopt,
                            std::to_string(s.correct) + " of " + std::to_string(s.runs) + " answers correct" +
                                (s.errors ? ", " + std::to_string(s.errors) + " failed with an error" : "")};
         }}}},
      {"errors", "", "records that failed with an error", [](C s) { return StatisticValue(s.errors); }, {}, true, {""}, {}},
      {"wall", "ms", "wall time per task over the completed records", [](C s) { return summary_value(s.wall_ms); }, {}, true,
       {"median", "min", "max"},
       {{"wall", "median [{level} CI]", true, false,
         [](C s, V, O o) {
           return s.wall_median_ci ? estimate(s.wall_median_ci, "median", o, s.wall_ms.n, " ms")
                                   : number(s.wall_ms.median, "median " + sig3(s.wall_ms.median) + " ms, " + n_of(s));
         }},
        {"wall", "min", true, false, [](C s, V, O) { return number(s.wall_ms.min, "fastest task " + sig3(s.wall_ms.min) + " ms"); }},
        {"wall", "max", true, false, [](C s, V, O) { return number(s.wall_ms.max, "slowest task " + sig3(s.wall_ms.max) + " ms"); }}}},
      {"wall_median_ci", "ms", "BCa bootstrap interval of the median wall time",
       [](C s) { return s.wall_median_ci ? StatisticValue(*s.wall_median_ci) : StatisticValue(); }},
      {"overhead", "ms", "wall time minus the union of the model server's service intervals for the task's requests and the human's wait",
       [](C s) { return summary_value(s.overhead_ms); }, {}, true, {"median", "min", "max"},
       {{"overhead", "overhead median", true, false, [](C s, V, O) { return overhead_cell(s, s.overhead_ms.median, "median overhead"); }},
        {"overhead", "min", true, false, [](C s, V, O) { return overhead_cell(s, s.overhead_ms.min, "least overhead"); }},
        {"overhead", "max", true, false, [](C s, V, O) { return overhead_cell(s, s.overhead_ms.max, "most overhead"); }}}},
      {"overhead_per_llm_call", "us", "median over records of overhead over LLM calls",
       [](C s) { return s.overhead_ms.n ? StatisticValue(s.overhead_per_call_us) : StatisticValue(); }, {}, true, {""},
       {{"overhead", "per LLM call (µs)", true, false, [](C s, V, O) {
           return s.overhead_ms.n == 0 ? TableCell{"n/a", std::nullopt, kNoOverhead}
                                       : number(s.overhead_per_call_us, "median overhead per LLM call " + sig3(s.overhead_per_call_us) + " µs");
         }}}},
      {"overhead_per_llm_call_ci", "us", "BCa bootstrap interval of the median overhead per LLM call",
       [](C s) { return s.overhead_per_call_ci ? StatisticValue(*s.overhead_per_call_ci) : StatisticValue(); }, {}, true,
       {"low", "high"}},
      {"floor_multiple", "", "median overhead per LLM call over the run's floor (the median bare 512-byte loopback round trip of its probes), with its BCa interval",
       [](C s) { return s.floor_multiple ? StatisticValue(*s.floor_multiple) : StatisticValue(); }, {}, true, {"estimate", "low", "high"},
       {{"overhead", "per call ÷ floor [{level} CI]", true, false,
         [](C s, V, O o) { return estimate(s.floor_multiple, "overhead per LLM call over the floor of " + sig3(o.floor_us) + " µs:", o, s.overhead_ms.n, "×"); },
         [](O o) { return o.floor_us > 0; }}}},
      {"ratio_to_baseline", "", "Hodges–Lehmann ratio of wall times to the baseline's on log scale, with its interval",
       [](C s) { return s.ratio_to_baseline ? StatisticValue(*s.ratio_to_baseline) : StatisticValue(); }, {}, true, {},
       {{"baseline", "ratio [{level} CI]", true, false, [](C s, V, O o) {
           return s.ratio_to_baseline ? estimate(s.ratio_to_baseline, "ratio", o, s.wall_ms.n, "×")
                                      : TableCell{"baseline", std::nullopt, "the system the others are compared with"};
         }}}},
      {"p_value_adjusted", "", "Mann–Whitney U p against the baseline, adjusted across the run", [](C s) { return optional_value(s.p_adjusted); },
       {}, true, {},
       {{"baseline", "p ({correction})", true, false, [](C s, V, O o) {
           return s.p_adjusted ? number(*s.p_adjusted, "p (" + correction_name(o) + ") = " + sig3(*s.p_adjusted)) : missing();
         }}}},
      {"cliffs_delta", "", "P(this > baseline) − P(this < baseline)", [](C s) { return optional_value(s.cliffs_delta); }, {}, true, {},
       {{"baseline", "Cliff's δ", true, false,
         [](C s, V, O) { return s.cliffs_delta ? number(*s.cliffs_delta, "Cliff's δ = " + sig3(*s.cliffs_delta)) : missing(); }}}},
      {"llm_calls", "", "median LLM calls per task", [](C s) { return StatisticValue(s.llm_calls); }, {}, true, {""},
       {{"tokens", "LLM calls", true, false, [](C s, V, O) { return number(s.llm_calls, "median LLM calls per task, " + n_of(s)); }}}},
      {"prompt_tokens", "", "median prompt tokens per task, counted by the model server", [](C s) { return StatisticValue(s.prompt_tokens); }, {},
       true, {""},
       {{"tokens", "prompt tokens", true, false,
         [](C s, V, O) { return number(s.prompt_tokens, "median prompt tokens per task, " + n_of(s)); }},
        {"tokens", "prompt per call", true, false,
         [](C s, V, O) { return s.llm_calls > 0 ? number(s.prompt_tokens / s.llm_calls, "prompt tokens per LLM call") : missing(); }}}},
      {"completion_tokens", "", "median completion tokens per task, counted by the model server",
       [](C s) { return StatisticValue(s.completion_tokens); }, {}, true, {""},
       {{"tokens", "completion tokens", true, false,
         [](C s, V, O) { return number(s.completion_tokens, "median completion tokens per task, " + n_of(s)); }}}},
      {"reported_prompt_tokens", "", "the system's own prompt-token count, median (absent when it keeps none)",
       [](C s) { return optional_value(s.reported_prompt_tokens); }},
      {"reported_completion_tokens", "", "the system's own completion-token count, median",
       [](C s) { return optional_value(s.reported_completion_tokens); }},
      {"token_mismatches", "", "completed records whose own token count differs from the model server's",
       [](C s) { return StatisticValue(s.token_mismatches); }},
      {"rss_peak", "mb", "median peak RSS of the worker during a task", [](C s) { return StatisticValue(s.rss_peak_mb); }, {}, true, {""},
       {{"overhead", "peak RSS (MB)", true, false, [](C s, V, O) {
           return TableCell{fixed(s.rss_peak_mb, 1), s.rss_peak_mb, "median peak RSS " + fixed(s.rss_peak_mb, 1) + " MB"};
         }}}},
      {"unsupported", "", "why the system cannot express the scenario (absent when it can)",
       [](C s) { return s.unsupported ? StatisticValue(*s.unsupported) : StatisticValue(); }},
      {"ingest", "ms", "median time putting the documents into the system's store", [](C s) { return optional_value(s.ingest_ms); }, {}, false,
       {}, {knowledge_ms("ingest (ms)", "median ingestion")}},
      {"retrieval", "ms", "median time retrieving from the store", [](C s) { return optional_value(s.retrieval_ms); }, {}, false, {},
       {knowledge_ms("retrieval (ms)", "median retrieval")}},
      {"rest_of_wall", "ms", "median of wall time less ingestion and retrieval", [](C s) { return optional_value(s.rest_of_wall_ms); }, {},
       false, {}, {knowledge_ms("rest of wall (ms)", "median of wall time less ingestion and retrieval")}},
      {"embedding_calls", "", "median embedding requests per task", [](C s) { return optional_value(s.embedding_calls); }, {}, false, {},
       {knowledge_count("embedding calls", "median embedding requests per task")}},
      {"embedding_tokens", "", "median embedded tokens per task", [](C s) { return optional_value(s.embedding_tokens); }, {}, false, {},
       {knowledge_count("embedding tokens", "median embedded tokens per task")}},
  };
}

std::vector<CellStatistic>& registry() {
  static std::vector<CellStatistic> all = built_in();
  return all;
}

std::size_t built_in_count() {
  static const std::size_t n = built_in().size();
  return n;
}

}  // namespace

std::string CellStatistic::key() const { return unit.empty() ? name : name + "_" + unit; }

std::string CellStatistic::csv_column(const std::string& part) const {
  const auto stem = part.empty() ? name : name + "_" + part;
  return unit.empty() ? stem : stem + "_" + unit;
}

StatisticValue CellStatistic::value(const CellSummary& cell) const {
  if (read) return read(cell);
  const auto it = cell.computed.find(name);
  return it == cell.computed.end() ? StatisticValue() : it->second;
}

const std::vector<CellStatistic>& cell_statistics() { return registry(); }

void register_cell_statistic(CellStatistic statistic) {
  if (statistic.name.empty()) throw std::invalid_argument("a cell statistic needs a name");
  if (!statistic.read && !statistic.compute)
    throw std::invalid_argument("cell statistic '" + statistic.name + "' neither reads nor computes its value");
  for (const auto& s : registry())
    if (s.name == statistic.name || s.key() == statistic.key())
      throw std::invalid_argument("cell statistic '" + statistic.name + "' is declared already");
  registry().push_back(std::move(statistic));
}

void unregister_cell_statistic(const std::string& name) {
  auto& all = registry();
  const auto first_registered = all.begin() + static_cast<std::ptrdiff_t>(built_in_count());
  all.erase(std::remove_if(first_registered, all.end(), [&](const CellStatistic& s) { return s.name == name; }), all.end());
}

std::optional<StatisticValue> statistic_part(const StatisticValue& value, const std::string& part) {
  if (std::holds_alternative<std::monostate>(value)) return std::nullopt;
  if (part.empty()) return value;
  if (const auto* s = std::get_if<stats::Summary>(&value)) {
    if (part == "median") return s->median;
    if (part == "mean") return s->mean;
    if (part == "min") return s->min;
    if (part == "max") return s->max;
    if (part == "stddev") return s->stddev;
    if (part == "n") return s->n;
  }
  if (const auto* e = std::get_if<stats::Estimate>(&value)) {
    if (part == "estimate") return e->point;
    if (part == "low") return e->lower;
    if (part == "high") return e->upper;
  }
  return std::nullopt;
}

nlohmann::json to_json(const StatisticValue& value) {
  using nlohmann::json;
  return std::visit(
      [](const auto& v) -> json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) return nullptr;
        else if constexpr (std::is_same_v<T, stats::Summary>)
          return {{"n", v.n}, {"median", v.median}, {"mean", v.mean}, {"min", v.min}, {"max", v.max}, {"stddev", v.stddev}};
        else if constexpr (std::is_same_v<T, stats::Estimate>) {
          auto bound = [](double b) { return std::isfinite(b) ? json(b) : json(nullptr); };
          return {{"estimate", v.point}, {"low", bound(v.lower)}, {"high", bound(v.upper)}, {"level", v.level}};
        } else
          return v;
      },
      value);
}

}  // namespace legion::report
