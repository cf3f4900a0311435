// report.html: one self-contained page (no script, no network) with the Markdown report's content
// and SVG charts; also the source of report.pdf (printed by headless Chromium).
#include <algorithm>
#include <cmath>
#include <functional>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "format.hpp"
#include "legion/report/reporters.hpp"

namespace legion::report {
namespace {

// Everything that came from scenario files, model output or the environment goes through here.
std::string esc(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double v, int precision = 3) {
  std::ostringstream s;
  s << std::setprecision(precision) << v;
  return s.str();
}

constexpr const char* kStyle = R"css(
:root { --fg: #1d2330; --muted: #5b6472; --bg: #ffffff; --grid: #d9dde3; --accent: #2f6fde; --accent2: #e0793a; --band: #2f6fde33; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e9ef; --muted: #a4acb9; --bg: #15181e; --grid: #39404c; --accent: #6aa0ff; --accent2: #ffa36b; --band: #6aa0ff44; }
}
@media print { :root { --fg: #000; --muted: #333; --bg: #fff; --grid: #bbb; --accent: #1f4fb0; --accent2: #c0581b; --band: #1f4fb033; }
  figure, tr { break-inside: avoid; } h2, h3 { break-after: avoid; } }
body { font: 15px/1.5 "DejaVu Sans", system-ui, sans-serif; color: var(--fg); background: var(--bg); max-width: 1100px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid var(--grid); padding-bottom: 0.2em; }
.meta, figcaption, .note { color: var(--muted); font-size: 0.9em; }
table { border-collapse: collapse; font-size: 0.82em; margin: 0.5em 0 1.2em; }
th, td { border: 1px solid var(--grid); padding: 0.25em 0.5em; text-align: right; } th:first-child, td:first-child { text-align: left; }
code, pre { font-family: "DejaVu Sans Mono", monospace; font-size: 0.9em; }
pre { border: 1px solid var(--grid); padding: 0.6em; overflow-x: auto; white-space: pre-wrap; }
svg.chart { width: 100%; height: auto; color: var(--fg); }
svg .grid { stroke: var(--grid); stroke-width: 1; } svg .axis { fill: var(--muted); font-size: 11px; }
svg .label { fill: var(--fg); font-size: 11px; } svg .ci { stroke: var(--accent); stroke-width: 3; }
svg .point { fill: var(--accent); } svg .raw { fill: var(--accent2); opacity: 0.7; }
svg .box { fill: var(--band); stroke: var(--accent); } svg .whisker { stroke: var(--accent); }
svg .model { fill: var(--accent2); } svg .framework { fill: var(--accent); } svg .bar { fill: var(--accent); }
)css";

struct Row {
  std::string label;
  const CellSummary* cell;
};

std::vector<Row> rows_of(const RunResults& r) {
  std::vector<Row> rows;
  for (const auto& s : r.summaries)
    if (s.runs > s.errors) rows.push_back({s.scenario + " · " + s.system, &s});
  return rows;
}

// Log-scale x axis over [lo, hi] mapped to [x0, x1], with 1-2-5 ticks.
struct LogAxis {
  double lo, hi, x0, x1;
  double x(double v) const {
    v = std::max(v, lo);
    return x0 + (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) * (x1 - x0);
  }
  std::vector<double> ticks() const {
    std::vector<double> t;
    for (double decade = std::pow(10, std::floor(std::log10(lo))); decade <= hi; decade *= 10)
      for (double m : {1.0, 2.0, 5.0})
        if (decade * m >= lo && decade * m <= hi) t.push_back(decade * m);
    return t;
  }
};

LogAxis wall_axis(const std::vector<Row>& rows, double x0, double x1) {
  double lo = INFINITY, hi = 0;
  for (const auto& row : rows) {
    lo = std::min({lo, row.cell->wall_ms.min, row.cell->wall_median_ci ? row.cell->wall_median_ci->lower : INFINITY});
    hi = std::max({hi, row.cell->wall_ms.max, row.cell->wall_median_ci ? row.cell->wall_median_ci->upper : 0.0});
  }
  lo = std::pow(10, std::floor(std::log10(std::max(lo, 1e-6))));
  hi = std::pow(10, std::ceil(std::log10(std::max(hi, lo * 10))));
  return {lo, hi, x0, x1};
}

void axis_ticks(std::ostream& out, const LogAxis& axis, double top, double bottom, const std::string& unit) {
  for (double t : axis.ticks()) {
    out << "<line class=\"grid\" x1=\"" << num(axis.x(t), 6) << "\" x2=\"" << num(axis.x(t), 6) << "\" y1=\"" << top
        << "\" y2=\"" << bottom << "\"/>";
    out << "<text class=\"axis\" text-anchor=\"middle\" x=\"" << num(axis.x(t), 6) << "\" y=\"" << bottom + 14 << "\">"
        << num(t) << "</text>";
  }
  out << "<text class=\"axis\" text-anchor=\"middle\" x=\"" << (axis.x0 + axis.x1) / 2 << "\" y=\"" << bottom + 30 << "\">"
      << esc(unit) << "</text>";
}

constexpr double kLabelWidth = 300, kWidth = 1000, kRowHeight = 22, kTop = 10;

// One chart: a row per (scenario, system) with its label on the left; `axes` draws the grid below
// the rows, `draw` one row's marks at height y.
void row_chart(std::ostream& out, const std::vector<Row>& rows, const char* id, const std::string& caption,
               const std::function<void(double bottom)>& axes,
               const std::function<void(const CellSummary&, double y)>& draw) {
  if (rows.empty()) return;
  double bottom = kTop + kRowHeight * static_cast<double>(rows.size());
  out << "<figure><svg class=\"chart\" data-chart=\"" << id << "\" viewBox=\"0 0 " << kWidth << " " << bottom + 40
      << "\" role=\"img\" aria-label=\"" << esc(caption) << "\">";
  axes(bottom);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    double y = kTop + kRowHeight * (static_cast<double>(i) + 0.5);
    out << "<text class=\"label\" x=\"" << kLabelWidth - 8 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">"
        << esc(rows[i].label) << "</text>";
    draw(*rows[i].cell, y);
  }
  out << "</svg><figcaption>" << esc(caption) << "</figcaption></figure>\n";
}

void interval_chart(std::ostream& out, const RunResults& r) {
  auto rows = rows_of(r);
  if (rows.empty()) return;
  auto axis = wall_axis(rows, kLabelWidth, kWidth - 20);
  row_chart(
      out, rows, "intervals", "Median wall time per task with its " + detail::level_percent(r.options.level) + " BCa interval, log axis.",
      [&](double bottom) { axis_ticks(out, axis, kTop, bottom, "wall time per task (ms, log scale)"); },
      [&](const CellSummary& c, double y) {
        if (c.wall_median_ci)
          out << "<line class=\"ci\" x1=\"" << num(axis.x(c.wall_median_ci->lower), 6) << "\" x2=\""
              << num(axis.x(c.wall_median_ci->upper), 6) << "\" y1=\"" << y << "\" y2=\"" << y << "\"/>";
        out << "<circle class=\"point\" r=\"4\" cx=\"" << num(axis.x(c.wall_ms.median), 6) << "\" cy=\"" << y << "\"><title>"
            << esc(c.scenario + " · " + c.system) << ": median " << num(c.wall_ms.median) << " ms</title></circle>";
      });
}

void distribution_chart(std::ostream& out, const RunResults& r) {
  auto rows = rows_of(r);
  if (rows.empty()) return;
  auto axis = wall_axis(rows, kLabelWidth, kWidth - 20);
  row_chart(
      out, rows, "distributions", "Every measured task (points), interquartile box and range, log axis.",
      [&](double bottom) { axis_ticks(out, axis, kTop, bottom, "wall time per task (ms, log scale)"); },
      [&](const CellSummary& c, double y) {
        out << "<line class=\"whisker\" x1=\"" << num(axis.x(c.wall_ms.min), 6) << "\" x2=\"" << num(axis.x(c.wall_ms.max), 6)
            << "\" y1=\"" << y << "\" y2=\"" << y << "\"/>";
        out << "<rect class=\"box\" x=\"" << num(axis.x(c.wall_q1_ms), 6) << "\" y=\"" << y - 7 << "\" width=\""
            << num(std::max(1.0, axis.x(c.wall_q3_ms) - axis.x(c.wall_q1_ms)), 6) << "\" height=\"14\"/>";
        for (const auto& rec : r.records)
          if (!rec.warmup && !rec.error && rec.scenario == c.scenario && rec.system == c.system)
            out << "<circle class=\"raw\" r=\"2\" cx=\"" << num(axis.x(static_cast<double>(rec.wall_ns) / 1e6), 6)
                << "\" cy=\"" << y << "\"/>";
      });
}

void decomposition_chart(std::ostream& out, const RunResults& r) {
  const double x0 = kLabelWidth, x1 = kWidth - 120;
  row_chart(
      out, rows_of(r), "decomposition",
      "Where each task's time went: in the model server (its service time, orange) or in the system (framework "
      "overhead including the HTTP exchange, blue).",
      [&](double bottom) {
        for (double share : {0.0, 0.25, 0.5, 0.75, 1.0})
          out << "<line class=\"grid\" x1=\"" << x0 + share * (x1 - x0) << "\" x2=\"" << x0 + share * (x1 - x0) << "\" y1=\""
              << kTop << "\" y2=\"" << bottom << "\"/><text class=\"axis\" text-anchor=\"middle\" x=\""
              << x0 + share * (x1 - x0) << "\" y=\"" << bottom + 14 << "\">" << share * 100 << "%</text>";
        out << "<text class=\"axis\" text-anchor=\"middle\" x=\"" << (x0 + x1) / 2 << "\" y=\"" << bottom + 30
            << "\">share of median wall time: model server (orange), framework (blue)</text>";
      },
      [&](const CellSummary& c, double y) {
        double wall = std::max(c.wall_ms.median, 1e-9);
        double model = std::clamp(c.oracle_ms / wall, 0.0, 1.0);
        out << "<rect class=\"model\" x=\"" << x0 << "\" y=\"" << y - 7 << "\" height=\"14\" width=\"" << num(model * (x1 - x0), 6)
            << "\"/>";
        out << "<rect class=\"framework\" x=\"" << num(x0 + model * (x1 - x0), 6) << "\" y=\"" << y - 7
            << "\" height=\"14\" width=\"" << num((1 - model) * (x1 - x0), 6) << "\"/>";
        out << "<text class=\"label\" x=\"" << x1 + 6 << "\" y=\"" << y + 4 << "\">" << num(c.oracle_ms) << " + "
            << num(std::max(0.0, wall - c.oracle_ms)) << " ms</text>";
      });
}

void bar_chart(std::ostream& out, const RunResults& r, const char* id, const std::string& caption, double CellSummary::*value) {
  auto rows = rows_of(r);
  double top_value = 0;
  for (const auto& row : rows) top_value = std::max(top_value, row.cell->*value);
  if (top_value <= 0) top_value = 1;
  const double x0 = kLabelWidth, x1 = kWidth - 80;
  row_chart(
      out, rows, id, caption + " (median per task).",
      [&](double bottom) {
        out << "<line class=\"grid\" x1=\"" << x0 << "\" x2=\"" << x0 << "\" y1=\"" << kTop << "\" y2=\"" << bottom << "\"/>";
      },
      [&](const CellSummary& c, double y) {
        double v = c.*value;
        out << "<rect class=\"bar\" x=\"" << x0 << "\" y=\"" << y - 7 << "\" height=\"14\" width=\""
            << num(v / top_value * (x1 - x0), 6) << "\"/>";
        out << "<text class=\"label\" x=\"" << num(x0 + v / top_value * (x1 - x0) + 6, 6) << "\" y=\"" << y + 4 << "\">"
            << num(v, 6) << "</text>";
      });
}

// The Markdown report's tables, as HTML.
void markdown_table_as_html(std::ostream& out, const std::string& md, bool nested = false) {
  std::istringstream lines(md);
  std::string line;
  bool in_table = false, in_code = false, header = false;
  auto cells = [](const std::string& l) {
    std::vector<std::string> out_cells;
    std::string cell;
    for (std::size_t i = 1; i < l.size(); ++i) {
      if (l[i] == '\\' && i + 1 < l.size() && l[i + 1] == '|') cell += '|', ++i;
      else if (l[i] == '|') out_cells.push_back(cell), cell.clear();
      else cell += l[i];
    }
    return out_cells;
  };
  // The Markdown was escaped for Markdown; undo that before escaping for HTML.
  auto plain = [](std::string s) {
    std::string out_text;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) { out_text += s[++i]; continue; }
      out_text += s[i];
    }
    for (auto [from, to] : {std::pair<std::string, std::string>{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}})
      for (auto p = out_text.find(from); p != std::string::npos; p = out_text.find(from, p + to.size())) out_text.replace(p, from.size(), to);
    std::string no_ticks;
    for (char c : out_text)
      if (c != '`' && c != '*') no_ticks += c;
    return no_ticks;
  };
  while (std::getline(lines, line)) {
    if (line.starts_with("```")) {
      out << (in_code ? "</pre>\n" : "<pre>");
      in_code = !in_code;
      continue;
    }
    if (in_code) {
      out << esc(line) << "\n";
      continue;
    }
    if (line.starts_with("|")) {
      if (!in_table) out << "<table>\n", in_table = true, header = true;
      if (line.starts_with("|---")) continue;
      out << "<tr>";
      for (const auto& c : cells(line)) out << (header ? "<th>" : "<td>") << esc(plain(c)) << (header ? "</th>" : "</td>");
      out << "</tr>\n";
      header = false;
      continue;
    }
    if (in_table) out << "</table>\n", in_table = false;
    if (line.starts_with("# ")) continue;  // the page has its own title
    const char* h2 = nested ? "h3" : "h2";
    const char* h3 = nested ? "h4" : "h3";
    if (line.starts_with("### ")) out << "<" << h3 << ">" << esc(plain(line.substr(4))) << "</" << h3 << ">\n";
    else if (line.starts_with("## ")) out << "<" << h2 << ">" << esc(plain(line.substr(3))) << "</" << h2 << ">\n";
    else if (line.starts_with("- ")) out << "<p class=\"note\">• " << esc(plain(line.substr(2))) << "</p>\n";
    else if (!line.empty()) out << "<p>" << esc(plain(line)) << "</p>\n";
  }
  if (in_table) out << "</table>\n";
}

}  // namespace

void write_html(std::ostream& out, const RunResults& r, const std::string& feature_matrix_markdown) {
  const auto& c = r.context;
  std::ostringstream md;
  write_markdown(md, r);
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      << "<meta name=\"color-scheme\" content=\"light dark\">"
      << "<title>legion-bench: " << esc(c.suite) << "</title><style>" << kStyle << "</style></head><body>\n"
      << "<h1>legion-bench results: suite " << esc(c.suite) << "</h1>\n"
      << "<p class=\"meta\">Run " << esc(c.run_id) << " · " << esc(c.started_at) << " · " << esc(c.host) << " · "
      << esc(c.cpu_model) << ", " << c.cores << " cores · revision " << esc(c.git_revision) << "</p>\n";
  // Paper order: abstract (the summary), method, figures, results, threats to validity, feature
  // matrix, and the environment as an appendix.
  std::vector<std::pair<std::string, std::string>> sections;  // heading, Markdown including the heading
  {
    std::istringstream lines(md.str());
    std::string line;
    while (std::getline(lines, line)) {
      if (line.starts_with("## ")) sections.emplace_back(line.substr(3), "");
      if (!sections.empty()) sections.back().second += line + "\n";
    }
  }
  auto emit = [&](std::initializer_list<std::string_view> headings) {
    for (const auto& [heading, text] : sections)
      for (auto h : headings)
        if (heading == h) {
          out << "<section>\n";
          markdown_table_as_html(out, text);
          out << "</section>\n";
        }
  };
  emit({"Summary", "Method"});
  out << "<section><h2>Figures</h2>\n";
  interval_chart(out, r);
  distribution_chart(out, r);
  decomposition_chart(out, r);
  bar_chart(out, r, "llm-calls", "LLM calls per task", &CellSummary::llm_calls);
  bar_chart(out, r, "prompt-tokens", "Prompt tokens per task (o200k_base, counted by the model server)", &CellSummary::prompt_tokens);
  out << "<p class=\"note\">Latency percentile curves appear for load runs; this run measured single tasks.</p>\n</section>\n";
  emit({"Results per scenario", "Suite-wide", "Failures", "Threats to validity"});
  if (!feature_matrix_markdown.empty()) {
    out << "<section>\n<h2>Feature matrix</h2>\n";
    markdown_table_as_html(out, feature_matrix_markdown, true);
    out << "</section>\n";
  }
  out << "<section><h2>Appendix: environment</h2>\n";
  for (const auto& [heading, text] : sections)
    if (heading == "Versions" || heading == "Cold start") {
      std::string nested = text;
      nested.replace(0, 3, "### ");  // a subsection of the appendix
      markdown_table_as_html(out, nested);
    }
  out << "</section>\n";
  out << "</body></html>\n";
}

}  // namespace legion::report
