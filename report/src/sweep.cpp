#include "legion/report/sweep.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "format.hpp"
#include "sections.hpp"
#include "legion/report/escape.hpp"
#include "legion/report/reporters.hpp"
#include "legion/report/summary.hpp"
#include "legion/stats/descriptive.hpp"

namespace legion::report {
namespace {

struct Metric {
  const char* name;
  const char* unit;
  double (*of)(const RunRecord&);
};
// Per task: a record of several concurrent tasks is divided by their number.
constexpr Metric kMetrics[] = {
    {"prompt tokens", "prompt tokens", [](const RunRecord& r) { return static_cast<double>(r.prompt_tokens) / r.tasks; }},
    {"completion tokens", "completion tokens", [](const RunRecord& r) { return static_cast<double>(r.completion_tokens) / r.tasks; }},
    {"total tokens", "tokens", [](const RunRecord& r) { return static_cast<double>(r.prompt_tokens + r.completion_tokens) / r.tasks; }},
    {"model calls", "calls", [](const RunRecord& r) { return static_cast<double>(r.llm_calls) / r.tasks; }},
    {"wall time", "ms", [](const RunRecord& r) { return static_cast<double>(r.wall_ns) / 1e6 / r.tasks; }},
    {"overhead", "ms", [](const RunRecord& r) { return static_cast<double>(r.overhead_ns()) / 1e6 / r.tasks; }},
    {"request bytes", "bytes", [](const RunRecord& r) { return static_cast<double>(r.request_bytes) / r.tasks; }},
};

}  // namespace

std::string parameter_text(double value) { return std::to_string(std::llround(value)); }

std::vector<SweepTrend> sweep_trends(const RunResults& run) {
  // (scenario, param) in order of first appearance, then systems in the run's order.
  std::vector<std::pair<std::string, std::string>> swept;
  for (const auto& r : run.records)
    if (!r.swept.empty() && r.swept != kSweptConcurrency)  // concurrency levels: report/concurrency.hpp
      if (std::find(swept.begin(), swept.end(), std::make_pair(r.scenario, r.swept)) == swept.end())
        swept.emplace_back(r.scenario, r.swept);
  std::vector<SweepTrend> out;
  for (const auto& [scenario, param] : swept)
    for (const auto& system : run.systems())
      for (const auto& m : kMetrics) {
        SweepTrend t{scenario, param, system, m.name, m.unit, 0, run.options.level, {}, std::nullopt};
        std::vector<double> x, y;
        std::map<std::int64_t, std::vector<double>> at;
        for (const auto& r : run.records) {
          if (r.system != system || r.warmup || r.error || r.unsupported) continue;
          if (std::string_view(m.name) == "overhead" && !r.overhead_known()) continue;
          const auto value = r.params.find(param);
          if (r.scenario != scenario || r.swept != param || value == r.params.end()) continue;
          x.push_back(static_cast<double>(value->second));
          y.push_back(m.of(r));
          at[value->second].push_back(y.back());
        }
        if (x.empty()) continue;
        t.records = x.size();
        for (auto& [value, ys] : at) t.medians.emplace_back(static_cast<double>(value), stats::median(ys));
        if (at.size() >= 2) t.fit = stats::theil_sen(x, y, run.options.level);
        out.push_back(std::move(t));
      }
  return out;
}

const SweepTrend* find_trend(const std::vector<SweepTrend>& trends, const std::string& scenario, const std::string& system,
                             const std::string& metric) {
  for (const auto& t : trends)
    if (t.scenario == scenario && t.system == system && t.metric == metric) return &t;
  return nullptr;
}

namespace detail {

Section sweep_section(const std::vector<SweepTrend>& trends) {
  const auto level = trends.empty() ? std::string() : level_percent(trends.front().level);
  Section s{"sweeps", "Parameter sweeps",
            {paragraph({own("How each metric grows with the swept parameter: the Theil–Sen slope over every completed record (per task) "
                            "with its " + level + " interval (Sen's), and the median at each value. A slope whose interval holds 0 means "
                            "no growth was found.")})}};
  std::string current;
  for (const auto& t : trends) {
    const auto heading = t.scenario + " / " + t.param;
    if (heading != current) {
      current = heading;
      s.blocks.push_back(detail::heading(3, {code(t.scenario), own(", per unit of "), code(t.param)}));
      s.blocks.push_back(table({{own("system")}, {own("metric")}, {own("slope [" + level_percent(t.level) + " CI]")},
                                {own("medians ("), outside(t.param), own(": value)")}, {own("records")}},
                               {false, false, true, false, true}));
    }
    std::string medians;
    for (std::size_t i = 0; i < t.medians.size(); ++i)
      medians += (i ? ", " : "") + parameter_text(t.medians[i].first) + ": " + sig3(t.medians[i].second);
    s.blocks.back().rows.push_back({{outside(t.system)},
                                    {own(t.metric)},
                                    {own(t.fit ? sig3(t.fit->slope) + " " + t.unit + " [" + sig3(t.fit->low) + ", " + sig3(t.fit->high) + "]" : "—")},
                                    {own(medians)},
                                    {own(std::to_string(t.records))}});
  }
  return s;
}

}  // namespace detail

void write_sweep_markdown(std::ostream& out, const std::vector<SweepTrend>& trends) {
  if (!trends.empty()) detail::write_markdown(out, detail::sweep_section(trends));
}

std::string sweep_chart_svg(const std::vector<const SweepTrend*>& lines, const std::function<std::string(const std::string&)>& colour) {
  constexpr double kWidth = 640, kHeight = 260, kLeft = 64, kRight = 16, kTop = 12, kBottom = 40;
  double x_lo = 0, x_hi = 0, y_hi = 0;
  bool first = true;
  for (const auto* t : lines)
    for (const auto& [x, y] : t->medians) {
      x_lo = first ? x : std::min(x_lo, x), x_hi = first ? x : std::max(x_hi, x), y_hi = std::max(y_hi, y);
      first = false;
    }
  if (first || lines.empty()) return "";
  if (x_hi == x_lo) x_hi = x_lo + 1;
  if (y_hi <= 0) y_hi = 1;
  auto px = [&](double x) { return kLeft + (x - x_lo) / (x_hi - x_lo) * (kWidth - kLeft - kRight); };
  auto py = [&](double y) { return kTop + (1 - y / y_hi) * (kHeight - kTop - kBottom); };
  const auto& any = *lines.front();
  std::ostringstream s;
  s << "<svg class=\"chart\" viewBox=\"0 0 " << kWidth << " " << kHeight << "\" role=\"img\" aria-label=\""
    << html_escape(any.metric + " against " + any.param + " in " + any.scenario) << "\">";
  for (int i = 0; i <= 4; ++i) {
    const double y = y_hi * i / 4;
    s << "<line class=\"grid\" x1=\"" << kLeft << "\" x2=\"" << kWidth - kRight << "\" y1=\"" << py(y) << "\" y2=\"" << py(y) << "\"/>"
      << "<text class=\"axis\" x=\"" << kLeft - 6 << "\" y=\"" << py(y) + 4 << "\" text-anchor=\"end\">" << detail::sig3(y) << "</text>";
  }
  for (const auto& [x, y] : any.medians)
    s << "<text class=\"axis\" x=\"" << px(x) << "\" y=\"" << kHeight - kBottom + 16 << "\" text-anchor=\"middle\">" << parameter_text(x) << "</text>";
  s << "<text class=\"axis\" x=\"" << (kLeft + kWidth - kRight) / 2 << "\" y=\"" << kHeight - 6 << "\" text-anchor=\"middle\">"
    << html_escape(any.param) << "</text>";
  for (const auto* t : lines) {
    const auto col = html_escape(colour(t->system));
    s << "<g data-system=\"" << html_escape(t->system) << "\"><polyline fill=\"none\" stroke=\"" << col << "\" stroke-width=\"2\" points=\"";
    for (const auto& [x, y] : t->medians) s << px(x) << "," << py(y) << " ";
    s << "\"/>";
    for (const auto& [x, y] : t->medians)
      s << "<circle fill=\"" << col << "\" cx=\"" << px(x) << "\" cy=\"" << py(y) << "\" r=\"3.5\"><title>" << html_escape(t->system) << ", "
        << html_escape(t->param) << " = " << parameter_text(x) << ": " << detail::sig3(y) << " " << html_escape(t->unit) << "</title></circle>";
    s << "</g>";
  }
  s << "</svg>";
  return s.str();
}

}  // namespace legion::report
