#include "tables.hpp"

#include <functional>

#include "format.hpp"

namespace legion::report::detail {
namespace {

// The themes, in the order the reports show them; their columns come from the statistics'
// declarations. "{level}" in a caption or header is the confidence level, "{correction}" the
// correction's name.
struct Theme {
  const char* id;
  const char* title;
  const char* caption;
  bool (*has_row)(const CellSummary&);  // which cells have a row
  bool only_when_rows;                  // left out of a run with no such row
};
const Theme kThemes[] = {
    {"wall", "Wall time per task",
     "Median wall time per task in milliseconds with its {level} BCa bootstrap interval; min and max show the spread.",
     [](const CellSummary&) { return true; }, false},
    {"baseline", "Against the baseline",
     "Hodges–Lehmann ratio of wall times to the baseline's on the same scenario (log scale) with its {level} interval; "
     "Mann–Whitney U p, adjusted across the run; Cliff's δ.",
     [](const CellSummary&) { return true; }, false},
    {"overhead", "Framework overhead and memory",
     "Overhead is wall time minus the model server's service time (ms, median, min, max; per LLM call in µs); peak RSS is "
     "the worker's high-water mark (MB).",
     [](const CellSummary&) { return true; }, false},
    {"tokens", "LLM calls and tokens", "Per task, medians, counted by the model server (o200k_base).",
     [](const CellSummary&) { return true; }, false},
    {"knowledge", "Knowledge base",
     "Tasks with a knowledge base, medians per task: putting the documents into the system's store and retrieving from it "
     "(ms, each timed by the system), the wall time less both, and the embedding requests and tokens the model server "
     "counted apart from the chat calls.",
     [](const CellSummary& s) { return s.ingest_ms || s.retrieval_ms; }, true},
};

std::string fill(std::string text, const SummaryOptions& o) {
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"{level}", level_percent(o.level)}, {"{correction}", correction_name(o)}})
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
  return text;
}

TableCell shown(const StatisticColumn& column, const CellSummary& s, const StatisticValue& v, const SummaryOptions& o) {
  if (column.cell) return column.cell(s, v, o);
  if (const auto* x = std::get_if<double>(&v)) return {sig3(*x), *x, {}};
  if (const auto* n = std::get_if<std::size_t>(&v)) return {std::to_string(*n), static_cast<double>(*n), {}};
  if (const auto* t = std::get_if<std::string>(&v)) return {*t, std::nullopt, {}};
  return {"—", std::nullopt, {}};
}

}  // namespace

std::vector<Table> result_tables(const RunResults& r) {
  std::vector<Table> tables;
  // These are the scripted model's tables (overhead against a model that answers at once, by script);
  // a real-model run's records are reported in its own section (real_model_section) and never here.
  if (r.real_model) return tables;
  for (const auto& theme : kThemes) {
    Table t{theme.id, theme.title, fill(theme.caption, r.options), {}, {}};
    std::vector<std::pair<const CellStatistic*, const StatisticColumn*>> columns;
    for (const auto& statistic : cell_statistics())
      for (const auto& column : statistic.columns)
        if (column.table == theme.id && (!column.shown_when || column.shown_when(r.options))) {
          t.columns.push_back({fill(column.header, r.options), column.numeric});
          columns.emplace_back(&statistic, &column);
        }
    for (const auto& s : r.summaries) {
      if (!theme.has_row(s)) continue;
      TableRow row{s.scenario, s.system, {}};
      // An unsupported cell says so in its first column; a cell whose every run failed shows its counts only.
      const bool measured = !s.unsupported && s.runs > s.errors;
      for (const auto& [statistic, column] : columns) {
        if (s.unsupported && row.cells.empty()) row.cells.push_back({"unsupported", std::nullopt, {}});
        else if (measured || (column->shown_unmeasured && !s.unsupported)) row.cells.push_back(shown(*column, s, statistic->value(s), r.options));
        else row.cells.push_back({"—", std::nullopt, {}});
      }
      t.rows.push_back(std::move(row));
    }
    if (!theme.only_when_rows || !t.rows.empty()) tables.push_back(std::move(t));
  }
  return tables;
}

}  // namespace legion::report::detail
