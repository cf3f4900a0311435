#include "legion/report/compare.hpp"

#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>

#include "legion/stats/compare.hpp"
#include "legion/stats/descriptive.hpp"

namespace legion::report {
namespace {

using nlohmann::json;

std::vector<double> metric_values(const RunResults& run, const std::string& scenario, const std::string& system,
                                  const std::string& metric) {
  std::vector<double> out;
  for (const auto& r : run.records) {
    if (r.warmup || r.error || r.scenario != scenario || r.system != system) continue;
    if (metric == "wall") out.push_back(static_cast<double>(r.wall_ns) / 1e6);
    else if (metric == "overhead" && r.tasks == 1) out.push_back(static_cast<double>(r.overhead_ns()) / 1e6);
    else if (metric == "cpu") out.push_back(static_cast<double>(r.cpu_user_ns + r.cpu_sys_ns) / 1e6);
  }
  return out;
}

std::string percent(double ratio) {
  std::ostringstream s;
  s << std::showpos << std::fixed << std::setprecision(1) << (ratio - 1) * 100 << "%";
  return s.str();
}

std::string number(double v) {
  std::ostringstream s;
  s << std::setprecision(4) << v;
  return s.str();
}

}  // namespace

bool RunComparison::regression() const {
  for (const auto& c : changes)
    if (c.verdict == "slower") return true;
  return false;
}

RunResults load_run(const std::filesystem::path& path) {
  return read_results_json(std::filesystem::is_directory(path) ? path / "results.json" : path);
}

RunComparison compare_runs(const RunResults& old_run, const RunResults& new_run, const CompareOptions& options) {
  if (options.metric != "wall" && options.metric != "overhead" && options.metric != "cpu")
    throw std::invalid_argument("unknown metric '" + options.metric + "' (expected wall, overhead or cpu)");
  RunComparison out;
  out.options = options;
  out.old_run = old_run.context.run_id;
  out.new_run = new_run.context.run_id;
  std::vector<double> p_values;
  std::vector<std::size_t> tested;
  for (const auto& cell : new_run.summaries) {
    Change c;
    c.scenario = cell.scenario;
    c.system = cell.system;
    auto before = metric_values(old_run, cell.scenario, cell.system, options.metric);
    auto after = metric_values(new_run, cell.scenario, cell.system, options.metric);
    c.old_n = before.size();
    c.new_n = after.size();
    if (before.size() < 2 || after.size() < 2) {
      c.verdict = "not comparable";
      c.note = before.empty() ? "not in the old run (or no successful record)" : "fewer than 2 successful records";
      out.changes.push_back(std::move(c));
      continue;
    }
    c.old_median = stats::median(before);
    c.new_median = stats::median(after);
    try {
      c.ratio = stats::hodges_lehmann_ratio(after, before, options.level);
      c.p_value = stats::mann_whitney_u(after, before).p_value;
      if (options.margin) {
        std::vector<double> log_after, log_before;
        for (double v : after) log_after.push_back(std::log(v));
        for (double v : before) log_before.push_back(std::log(v));
        c.equivalence_p = stats::tost(log_after, log_before, std::log1p(*options.margin), options.alpha).p_value;
      }
      p_values.push_back(c.p_value);
      tested.push_back(out.changes.size());
    } catch (const std::invalid_argument& e) {
      c.verdict = "not comparable";
      c.note = e.what();
    }
    out.changes.push_back(std::move(c));
  }
  auto adjusted = stats::holm(p_values);
  for (std::size_t k = 0; k < tested.size(); ++k) {
    auto& c = out.changes[tested[k]];
    c.p_adjusted = adjusted[k];
    bool significant = c.p_adjusted < options.alpha;
    if (significant && c.ratio->lower > 1 + options.threshold) c.verdict = "slower";
    else if (significant && c.ratio->upper < 1 - options.threshold) c.verdict = "faster";
    else if (c.equivalence_p && *c.equivalence_p < options.alpha) c.verdict = "equivalent";
    else c.verdict = "no significant difference";
  }
  return out;
}

json to_json(const RunComparison& c) {
  json j = {{"old_run", c.old_run},
            {"new_run", c.new_run},
            {"metric", c.options.metric},
            {"alpha", c.options.alpha},
            {"threshold", c.options.threshold},
            {"margin", c.options.margin ? json(*c.options.margin) : json(nullptr)},
            {"correction", "holm"},
            {"regression", c.regression()},
            {"changes", json::array()}};
  for (const auto& ch : c.changes)
    j["changes"].push_back({{"scenario", ch.scenario},
                            {"system", ch.system},
                            {"old_n", ch.old_n},
                            {"new_n", ch.new_n},
                            {"old_median_ms", ch.old_median},
                            {"new_median_ms", ch.new_median},
                            {"ratio", ch.ratio ? json{{"estimate", ch.ratio->point}, {"low", ch.ratio->lower}, {"high", ch.ratio->upper}}
                                               : json(nullptr)},
                            {"p_value", ch.p_value},
                            {"p_value_adjusted", ch.p_adjusted},
                            {"equivalence_p_value", ch.equivalence_p ? json(*ch.equivalence_p) : json(nullptr)},
                            {"verdict", ch.verdict},
                            {"note", ch.note}});
  return j;
}

void write_comparison_markdown(std::ostream& out, const RunComparison& c) {
  out << "# legion-bench compare: `" << c.old_run << "` → `" << c.new_run << "`\n\n"
      << "Metric: " << c.options.metric << " time (ms), medians; change = Hodges–Lehmann ratio new/old on log scale with its "
      << static_cast<int>(std::lround(c.options.level * 100)) << "% interval; p = Mann–Whitney U, Holm-adjusted across the "
      << "table; a change is called when p < " << c.options.alpha << " and the interval lies beyond ±"
      << c.options.threshold * 100 << "%.\n\n"
      << "| scenario | system | old | new | change | interval | p (adjusted) | verdict |\n|---|---|---:|---:|---:|---|---:|---|\n";
  for (const auto& ch : c.changes) {
    out << "| " << ch.scenario << " | " << ch.system << " | ";
    if (!ch.ratio) {
      out << "— | — | — | — | — | " << ch.verdict << " (" << ch.note << ") |\n";
      continue;
    }
    out << number(ch.old_median) << " | " << number(ch.new_median) << " | " << percent(ch.ratio->point) << " | ["
        << percent(ch.ratio->lower) << ", " << percent(ch.ratio->upper) << "] | " << number(ch.p_adjusted) << " | **"
        << ch.verdict << "** |\n";
  }
}

void write_comparison_table(std::ostream& out, const RunComparison& c) {
  out << std::left << std::setw(26) << "scenario" << std::setw(10) << "system" << std::right << std::setw(12) << "old ms"
      << std::setw(12) << "new ms" << std::setw(10) << "change" << std::setw(22) << "interval" << std::setw(10) << "p adj"
      << "  verdict\n";
  for (const auto& ch : c.changes) {
    out << std::left << std::setw(26) << ch.scenario << std::setw(10) << ch.system << std::right;
    if (!ch.ratio) {
      out << std::setw(66) << "" << "  " << ch.verdict << " (" << ch.note << ")\n";
      continue;
    }
    out << std::setw(12) << number(ch.old_median) << std::setw(12) << number(ch.new_median) << std::setw(10)
        << percent(ch.ratio->point) << std::setw(22) << ("[" + percent(ch.ratio->lower) + ", " + percent(ch.ratio->upper) + "]")
        << std::setw(10) << number(ch.p_adjusted) << "  " << ch.verdict << "\n";
  }
}

}  // namespace legion::report
