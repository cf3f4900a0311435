// results.csv (one row per record, its columns from the field table) and summaries.csv (one row
// per cell and system, named by the cell's identity fields).
#include <iomanip>
#include <variant>

#include "legion/report/escape.hpp"
#include "legion/report/reporters.hpp"
#include "legion/report/statistics.hpp"
#include "legion/report/summary.hpp"

namespace legion::report {

void write_records_csv(std::ostream& out, const RunResults& r) {
  std::string header;
  for (const auto& f : record_fields())
    if (f.csv) header += std::string(header.empty() ? "" : ",") + f.name;
  out << header << "\n";
  for (const auto& rec : r.records) {
    bool first = true;
    for (const auto& f : record_fields()) {
      if (!f.csv) continue;
      if (!first) out << ',';
      first = false;
      std::visit([&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, bool>) out << (v ? "true" : "false");
        else if constexpr (std::is_same_v<V, std::string>) out << csv_cell(v);
        else if constexpr (!std::is_same_v<V, std::monostate>) out << v;  // absent: an empty cell
      }, f.get(rec));
    }
    out << '\n';
  }
}

void write_summaries_csv(std::ostream& out, const RunResults& r) {
  // The columns of every declared cell statistic that has any (statistics.hpp).
  std::vector<std::pair<const CellStatistic*, std::string>> columns;  // statistic, part
  std::string identity;
  for (const auto& field : cell_identity_fields()) identity += std::string(identity.empty() ? "" : ",") + field.name;
  out << identity;
  for (const auto& statistic : cell_statistics())
    for (const auto& part : statistic.csv) {
      columns.emplace_back(&statistic, part);
      out << ',' << statistic.csv_column(part);
    }
  out << "\n" << std::setprecision(10);
  for (const auto& s : r.summaries) {
    bool first = true;
    for (const auto& field : cell_identity_fields()) {
      const auto value = field.of(s);  // text as it is; a number or the parameters' object as JSON
      out << (first ? "" : ",") << csv_cell(value.is_string() ? value.get<std::string>() : value.dump());
      first = false;
    }
    for (const auto& [statistic, part] : columns) {
      out << ',';
      const auto value = statistic_part(statistic->value(s), part);
      if (!value) continue;  // absent: an empty cell
      std::visit([&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string>) out << csv_cell(v);
        else if constexpr (std::is_same_v<V, std::size_t> || std::is_same_v<V, double>) out << v;
      }, *value);
    }
    out << '\n';
  }
}
}  // namespace legion::report
