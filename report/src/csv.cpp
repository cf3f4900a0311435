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
void write_real_model_csv(std::ostream& out, const RunResults& r) {
  // Absent values are empty cells; money is in the price's currency (empty without a price).
  out << "cell,system,trials,successes,success_rate,success_low,success_high";
  for (std::size_t k = 1; k <= kMaxPassK; ++k) out << ",pass_hat_" << k;
  for (std::size_t k = 1; k <= kMaxPassK; ++k) out << ",pass_at_" << k;
  out << ",model_calls_per_task,prompt_tokens_per_task,cached_prompt_tokens_per_task,completion_tokens_per_task,tokens_per_success"
         ",timed_trials,model_ms_median,model_ms_low,model_ms_high,framework_ms_median,framework_ms_low,framework_ms_high"
         ",model_seconds_per_task,model_seconds_per_success,cost_per_task,cost_per_success,currency";
  for (std::size_t i = 0; i < kFailureColumns; ++i) {
    auto name = failure_column_name(i);
    for (auto& ch : name) ch = ch == ' ' ? '_' : ch;
    out << ",failed_" << name;
  }
  out << "\n" << std::setprecision(10);
  if (!r.real_model) return;
  auto optional = [&](const std::optional<double>& v) {
    out << ',';
    if (v) out << *v;
  };
  auto estimate = [&](const std::optional<stats::Estimate>& e) {
    if (e) out << ',' << e->point << ',' << e->lower << ',' << e->upper;
    else out << ",,,";
  };
  const auto& m = *r.real_model;
  for (const auto& c : m.cells) {
    out << csv_cell(c.scenario) << ',' << csv_cell(c.system) << ',' << c.trials << ',' << c.successes;
    estimate(c.success_rate);
    for (const auto& v : c.pass_hat_k) optional(v);
    for (const auto& v : c.pass_at_k) optional(v);
    out << ',' << c.calls << ',' << c.prompt_tokens << ',' << c.cached_prompt_tokens << ',' << c.completion_tokens;
    optional(c.tokens_per_success);
    out << ',' << c.timed;
    estimate(c.model_ms);
    estimate(c.framework_ms);
    out << ',' << c.model_seconds_per_task;
    optional(c.model_seconds_per_success);
    optional(c.cost_per_task);
    optional(c.cost_per_success);
    out << ',' << (m.model.price ? csv_cell(m.model.price->currency) : "");
    for (auto n : c.failures) out << ',' << n;
    out << '\n';
  }
}

}  // namespace legion::report
