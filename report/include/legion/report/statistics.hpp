#pragma once
// Cell statistics, each declared once — name, unit, meaning, how it is computed or read, and how
// the tables show it — as google/benchmark declares Statistics{name, fn}. Every format that lists
// a cell's statistics iterates cell_statistics(): summaries.csv (header and rows), the summaries
// of results.json and the result tables of the Markdown and HTML reports. The built-in ones are
// declared in report/src/statistics.cpp; register_cell_statistic adds one from anywhere else.
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "legion/report/results.hpp"
#include "legion/stats/descriptive.hpp"
#include "legion/stats/intervals.hpp"

namespace legion::report {

struct CellSummary;
struct SummaryOptions;

// A statistic's value in one cell: absent (null in results.json, empty in summaries.csv), a count,
// a number, a text, a summary (n, median, mean, min, max, sd) or an estimate with its interval.
using StatisticValue = std::variant<std::monostate, std::size_t, double, std::string, stats::Summary, stats::Estimate>;

// One cell of a result table, as every format shows it.
struct TableCell {
  std::string text;             // as printed
  std::optional<double> value;  // for sorting; absent for text and missing values
  std::string detail;           // the exact value with its interval and n, for hover and screen readers
};

// A column that a statistic adds to one of the result tables: "wall", "baseline", "overhead",
// "tokens" or "knowledge" (their titles and captions are in report/src/tables.cpp).
struct StatisticColumn {
  std::string table;
  std::string header;  // "{level}" stands for the confidence level ("95%"), "{correction}" for the correction
  bool numeric = true;
  bool shown_unmeasured = false;  // also in the row of a cell whose every run failed (a count)
  // The cell; unset: the number to three significant figures, or "—" when absent.
  std::function<TableCell(const CellSummary&, const StatisticValue&, const SummaryOptions&)> cell = {};
  // Whether the run's tables have this column at all; unset: always.
  bool (*shown_when)(const SummaryOptions&) = nullptr;
};

struct CellStatistic {
  std::string name;  // with the unit, its results.json key and summaries.csv column: "wall" + "ms" = wall_ms
  std::string unit;  // ms, us, mb; empty for counts and ratios
  std::string doc;   // what it is, in a sentence
  // How it is had: read from the cell's summary (typed members computed by summarize)...
  std::function<StatisticValue(const CellSummary&)> read = {};
  // ... or computed from the cell's measured records (warm-ups left out, failed ones in) by the analysis.
  std::function<StatisticValue(const std::vector<const RunRecord*>&)> compute = {};
  bool json = true;  // a key of each summary in results.json
  // Its summaries.csv columns: {""} the value itself; parts of a summary ("median", "min", "max")
  // or an estimate ("estimate", "low", "high") make NAME_PART_UNIT columns; empty: not in the CSV.
  std::vector<std::string> csv = {};
  std::vector<StatisticColumn> columns = {};  // how the result tables show it

  std::string key() const;                              // name_unit
  std::string csv_column(const std::string& part) const;  // name_part_unit
  StatisticValue value(const CellSummary& cell) const;
};

// Every statistic, built-in first, then registered ones in the order they were registered.
const std::vector<CellStatistic>& cell_statistics();
// Adds a statistic to every format. Throws std::invalid_argument for a name already declared, or a
// declaration that neither reads nor computes.
void register_cell_statistic(CellStatistic statistic);
// Removes a registered statistic (built-in ones stay); nothing when there is none of that name.
void unregister_cell_statistic(const std::string& name);

// A part of a value, as summaries.csv writes it ("" for the value itself); absent when the value
// is, or has no such part.
std::optional<StatisticValue> statistic_part(const StatisticValue& value, const std::string& part);
nlohmann::json to_json(const StatisticValue& value);

}  // namespace legion::report
