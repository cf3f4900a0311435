#pragma once
// The run's result tables, built once from the summaries and the cell statistics' declarations
// (statistics.hpp) and rendered by every format (Markdown, HTML, PDF through HTML): the same
// columns, rows and order everywhere. Wide data is split by theme (wall time, against the
// baseline, overhead and memory, calls and tokens) so that each table fits a printed page.
// Internal to the report library.
#include <optional>
#include <string>
#include <vector>

#include "legion/report/statistics.hpp"
#include "legion/report/summary.hpp"

namespace legion::report::detail {

using TableCell = legion::report::TableCell;

struct TableColumn {
  std::string header;
  bool numeric = true;
};

// Every row starts with its scenario and system; `cells` holds the remaining columns.
struct TableRow {
  std::string scenario, system;
  std::vector<TableCell> cells;
};

struct Table {
  std::string id;       // stable, for links and the dashboard's metric filter
  std::string title;    // "Wall time per task"
  std::string caption;  // what the numbers are
  std::vector<TableColumn> columns;  // after "scenario" and "system"
  std::vector<TableRow> rows;
};

std::vector<Table> result_tables(const RunResults& results);

}  // namespace legion::report::detail
