// report.html: a self-contained dashboard (no network, works from file://) and, printed by headless
// Chromium, report.pdf. One document over one or more runs, in a paper's order: abstract, numbered
// sections, numbered figures and tables with captions, references, appendices. Every system has one
// colour (Okabe–Ito, colour-blind safe) and one place (RunResults::systems()) everywhere. The page
// is complete without its script; the script adds sorting, filters, system toggles and tooltips.
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <functional>
#include <iomanip>
#include <map>
#include <sstream>

#include "blocks.hpp"
#include "format.hpp"
#include "palette.hpp"
#include "sections.hpp"
#include "legion/report/escape.hpp"
#include "legion/report/reporters.hpp"
#include "legion/datasets/published.hpp"
#include "legion/report/sweep.hpp"
#include "tables.hpp"

namespace legion::report {
namespace {

// Everything that came from scenario files, model output or the environment goes through here.
std::string esc(std::string_view text) { return html_escape(text); }

std::string num(double v, int precision = 3) {
  std::ostringstream s;
  s << std::setprecision(precision) << v;
  return s.str();
}

constexpr const char* kStyle = R"css(
:root { --fg: #1d2330; --muted: #5b6472; --bg: #ffffff; --grid: #d9dde3; --panel: #f4f6f9; --server: #bfc5cd; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e9ef; --muted: #a4acb9; --bg: #15181e; --grid: #39404c; --panel: #1e232b; --server: #59616d; }
}
body { font: 15px/1.5 "DejaVu Sans", system-ui, sans-serif; color: var(--fg); background: var(--bg); max-width: 1100px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid var(--grid); padding-bottom: 0.2em; }
.meta, figcaption, caption, .note { color: var(--muted); font-size: 0.9em; }
#abstract { background: var(--panel); padding: 0.6em 1.2em; border-radius: 4px; }
#abstract li { margin: 0.3em 0; }
table { border-collapse: collapse; font-size: 0.82em; margin: 0.5em 0 1.2em; }
caption { caption-side: top; text-align: left; padding-bottom: 0.3em; }
th, td { border: 1px solid var(--grid); padding: 0.25em 0.5em; text-align: right; vertical-align: top; }
th.text, td.text { text-align: left; }
th button { font: inherit; color: inherit; background: none; border: 0; padding: 0; cursor: pointer; text-align: inherit; }
th[aria-sort="ascending"] button::after { content: " ▲"; } th[aria-sort="descending"] button::after { content: " ▼"; }
code, pre { font-family: "DejaVu Sans Mono", monospace; font-size: 0.9em; }
pre { border: 1px solid var(--grid); padding: 0.6em; overflow-x: auto; white-space: pre-wrap; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; margin-right: 0.35em; vertical-align: -0.05em; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; padding: 0; margin: 0.4em 0; font-size: 0.9em; }
.legend button { font: inherit; color: inherit; background: none; border: 1px solid var(--grid); border-radius: 3px; padding: 0.1em 0.5em; cursor: pointer; }
.legend button[aria-pressed="false"] { opacity: 0.4; text-decoration: line-through; }
#controls { display: flex; flex-wrap: wrap; gap: 0.6em 1.4em; align-items: center; background: var(--panel); padding: 0.6em 1em; border-radius: 4px;
  position: sticky; top: 0; z-index: 2; font-size: 0.9em; }
#controls[hidden] { display: none; }
#controls label { white-space: nowrap; }
#tip { position: absolute; z-index: 3; max-width: 28em; background: var(--fg); color: var(--bg); padding: 0.3em 0.6em; border-radius: 3px;
  font-size: 0.85em; pointer-events: none; }
.filtered-out { display: none !important; }
svg.chart { width: 100%; height: auto; color: var(--fg); }
svg .grid { stroke: var(--grid); stroke-width: 1; } svg .axis { fill: var(--muted); font-size: 11px; }
svg .label { fill: var(--fg); font-size: 11px; } svg .group { fill: var(--fg); font-size: 12px; font-weight: bold; }
svg .server { fill: var(--server); } svg .one { stroke: var(--muted); stroke-dasharray: 4 3; }
svg .mark:focus { outline: 2px solid var(--fg); }
@media print {
  :root { --fg: #000; --muted: #333; --bg: #fff; --grid: #bbb; --panel: #f2f2f2; --server: #c8c8c8; }
  @page { size: A4; margin: 15mm 14mm; }
  body { font-size: 10pt; max-width: none; margin: 0; padding: 0; }
  #controls, #tip, .screen-only { display: none !important; }
  .legend button { border: 0; padding: 0; }
  /* Words wrap whole (a short column keeps "inconclusive" on one line); code and paths anywhere. */
  table { font-size: 7.5pt; width: 100%; } th, td { padding: 0.15em 0.3em; overflow-wrap: break-word; } td code { overflow-wrap: anywhere; }
  /* A column per system (eleven and more): the page's width shared out, so no column is cut off. */
  table:has(tr > :nth-child(10)) { table-layout: fixed; font-size: 6.5pt; } table:has(tr > :nth-child(10)) td { overflow-wrap: anywhere; }
  /* Elsewhere a number keeps to one line: its column widens, the text columns wrap instead. */
  table:not(:has(tr > :nth-child(10))) td:not(.text) { overflow-wrap: normal; }
  figure, tr, .legend { break-inside: avoid; } h2, h3, h4, caption { break-after: avoid; }
  pre { white-space: pre-wrap; word-break: break-all; }
}
)css";

// Sorting, filtering, toggling systems and tooltips. Without it the page shows everything.
constexpr const char* kScript = R"js(
(function () {
  const controls = document.getElementById('controls');
  controls.hidden = false;
  const state = { suite: '', scenario: '', metric: '', off: new Set() };
  const tagged = () => document.querySelectorAll('[data-system], [data-scenario], [data-suite], [data-metric]');
  function apply() {
    tagged().forEach(el => {
      const d = el.dataset;
      const out = (state.suite && d.suite && d.suite !== state.suite) ||
                  (state.scenario && d.scenario && d.scenario !== state.scenario) ||
                  (d.system && state.off.has(d.system)) ||
                  (state.metric && d.metric && d.metric !== state.metric);
      el.classList.toggle('filtered-out', !!out);
    });
    document.querySelectorAll('[data-toggle-system]').forEach(b =>
      b.setAttribute('aria-pressed', state.off.has(b.dataset.toggleSystem) ? 'false' : 'true'));
    document.querySelectorAll('#controls input[data-system-filter]').forEach(c => { c.checked = !state.off.has(c.value); });
    document.getElementById('shown').textContent =
      document.querySelectorAll('table.data tbody tr:not(.filtered-out)').length + ' rows shown';
  }
  document.getElementById('filter-suite').addEventListener('change', e => { state.suite = e.target.value; apply(); });
  document.getElementById('filter-scenario').addEventListener('change', e => { state.scenario = e.target.value; apply(); });
  document.getElementById('filter-metric').addEventListener('change', e => { state.metric = e.target.value; apply(); });
  function toggle(system, on) { if (on) state.off.delete(system); else state.off.add(system); apply(); }
  document.querySelectorAll('#controls input[data-system-filter]').forEach(c =>
    c.addEventListener('change', () => toggle(c.value, c.checked)));
  document.querySelectorAll('[data-toggle-system]').forEach(b =>
    b.addEventListener('click', () => toggle(b.dataset.toggleSystem, state.off.has(b.dataset.toggleSystem))));
  // Sorting: each header of a data table becomes a button; numbers sort by their exact value.
  document.querySelectorAll('table.data').forEach(table => {
    table.querySelectorAll('thead th').forEach((th, column) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = th.textContent;
      th.textContent = '';
      th.appendChild(button);
      button.addEventListener('click', () => {
        const ascending = th.getAttribute('aria-sort') !== 'ascending';
        table.querySelectorAll('thead th').forEach(h => h.removeAttribute('aria-sort'));
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        const body = table.tBodies[0];
        const key = row => { const cell = row.cells[column]; return cell.dataset.value !== undefined ? parseFloat(cell.dataset.value) : cell.textContent; };
        const rows = Array.from(body.rows);
        rows.sort((a, b) => {
          const x = key(a), y = key(b);
          const missing = (typeof x === 'number' && isNaN(x)) - (typeof y === 'number' && isNaN(y));
          if (missing) return missing;  // rows without a value last, either way
          const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
          return ascending ? order : -order;
        });
        rows.forEach(r => body.appendChild(r));
      });
    });
  });
  // The exact value, its interval and n on hover or keyboard focus.
  const tip = document.getElementById('tip');
  function show(el) {
    const text = el.closest('[data-tip]');
    if (!text) { tip.hidden = true; return; }
    tip.textContent = text.dataset.tip;
    tip.hidden = false;
    const box = text.getBoundingClientRect();
    tip.style.left = (window.scrollX + box.left) + 'px';
    tip.style.top = (window.scrollY + box.bottom + 6) + 'px';
  }
  document.addEventListener('mouseover', e => show(e.target));
  document.addEventListener('focusin', e => show(e.target));
  document.addEventListener('focusout', () => { tip.hidden = true; });
  apply();
})();
)js";

// Log-scale x axis over [lo, hi] mapped to [x0, x1], with 1-2-5 ticks.
struct LogAxis {
  double lo, hi, x0, x1;
  double x(double v) const {
    v = std::clamp(v, lo, hi);
    return x0 + (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) * (x1 - x0);
  }
  static LogAxis around(double lo, double hi, double x0, double x1) {
    lo = std::pow(10, std::floor(std::log10(std::max(lo, 1e-6))));
    hi = std::pow(10, std::ceil(std::log10(std::max(hi, lo * 10))));
    return {lo, hi, x0, x1};
  }
  std::vector<double> ticks() const {
    std::vector<double> t;
    for (double decade = lo; decade <= hi * 1.0001; decade *= 10)
      for (double m : {1.0, 2.0, 5.0})
        if (decade * m >= lo * 0.9999 && decade * m <= hi * 1.0001) t.push_back(decade * m);
    return t;
  }
};

constexpr double kLabelWidth = 260, kWidth = 1000, kRowHeight = 20, kTop = 8;

// The document: numbering of sections, figures and tables, and each system's colour.
class Page {
 public:
  Page(std::ostream& out, const std::vector<const RunResults*>& runs, const std::vector<PublishedComparison>& published,
       detail::PaperAdditions additions = {})
      : out_(out), runs_(runs), published_(published), additions_(std::move(additions)) {
    for (const auto* run : runs)
      for (const auto& system : run->systems())
        if (std::find(systems_.begin(), systems_.end(), system) == systems_.end()) systems_.push_back(system);
    for (const auto* run : runs) sections_.push_back(detail::run_sections(*run));
  }

  void write(const std::string& feature_matrix_markdown);

 private:
  struct ChartRow {
    std::string label, scenario, system;  // system empty: a scenario's heading row
    std::string link;                     // the records behind the row
  };

  std::string colour(const std::string& system) const {
    auto at = std::find(systems_.begin(), systems_.end(), system) - systems_.begin();
    return detail::palette_colour(static_cast<std::size_t>(at));
  }
  std::string swatch(const std::string& system) const {
    return "<span class=\"swatch\" style=\"background:" + colour(system) + "\"></span>";
  }
  std::string suite_id(std::size_t run) const { return "run" + std::to_string(run + 1); }
  std::string suite_name(std::size_t run) const {
    const auto& c = runs_[run]->context;
    return "suite " + c.suite + (runs_.size() > 1 ? " (run " + c.run_id + ", latency profile " + c.latency_profile + ")" : "");
  }
  // Anchor of a cell's records in the appendix (names from outside never become ids).
  std::string cell_anchor(std::size_t run, const std::string& scenario, const std::string& system) const {
    const auto& cells = runs_[run]->summaries;
    for (std::size_t k = 0; k < cells.size(); ++k)
      if (cells[k].scenario == scenario && cells[k].system == system) return "records-" + suite_id(run) + "-" + std::to_string(k + 1);
    return "records";
  }
  std::string tags(std::size_t run, const std::string& scenario, const std::string& system) const {
    std::string t = " data-suite=\"" + suite_id(run) + "\"";
    if (!scenario.empty()) t += " data-scenario=\"" + esc(scenario) + "\"";
    if (!system.empty()) t += " data-system=\"" + esc(system) + "\"";
    return t;
  }

  void legend(const std::vector<std::string>& systems) {
    out_ << "<ul class=\"legend\">";
    for (const auto& s : systems)
      out_ << "<li><button type=\"button\" data-toggle-system=\"" << esc(s) << "\" aria-pressed=\"true\">" << swatch(s) << esc(s)
           << "</button></li>";
    out_ << "</ul>\n";
  }

  // A figure: legend, rows grouped by scenario, a caption with its number and a link to the records.
  void figure(std::size_t run, const std::string& id, const std::string& caption, const std::vector<ChartRow>& rows,
              double right_margin, const std::function<void(double bottom)>& axes,
              const std::function<void(const ChartRow&, double y)>& draw) {
    if (rows.empty()) return;
    const double bottom = kTop + kRowHeight * static_cast<double>(rows.size());
    const int n = ++figures_;
    std::vector<std::string> shown;
    for (const auto& row : rows)
      if (!row.system.empty() && std::find(shown.begin(), shown.end(), row.system) == shown.end()) shown.push_back(row.system);
    std::sort(shown.begin(), shown.end(), [&](const auto& a, const auto& b) {
      return std::find(systems_.begin(), systems_.end(), a) < std::find(systems_.begin(), systems_.end(), b);
    });
    out_ << "<figure id=\"figure-" << n << "\"" << tags(run, "", "") << ">\n";
    legend(shown);
    out_ << "<svg class=\"chart\" data-chart=\"" << id << "\" viewBox=\"0 0 " << kWidth << " " << bottom + 40
         << "\" role=\"img\" aria-label=\"Figure " << n << ". " << esc(caption) << "\">";
    axes(bottom);
    (void)right_margin;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const double y = kTop + kRowHeight * (static_cast<double>(i) + 0.5);
      const auto& row = rows[i];
      if (row.system.empty()) {
        out_ << "<text class=\"group\"" << tags(run, row.scenario, "") << " x=\"4\" y=\"" << y + 4 << "\">" << esc(row.label) << "</text>";
        continue;
      }
      out_ << "<a href=\"#" << row.link << "\"" << tags(run, row.scenario, row.system) << "><text class=\"label\" x=\""
           << kLabelWidth - 8 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">" << esc(row.label) << "</text>";
      draw(row, y);
      out_ << "</a>";
    }
    out_ << "</svg>\n<figcaption><b>Figure " << n << ".</b> " << esc(caption) << "<span class=\"screen-only\"> Each row links to its records (Appendix B).</span></figcaption></figure>\n";
  }

  // The sources of the published figures in section 4 (each once), after the methods cited.
  void published_sources() {
    if (published_.empty()) return;
    std::vector<datasets::PublishedFigure> figures;
    try {
      figures = datasets::load_published();
    } catch (const std::exception&) {
      return;  // no datasets here: section 4 names each source in its rows' titles
    }
    std::vector<std::string> listed;
    for (const auto& f : figures) {
      const bool cited = std::any_of(published_.begin(), published_.end(), [&](const auto& c) {
        return std::any_of(c.verdicts.begin(), c.verdicts.end(), [&](const auto& v) { return v.id.find(f.id) != std::string::npos; });
      });
      if (!cited || std::find(listed.begin(), listed.end(), f.source.address) != listed.end()) continue;
      listed.push_back(f.source.address);
      out_ << "<li>" << esc(f.source.authors) << ". " << esc(f.source.title) << ". " << esc(f.source.address) << " (read " << esc(f.source.accessed)
           << "; the published figures of section 4).</li>\n";
    }
  }

  // A parameter sweep's slopes (the Markdown table) and a chart per (scenario, metric) of the
  // medians against the parameter, a line per system.
  void sweep_figures(std::size_t run) {
    if (!shared(run, "sweeps")) return;
    blocks(run, "sweeps");
    const auto& trends = runs_[run]->sweeps;
    std::vector<std::pair<std::string, std::string>> charts;  // (scenario, metric) in order
    for (const auto& t : trends)
      if (std::find(charts.begin(), charts.end(), std::make_pair(t.scenario, t.metric)) == charts.end()) charts.emplace_back(t.scenario, t.metric);
    for (const auto& [scenario, metric] : charts) {
      std::vector<const SweepTrend*> lines;
      for (const auto& t : trends)
        if (t.scenario == scenario && t.metric == metric) lines.push_back(&t);
      const auto caption = metric + " (" + lines.front()->unit + " per task) against " + lines.front()->param + " in " + scenario +
                           ": the median at each value, a line per system.";
      const int n = ++figures_;
      std::vector<std::string> shown;
      for (const auto* l : lines) shown.push_back(l->system);
      out_ << "<figure id=\"figure-" << n << "\"" << tags(run, scenario, "") << ">\n";
      legend(shown);
      out_ << sweep_chart_svg(lines, [this](const std::string& system) { return colour(system); }) << "\n<figcaption><b>Figure " << n
           << ".</b> " << esc(caption) << "</figcaption></figure>\n";
    }
  }

  // Rows for every (scenario, system) of a run with a measured result, grouped under their scenario.
  std::vector<ChartRow> cell_rows(std::size_t run, const std::function<bool(const CellSummary&)>& keep) const {
    std::vector<ChartRow> rows;
    std::string scenario;
    for (const auto& c : runs_[run]->summaries) {
      if (!keep(c)) continue;
      if (c.scenario != scenario) rows.push_back({c.scenario, c.scenario, "", ""}), scenario = c.scenario;
      rows.push_back({c.system, c.scenario, c.system, cell_anchor(run, c.scenario, c.system)});
    }
    return rows;
  }
  const CellSummary& cell(std::size_t run, const ChartRow& row) const {
    for (const auto& c : runs_[run]->summaries)
      if (c.scenario == row.scenario && c.system == row.system) return c;
    throw std::logic_error("no such cell");
  }

  void log_ticks(const LogAxis& axis, double bottom, const std::string& unit) {
    for (double t : axis.ticks())
      out_ << "<line class=\"grid\" x1=\"" << num(axis.x(t), 6) << "\" x2=\"" << num(axis.x(t), 6) << "\" y1=\"" << kTop << "\" y2=\""
           << bottom << "\"/><text class=\"axis\" text-anchor=\"middle\" x=\"" << num(axis.x(t), 6) << "\" y=\"" << bottom + 14
           << "\">" << (t >= 1000 ? detail::thousands(std::llround(t)) : num(t)) << "</text>";
    out_ << "<text class=\"axis\" text-anchor=\"middle\" x=\"" << (axis.x0 + axis.x1) / 2 << "\" y=\"" << bottom + 30 << "\">"
         << esc(unit) << "</text>";
  }

  void mark_open(const std::string& tip) { out_ << "<g class=\"mark\" tabindex=\"0\" data-tip=\"" << esc(tip) << "\"><title>" << esc(tip) << "</title>"; }

  void interval_figure(std::size_t run) {
    const auto& r = *runs_[run];
    const auto level = detail::level_percent(r.options.level);
    auto rows = cell_rows(run, [](const CellSummary& c) { return !c.unsupported && c.runs > c.errors; });
    double lo = INFINITY, hi = 0;
    for (const auto& c : r.summaries)
      if (c.wall_ms.n > 0) lo = std::min(lo, c.wall_ms.min), hi = std::max(hi, c.wall_ms.max);
    const auto axis = LogAxis::around(lo, hi, kLabelWidth, kWidth - 20);
    figure(run, "intervals",
           "Median wall time per task (points) with its " + level + " BCa bootstrap interval (bars) and every measured task "
           "(small points), by scenario, log axis.",
           rows, 0, [&](double bottom) { log_ticks(axis, bottom, "wall time per task (ms, log scale)"); },
           [&](const ChartRow& row, double y) {
             const auto& c = cell(run, row);
             std::string tip = c.scenario + " · " + c.system + ": median " + detail::sig3(c.wall_ms.median) + " ms";
             if (c.wall_median_ci)
               tip += ", " + level + " interval " + detail::sig3(c.wall_median_ci->lower) + "–" + detail::sig3(c.wall_median_ci->upper) + " ms";
             tip += ", n = " + std::to_string(c.wall_ms.n);
             mark_open(tip);
             const auto col = colour(c.system);
             for (const auto& rec : r.records)
               if (!rec.warmup && !rec.error && rec.system == c.system && rec.cell() == c.scenario)
                 out_ << "<circle r=\"1.6\" fill=\"" << col << "\" opacity=\"0.45\" cx=\"" << num(axis.x(static_cast<double>(rec.wall_ns) / 1e6), 6)
                      << "\" cy=\"" << y + 5 << "\"/>";
             if (c.wall_median_ci)
               out_ << "<line stroke=\"" << col << "\" stroke-width=\"3\" x1=\"" << num(axis.x(c.wall_median_ci->lower), 6) << "\" x2=\""
                    << num(axis.x(c.wall_median_ci->upper), 6) << "\" y1=\"" << y << "\" y2=\"" << y << "\"/>";
             out_ << "<circle r=\"4.5\" fill=\"" << col << "\" cx=\"" << num(axis.x(c.wall_ms.median), 6) << "\" cy=\"" << y << "\"/></g>";
           });
  }

  // Forest plot: each system's ratio to the baseline per scenario and over the suite, with intervals.
  void forest_figure(std::size_t run) {
    const auto& r = *runs_[run];
    if (r.suite.empty()) return;
    const auto level = detail::level_percent(r.options.level);
    auto rows = cell_rows(run, [](const CellSummary& c) { return c.ratio_to_baseline.has_value(); });
    rows.push_back({"all scenarios (geometric mean)", "", "", ""});
    for (const auto& s : r.suite) rows.push_back({s.system, "", s.system, "suite-" + suite_id(run)});
    double lo = 1, hi = 1;
    for (const auto& c : r.summaries)
      if (c.ratio_to_baseline) lo = std::min(lo, c.ratio_to_baseline->lower), hi = std::max(hi, c.ratio_to_baseline->upper);
    for (const auto& s : r.suite) lo = std::min(lo, s.geometric_mean.lower), hi = std::max(hi, s.geometric_mean.upper);
    const auto axis = LogAxis::around(lo, hi, kLabelWidth, kWidth - 20);
    const auto& baseline = r.suite.front().baseline;
    figure(run, "forest",
           "Ratio of wall time to " + baseline + "'s on the same scenario (Hodges–Lehmann, " + level +
               " interval; right of the dashed line: slower than " + baseline + "), and over all scenarios (geometric mean, " +
               level + " bootstrap interval), log axis.",
           rows, 0,
           [&](double bottom) {
             log_ticks(axis, bottom, "ratio to " + baseline + " (log scale)");
             out_ << "<line class=\"one\" x1=\"" << num(axis.x(1), 6) << "\" x2=\"" << num(axis.x(1), 6) << "\" y1=\"" << kTop
                  << "\" y2=\"" << bottom << "\"/>";
           },
           [&](const ChartRow& row, double y) {
             stats::Estimate e{};
             std::string what;
             std::size_t n = 0;
             if (row.scenario.empty()) {
               for (const auto& s : r.suite)
                 if (s.system == row.system) e = s.geometric_mean, n = s.scenarios;
               what = row.system + " over " + std::to_string(n) + " scenarios: geometric mean ratio ";
             } else {
               const auto& c = cell(run, row);
               e = *c.ratio_to_baseline, n = c.wall_ms.n;
               what = c.scenario + " · " + c.system + ": ratio ";
             }
             const auto tip = what + detail::sig3(e.point) + "×, " + level + " interval " + detail::sig3(e.lower) + "–" +
                              detail::sig3(e.upper) + (row.scenario.empty() ? "" : ", n = " + std::to_string(n));
             mark_open(tip);
             const auto col = colour(row.system);
             out_ << "<line stroke=\"" << col << "\" stroke-width=\"2.5\" x1=\"" << num(axis.x(e.lower), 6) << "\" x2=\""
                  << num(axis.x(e.upper), 6) << "\" y1=\"" << y << "\" y2=\"" << y << "\"/>";
             const double x = axis.x(e.point);
             if (row.scenario.empty())  // the pooled estimate as a diamond, as forest plots draw it
               out_ << "<polygon fill=\"" << col << "\" points=\"" << num(x - 7, 6) << "," << y << " " << num(x, 6) << "," << y - 6 << " "
                    << num(x + 7, 6) << "," << y << " " << num(x, 6) << "," << y + 6 << "\"/></g>";
             else
               out_ << "<rect fill=\"" << col << "\" x=\"" << num(x - 4, 6) << "\" y=\"" << y - 4 << "\" width=\"8\" height=\"8\"/></g>";
           });
  }

  void decomposition_figure(std::size_t run) {
    const double x0 = kLabelWidth, x1 = kWidth - 130;
    auto rows = cell_rows(run, [](const CellSummary& c) { return !c.unsupported && c.runs > c.errors; });
    figure(run, "decomposition",
           "Where each task's median wall time went: the model server's service time (grey) and the system's own time, "
           "including the HTTP exchange (the system's colour).",
           rows, 0,
           [&](double bottom) {
             for (double share : {0.0, 0.25, 0.5, 0.75, 1.0})
               out_ << "<line class=\"grid\" x1=\"" << x0 + share * (x1 - x0) << "\" x2=\"" << x0 + share * (x1 - x0) << "\" y1=\"" << kTop
                    << "\" y2=\"" << bottom << "\"/><text class=\"axis\" text-anchor=\"middle\" x=\"" << x0 + share * (x1 - x0)
                    << "\" y=\"" << bottom + 14 << "\">" << share * 100 << "%</text>";
             out_ << "<text class=\"axis\" text-anchor=\"middle\" x=\"" << (x0 + x1) / 2 << "\" y=\"" << bottom + 30
                  << "\">share of median wall time: model server (grey), system</text>";
           },
           [&](const ChartRow& row, double y) {
             const auto& c = cell(run, row);
             const double wall = std::max(c.wall_ms.median, 1e-9), model = std::clamp(c.model_busy_ms / wall, 0.0, 1.0);
             mark_open(c.scenario + " · " + c.system + ": " + detail::sig3(c.model_busy_ms) + " ms in the model server, " +
                       detail::sig3(std::max(0.0, wall - c.model_busy_ms)) + " ms in the system (medians, n = " + std::to_string(c.wall_ms.n) + ")");
             out_ << "<rect class=\"server\" x=\"" << x0 << "\" y=\"" << y - 6 << "\" height=\"12\" width=\"" << num(model * (x1 - x0), 6) << "\"/>";
             out_ << "<rect fill=\"" << colour(c.system) << "\" x=\"" << num(x0 + model * (x1 - x0), 6) << "\" y=\"" << y - 6
                  << "\" height=\"12\" width=\"" << num((1 - model) * (x1 - x0), 6) << "\"/>";
             out_ << "<text class=\"label\" x=\"" << x1 + 6 << "\" y=\"" << y + 4 << "\">" << num(c.model_busy_ms) << " + "
                  << num(std::max(0.0, wall - c.model_busy_ms)) << " ms</text></g>";
           });
  }

  // Timelines of one task per system (a traced run): lanes for the agents' turns, the model
  // server's work, the tools and the person, and the framework's own time between them, each
  // system's lanes across its own task time (systems differ by orders of magnitude).
  void timeline_figure(std::size_t run) {
    const auto chosen = detail::chosen_timelines(*runs_[run]);
    if (!chosen) return;
    const double x0 = kLabelWidth, x1 = kWidth - 110;
    std::vector<ChartRow> rows;
    for (const auto& e : chosen->entries) {
      rows.push_back({e.system + " — " + detail::sig3(static_cast<double>(e.record->trace->spans.front().end_ns) / 1e6) + " ms", chosen->scenario, "", ""});
      for (const auto& lane : e.lanes) rows.push_back({lane.name, chosen->scenario, e.system, cell_anchor(run, chosen->scenario, e.system)});
    }
    auto entry_of = [&](const std::string& system) {
      return std::find_if(chosen->entries.begin(), chosen->entries.end(), [&](const auto& e) { return e.system == system; });
    };
    figure(run, "timelines",
           "Where the time of one " + chosen->scenario +
               " task went, per system (its record of median wall time): the agents' turns (the system's own invoke_agent spans "
               "where it emits them, else each agent's stretch of consecutive model calls as the model server saw it), the model "
               "server's work (grey), the tools and the person (dark), and the framework's own time between them (the system's "
               "colour). Each system's lanes span its own task, whose time heads its group; the axis gives the share of it.",
           rows, 0,
           [&](double bottom) {
             for (double share : {0.0, 0.25, 0.5, 0.75, 1.0})
               out_ << "<line class=\"grid\" x1=\"" << x0 + share * (x1 - x0) << "\" x2=\"" << x0 + share * (x1 - x0) << "\" y1=\"" << kTop
                    << "\" y2=\"" << bottom << "\"/><text class=\"axis\" text-anchor=\"middle\" x=\"" << x0 + share * (x1 - x0)
                    << "\" y=\"" << bottom + 14 << "\">" << share * 100 << "%</text>";
             out_ << "<text class=\"axis\" text-anchor=\"middle\" x=\"" << (x0 + x1) / 2 << "\" y=\"" << bottom + 30
                  << "\">share of the task's wall time (each system on its own scale)</text>";
           },
           [&](const ChartRow& row, double y) {
             const auto e = entry_of(row.system);
             const auto lane = std::find_if(e->lanes.begin(), e->lanes.end(), [&](const auto& l) { return l.name == row.label; });
             const auto wall = static_cast<double>(std::max<std::int64_t>(1, e->record->trace->spans.front().end_ns));
             const bool agents = lane->name == "agents";
             std::size_t k = 0;
             double free_from = x0;  // a label only where the last one ended (concurrent turns overlap)
             for (const auto& bar : lane->bars) {
               const double a = x0 + (x1 - x0) * static_cast<double>(bar.start_ns) / wall;
               const double w = std::max(0.6, (x1 - x0) * static_cast<double>(bar.end_ns - bar.start_ns) / wall);
               const auto fill = lane->name == "model"     ? std::string("class=\"server\"")
                                 : lane->name == "tools"   ? std::string("fill=\"#333333\"")
                                 : lane->name == "agents"  ? std::string("fill=\"") + colour(row.system) + "\" fill-opacity=\"" + (k % 2 ? "0.35" : "0.6") + "\""
                                                           : std::string("fill=\"") + colour(row.system) + "\"";
               mark_open(row.system + " · " + lane->name + (bar.label.empty() ? "" : " · " + bar.label) + ": " +
                         detail::sig3(static_cast<double>(bar.start_ns) / 1e3) + "–" + detail::sig3(static_cast<double>(bar.end_ns) / 1e3) + " µs");
               out_ << "<rect " << fill << " x=\"" << num(a, 6) << "\" y=\"" << y - 6 << "\" height=\"12\" width=\"" << num(w, 6) << "\"/>";
               if (agents && w > 60 && a >= free_from) {
                 out_ << "<text class=\"label\" x=\"" << num(a + 3, 6) << "\" y=\"" << y + 4 << "\">" << esc(bar.label) << "</text>";
                 free_from = a + w;
               }
               out_ << "</g>";
               ++k;
             }
             out_ << "<text class=\"label\" x=\"" << x1 + 6 << "\" y=\"" << y + 4 << "\">"
                  << detail::sig3(static_cast<double>(lane->total_ns) / 1e6) << " ms</text>";
           });
  }

  void token_figure(std::size_t run) {
    const auto& r = *runs_[run];
    auto rows = cell_rows(run, [](const CellSummary& c) { return !c.unsupported && c.runs > c.errors; });
    double top = 1;
    for (const auto& c : r.summaries) top = std::max(top, c.prompt_tokens + c.completion_tokens);
    const double x0 = kLabelWidth, x1 = kWidth - 90;
    figure(run, "tokens", "Prompt tokens (solid) and completion tokens (light) per task, medians counted by the model server.", rows, 0,
           [&](double bottom) {
             out_ << "<line class=\"grid\" x1=\"" << x0 << "\" x2=\"" << x0 << "\" y1=\"" << kTop << "\" y2=\"" << bottom << "\"/>";
             out_ << "<text class=\"axis\" text-anchor=\"middle\" x=\"" << (x0 + x1) / 2 << "\" y=\"" << bottom + 30
                  << "\">tokens per task (linear scale)</text>";
           },
           [&](const ChartRow& row, double y) {
             const auto& c = cell(run, row);
             mark_open(c.scenario + " · " + c.system + ": " + detail::sig3(c.prompt_tokens) + " prompt and " + detail::sig3(c.completion_tokens) +
                       " completion tokens per task over " + detail::sig3(c.llm_calls) + " LLM calls (medians, n = " + std::to_string(c.wall_ms.n) + ")");
             const double wp = c.prompt_tokens / top * (x1 - x0), wc = c.completion_tokens / top * (x1 - x0);
             const auto col = colour(c.system);
             out_ << "<rect fill=\"" << col << "\" x=\"" << x0 << "\" y=\"" << y - 6 << "\" height=\"12\" width=\"" << num(wp, 6) << "\"/>";
             out_ << "<rect fill=\"" << col << "\" opacity=\"0.4\" x=\"" << num(x0 + wp, 6) << "\" y=\"" << y - 6 << "\" height=\"12\" width=\""
                  << num(wc, 6) << "\"/>";
             out_ << "<text class=\"label\" x=\"" << num(x0 + wp + wc + 6, 6) << "\" y=\"" << y + 4 << "\">"
                  << detail::thousands(std::llround(c.prompt_tokens + c.completion_tokens)) << "</text></g>";
           });
  }

  void data_table(std::size_t run, const detail::Table& t) {
    const int n = ++tables_;
    out_ << "<table id=\"table-" << n << "\" class=\"data\" data-metric=\"" << t.id << "\"" << tags(run, "", "") << "><caption><b>Table " << n
         << ".</b> " << esc(t.title) << (runs_.size() > 1 ? " (" + esc(suite_name(run)) + ")" : "") << ". " << esc(t.caption)
         << "</caption>\n<thead><tr><th class=\"text\" scope=\"col\">scenario</th><th class=\"text\" scope=\"col\">system</th>";
    for (const auto& c : t.columns) out_ << "<th scope=\"col\"" << (c.numeric ? "" : " class=\"text\"") << ">" << esc(c.header) << "</th>";
    out_ << "</tr></thead>\n<tbody>\n";
    for (const auto& row : t.rows) {
      out_ << "<tr" << tags(run, row.scenario, row.system) << "><td class=\"text\">" << esc(row.scenario) << "</td><td class=\"text\">"
           << swatch(row.system) << esc(row.system) << "</td>";
      for (std::size_t i = 0; i < row.cells.size(); ++i) {
        const auto& cell = row.cells[i];
        out_ << "<td";
        if (i < t.columns.size() && !t.columns[i].numeric) out_ << " class=\"text\"";
        out_ << " data-value=\"" << (cell.value ? num(*cell.value, 10) : std::string("NaN")) << "\"";
        if (!cell.detail.empty()) out_ << " title=\"" << esc(cell.detail) << "\"";
        out_ << ">" << esc(cell.text) << "</td>";
      }
      out_ << "</tr>\n";
    }
    out_ << "</tbody></table>\n";
  }

  // A section the Markdown report shares (sections.hpp), if the run has it.
  const detail::Section* shared(std::size_t run, const std::string& id) const {
    for (const auto& s : sections_[run])
      if (s.id == id) return &s;
    return nullptr;
  }
  // Its blocks under a heading (its own title unless given; none for an empty one), tables numbered.
  void blocks(std::size_t run, const std::string& id, const std::optional<std::string>& title = std::nullopt) {
    if (const auto* s = shared(run, id)) detail::HtmlBlocks(out_, tables_).write(s->blocks, title.value_or(s->title), 4);
  }
  // The feature matrix, given as Markdown, as HTML: headings one level below `level`, tables
  // numbered and captioned with the heading above them.
  void markdown(const std::string& md, int level, const std::string& table_tags = {});

  void records_appendix(std::size_t run);
  void section(const std::string& number, const std::string& title, const std::string& id) {
    out_ << "<section id=\"" << id << "\"><h2>" << number << (number.empty() ? "" : " ") << esc(title) << "</h2>\n";
  }

  std::ostream& out_;
  const std::vector<const RunResults*>& runs_;
  const std::vector<PublishedComparison>& published_;
  const detail::PaperAdditions additions_;
  std::vector<std::string> systems_;
  std::vector<std::vector<detail::Section>> sections_;  // per run
  int figures_ = 0, tables_ = 0;
};

void Page::markdown(const std::string& md, int level, const std::string& table_tags) { detail::markdown_html(out_, md, level, tables_, table_tags); }

}  // namespace

namespace detail {

void markdown_html(std::ostream& out_, const std::string& md, int level, int& tables_, const std::string& table_tags) {
  std::istringstream lines(md);
  std::string line, heading;
  bool in_table = false, in_code = false, header = false;
  std::vector<bool> right;  // the table's columns of numbers
  auto cells = [](const std::string& l) {
    std::vector<std::string> out_cells;
    std::string cell;
    for (std::size_t i = 1; i < l.size(); ++i) {
      if (l[i] == '\\' && i + 1 < l.size()) {  // an escaped | is part of the cell; other escapes stay for plain()
        if (l[i + 1] != '|') cell += '\\';
        cell += l[++i];
      } else if (l[i] == '|') out_cells.push_back(cell), cell.clear();
      else cell += l[i];
    }
    return out_cells;
  };
  // The Markdown was escaped for Markdown; undo that before escaping for HTML.
  auto plain = [](const std::string& s) {
    std::string text;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) { text += s[++i]; continue; }
      text += s[i];
    }
    for (auto [from, to] : {std::pair<std::string, std::string>{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}})
      for (auto p = text.find(from); p != std::string::npos; p = text.find(from, p + to.size())) text.replace(p, from.size(), to);
    std::string no_marks;
    for (char c : text)
      if (c != '`' && c != '*') no_marks += c;
    return no_marks;
  };
  const auto h = [&](int below) { return "h" + std::to_string(std::min(6, level + below)); };
  while (std::getline(lines, line)) {
    if (line.starts_with("```")) {
      out_ << (in_code ? "</pre>\n" : "<pre>");
      in_code = !in_code;
      continue;
    }
    if (in_code) {
      out_ << esc(line) << "\n";
      continue;
    }
    if (line.starts_with("|")) {
      if (!in_table) {
        out_ << "<table" << table_tags << "><caption><b>Table " << ++tables_ << ".</b> " << esc(heading) << "</caption>\n";
        in_table = header = true;
      }
      if (line.starts_with("|---") || line.starts_with("|:--")) {  // the alignment row: `---:` marks a column of numbers
        right.clear();
        for (const auto& c : cells(line)) right.push_back(c.ends_with(':'));
        continue;
      }
      out_ << "<tr>";
      const auto row = cells(line);
      // Without `---:` in the alignment row a cell that reads as a number is one (right-aligned).
      const bool marked = std::find(right.begin(), right.end(), true) != right.end();
      auto number = [](const std::string& c) {
        const auto t = c.find_first_not_of(' ');
        return t != std::string::npos && (std::isdigit(static_cast<unsigned char>(c[t])) || ((c[t] == '-' || c[t] == '+') && t + 1 < c.size() &&
                                                                                         std::isdigit(static_cast<unsigned char>(c[t + 1]))));
      };
      for (std::size_t i = 0; i < row.size(); ++i) {
        const bool numeric = marked ? i < right.size() && right[i] : number(row[i]);
        out_ << (header ? "<th class=\"text\">" : numeric ? "<td>" : "<td class=\"text\">") << esc(plain(row[i])) << (header ? "</th>" : "</td>");
      }
      out_ << "</tr>\n";
      header = false;
      continue;
    }
    if (in_table) out_ << "</table>\n", in_table = false;
    if (line.starts_with("# ")) continue;
    if (line.starts_with("### ")) heading = plain(line.substr(4)), out_ << "<" << h(1) << ">" << esc(heading) << "</" << h(1) << ">\n";
    else if (line.starts_with("## ")) heading = plain(line.substr(3)), out_ << "<" << h(0) << ">" << esc(heading) << "</" << h(0) << ">\n";
    else if (line.starts_with("- ")) out_ << "<p class=\"note\">• " << esc(plain(line.substr(2))) << "</p>\n";
    else if (!line.empty()) out_ << "<p>" << esc(plain(line)) << "</p>\n";
  }
  if (in_table) out_ << "</table>\n";
}

}  // namespace detail

namespace {

void Page::records_appendix(std::size_t run) {
  const auto& r = *runs_[run];
  out_ << "<table class=\"records\"" << tags(run, "", "") << "><caption>Every measured record of " << esc(suite_name(run))
       << " (warm-ups are in results.json).</caption>\n<thead><tr><th class=\"text\">scenario</th><th class=\"text\">system</th>"
          "<th>repetition</th><th>wall (ms)</th><th>overhead (ms)</th><th>LLM calls</th><th>prompt tokens</th><th>peak RSS (MB)</th>"
          "<th class=\"text\">outcome</th></tr></thead>\n";
  for (std::size_t k = 0; k < r.summaries.size(); ++k) {
    const auto& c = r.summaries[k];
    out_ << "<tbody id=\"" << cell_anchor(run, c.scenario, c.system) << "\">\n";
    for (const auto& rec : r.records) {
      if (rec.system != c.system || (rec.warmup && !rec.unsupported) || rec.cell() != c.scenario) continue;
      out_ << "<tr" << tags(run, c.scenario, rec.system) << "><td class=\"text\">" << esc(c.scenario) << "</td><td class=\"text\">"
           << swatch(rec.system) << esc(rec.system) << "</td><td>" << rec.repetition << "</td><td>"
           << detail::sig3(static_cast<double>(rec.wall_ns) / 1e6) << "</td><td>"
           << (rec.overhead_known() ? detail::sig3(static_cast<double>(rec.overhead_ns()) / 1e6) : "n/a") << "</td><td>" << rec.llm_calls
           << "</td><td>" << rec.prompt_tokens << "</td><td>" << detail::fixed(static_cast<double>(rec.rss_peak_bytes) / (1024.0 * 1024.0), 1)
           << "</td><td class=\"text\">"
           << esc(rec.unsupported ? "unsupported" : rec.error ? "error: " + *rec.error : rec.correct ? "correct" : "wrong answer") << "</td></tr>\n";
    }
    out_ << "</tbody>\n";
  }
  out_ << "</table>\n";
}

void Page::write(const std::string& feature_matrix_markdown) {
  const bool combined = runs_.size() > 1;
  const auto& first = runs_.front()->context;
  const std::string title = !additions_.title.empty() ? additions_.title
                            : combined                ? "LEGION benchmark report"
                                                      : "LEGION benchmark report: suite " + first.suite;

  out_ << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"color-scheme\" content=\"light dark\">"
       << "<title>" << esc(title) << "</title><style>" << kStyle << "</style></head><body>\n<header><h1>" << esc(title) << "</h1>\n";
  for (std::size_t i = 0; i < runs_.size(); ++i) {
    const auto& c = runs_[i]->context;
    out_ << "<p class=\"meta\">" << (combined ? esc("Suite " + c.suite) + ": run " : "Run ") << esc(c.run_id) << " · " << esc(c.started_at)
         << " · " << esc(c.host) << " (" << esc(c.cpu_model) << ", " << c.cores << " cores) · build " << esc(c.build_type)
         << " · revision " << esc(c.git_revision) << "</p>\n";
  }
  out_ << "</header>\n";
  for (const auto* run : runs_) {
    const auto& c = run->context;
    if (c.interrupted) out_ << "<p><strong>" << esc(c.suite) << ": this run was interrupted; the results cover what was measured before it stopped.</strong></p>\n";
    for (const auto& [system, us] : c.injected_delay_us)
      out_ << "<p><strong>Test run: a test-only delay of " << us << " µs per model call was injected into " << esc(system)
           << "; its figures do not measure that system.</strong></p>\n";
    if (!c.machine.warnings.empty()) out_ << "<p><strong>Noisy machine during the " << esc(c.suite) << " run</strong> (see Method).</p>\n";
  }

  // Abstract: the findings in numbers.
  out_ << "<section id=\"abstract\"><h2>Abstract</h2>\n<p>";
  {
    std::vector<std::string> suites;
    for (const auto* run : runs_) suites.push_back(run->context.suite);
    out_ << "We compare " << systems_.size() << " multi-agent systems (";
    for (std::size_t i = 0; i < systems_.size(); ++i) out_ << (i ? ", " : "") << esc(systems_[i]);
    out_ << ") on the same scenarios, model server script, tools and latency profile, in " << runs_.size() << " run"
         << (combined ? "s" : "") << " (suite" << (combined ? "s " : " ");
    for (std::size_t i = 0; i < suites.size(); ++i) out_ << (i ? ", " : "") << esc(suites[i]);
    out_ << "). Every answer is checked against planted values; failures count as results.</p>\n";
  }
  for (std::size_t i = 0; i < runs_.size(); ++i) {
    if (combined) out_ << "<h3>" << esc(suite_name(i)) << "</h3>\n";
    out_ << "<ul>\n";
    for (const auto& f : runs_[i]->findings) out_ << "<li><strong>" << esc(f.topic) << ".</strong> " << esc(f.text) << "</li>\n";
    out_ << "</ul>\n";
  }
  for (const auto& c : published_) {
    std::map<std::string, int> kinds;  // the verdicts' first words: reproduced, differs, target met, ...
    for (const auto& v : c.verdicts) {
      const auto word = v.verdict.substr(0, v.verdict.find_first_of(":(;"));
      ++kinds[word.substr(0, word.find_last_not_of(' ') + 1)];
    }
    out_ << "<p><strong>Published numbers.</strong> " << esc(c.title) << ": " << c.verdicts.size() << (c.verdicts.size() == 1 ? " figure —" : " figures —");
    const char* separator = " ";
    for (const auto& [kind, n] : kinds) out_ << separator << n << " " << esc(kind), separator = "; ";
    out_ << " (Section 4).</p>\n";
  }
  out_ << "</section>\n";
  for (const auto& s : additions_.front) {
    section("", s.title, s.id);
    detail::HtmlBlocks(out_, tables_).write(s.blocks, "", 3);
    out_ << "</section>\n";
  }

  // Controls: shown by the script; without it every result stays visible.
  out_ << "<nav id=\"controls\" hidden aria-label=\"Filters\"><label>Suite <select id=\"filter-suite\"><option value=\"\">all</option>";
  for (std::size_t i = 0; i < runs_.size(); ++i) out_ << "<option value=\"" << suite_id(i) << "\">" << esc(suite_name(i)) << "</option>";
  out_ << "</select></label><label>Scenario <select id=\"filter-scenario\"><option value=\"\">all</option>";
  std::vector<std::string> scenarios;
  for (const auto* run : runs_)
    for (const auto& c : run->summaries)
      if (std::find(scenarios.begin(), scenarios.end(), c.scenario) == scenarios.end()) scenarios.push_back(c.scenario);
  for (const auto& s : scenarios) out_ << "<option value=\"" << esc(s) << "\">" << esc(s) << "</option>";
  out_ << "</select></label><label>Metric <select id=\"filter-metric\"><option value=\"\">all</option>";
  for (const auto& t : detail::result_tables(*runs_.front())) out_ << "<option value=\"" << t.id << "\">" << esc(t.title) << "</option>";
  out_ << "</select></label><span>Systems:";
  for (const auto& s : systems_)
    out_ << " <label><input type=\"checkbox\" data-system-filter value=\"" << esc(s) << "\" checked> " << swatch(s) << esc(s) << "</label>";
  out_ << "</span><output id=\"shown\"></output></nav>\n<div id=\"tip\" role=\"tooltip\" hidden></div>\n";

  section("1", "Introduction", "introduction");
  out_ << "<p>Each system receives only its task — agents, tools and the task text — and reaches one scripted, OpenAI-compatible "
          "model server over loopback HTTP. The server answers every system with the same script, so differences in time, "
          "tokens and memory are the systems' own. Systems, in the order and colour used throughout:</p>\n";
  legend(systems_);
  for (std::size_t i = 0; i < runs_.size(); ++i)
    if (const auto& m = runs_[i]->context.real_model)
      out_ << "<p><strong>A real model answered " << esc(suite_name(i)) << ":</strong> " << esc(m->model) << " at a " << esc(m->endpoint_kind)
           << " instead of the scripted server; its results are in a section of their own, apart from every scripted-model table.</p>\n";
  out_ << "<p>Section 2 states the method, Section 3 the results of each suite, Section 4 the published figures, Section 5 the "
          "threats to validity and Section 6 how to reproduce every number.</p>\n</section>\n";

  section("2", "Method", "method");
  for (std::size_t i = 0; i < runs_.size(); ++i) {
    if (combined) out_ << "<h3>2." << i + 1 << " " << esc(suite_name(i)) << "</h3>\n";
    blocks(i, "method", "");
  }
  out_ << "<p>Methods cited: BCa bootstrap intervals [1], the Mann–Whitney U test [2], " << esc(correction_name(runs_.front()->options))
       << " correction [" << (runs_.front()->options.correction == "holm" ? 3 : 6) << "], Hodges–Lehmann estimates [4], Cliff's δ [5]; "
          "colours from Okabe and Ito's colour-blind-safe palette [7], and beyond its eight from Paul Tol's muted scheme.</p>\n</section>\n";

  section("3", "Results", "results");
  for (std::size_t i = 0; i < runs_.size(); ++i) {
    const auto& r = *runs_[i];
    out_ << "<section" << tags(i, "", "") << "><h3>3." << i + 1 << " " << esc(suite_name(i)) << "</h3>\n";
    blocks(i, "summary", "");
    if (r.real_model) {
      // A real-model run: its own section, never the scripted-model figures and tables.
      out_ << "<div class=\"real-model\"" << tags(i, "", "") << ">";
      blocks(i, "real-model");
      out_ << "</div>\n";
    } else {
      interval_figure(i);
      forest_figure(i);
      decomposition_figure(i);
      token_figure(i);
      sweep_figures(i);
      for (const auto& t : detail::result_tables(r)) data_table(i, t);
      if (!r.suite.empty()) out_ << "<div id=\"suite-" << suite_id(i) << "\">", blocks(i, "suite-wide", "Suite-wide ratios"), out_ << "</div>\n";
    }
    for (const auto* part : {"concurrency", "token-counts", "unsupported", "failures"}) blocks(i, part);
    blocks(i, "traces");
    timeline_figure(i);
    out_ << "</section>\n";
  }
  if (const auto pairs = real_beside_scripted(runs_); !pairs.empty()) {
    const auto beside = detail::real_beside_scripted_section(pairs);
    out_ << "<section id=\"" << beside.id << "\"><h3>3." << runs_.size() + 1 << " " << esc(beside.title) << "</h3>\n";
    detail::HtmlBlocks(out_, tables_).write(beside.blocks, "", 4);
    out_ << "</section>\n";
  }
  const auto first_part = runs_.size() + 1 + (real_beside_scripted(runs_).empty() ? 0 : 1);
  for (std::size_t k = 0; k < additions_.results_parts.size(); ++k) {
    const auto& part = additions_.results_parts[k];
    out_ << "<section id=\"results-part-" << k + 1 << "\"><h3>3." << first_part + k << " " << esc(part.title) << "</h3>\n";
    if (part.figures) {
      const auto [figures, count] = part.figures([this](const std::string& system) { return colour(system); }, figures_ + 1);
      out_ << figures;
      figures_ += count;
    }
    markdown(part.markdown, 4);
    out_ << "</section>\n";
  }
  out_ << "</section>\n";

  section("4", "Published numbers", "published");
  if (published_.empty())
    out_ << "<p>This report includes no re-measurement of a published figure. The cited reference figures are data in "
            "datasets/published/ (docs/reproducing.md lists them with their sources); a comparison folder given to "
            "<code>legion-bench report</code> (for example one written by <code>legion-bench zero-io</code>) adds its "
            "verdicts here.</p>\n";
  for (std::size_t i = 0; i < published_.size(); ++i) {
    const auto& c = published_[i];
    const bool quantities = std::any_of(c.verdicts.begin(), c.verdicts.end(), [](const auto& v) { return !v.quantity.empty(); });
    out_ << "<h3>4." << i + 1 << " " << esc(c.title) << "</h3>\n<p>" << esc(c.method) << "</p>\n<pre>" << esc(c.command) << "</pre>\n"
         << "<table class=\"published\"><caption><b>Table " << ++tables_ << ".</b> " << esc(c.title)
         << ": each published figure, this machine's measurement and the verdict.</caption>\n<thead><tr><th class=\"text\">published figure</th>"
         << (quantities ? "<th class=\"text\">comparable quantity</th>" : "")
         << "<th>published</th><th>measured here</th><th class=\"text\">verdict</th></tr></thead>\n<tbody>\n";
    for (const auto& v : c.verdicts)
      out_ << "<tr><td class=\"text\" title=\"" << esc(v.source) << "\">" << esc(v.id) << "</td>"
           << (quantities ? "<td class=\"text\">" + detail::html(detail::with_code(v.quantity)) + "</td>" : "") << "<td>"
           << detail::html(detail::with_code(v.published)) << "</td><td>" << detail::html(detail::with_code(v.measured))
           << "</td><td class=\"text\">" << detail::html(detail::with_code(v.verdict)) << "</td></tr>\n";
    out_ << "</tbody></table>\n";
  }
  out_ << "</section>\n";

  section("5", "Threats to validity", "threats");
  for (std::size_t i = 0; i < runs_.size(); ++i) {
    if (combined) out_ << "<h3>5." << i + 1 << " " << esc(suite_name(i)) << "</h3>\n";
    blocks(i, "threats", "");
  }
  out_ << "</section>\n";

  section("6", "Reproduction", "reproduction");
  for (std::size_t i = 0; i < runs_.size(); ++i) {
    const auto& c = runs_[i]->context;
    out_ << "<h3>6." << i + 1 << " " << esc(suite_name(i)) << "</h3>\n<p>Command:</p><pre>" << esc(c.command) << "</pre>\n";
    for (const auto* part : {"versions", "settings", "cold-start"}) blocks(i, part);
  }
  out_ << "</section>\n";

  for (const auto& s : additions_.back) {
    section("", s.title, s.id);
    detail::HtmlBlocks(out_, tables_).write(s.blocks, "", 3);
    out_ << "</section>\n";
  }
  section("", "References", "references");
  out_ << "<ol>\n<li>B. Efron. Better bootstrap confidence intervals. Journal of the American Statistical Association 82(397):171–185, 1987.</li>\n"
          "<li>H. B. Mann and D. R. Whitney. On a test of whether one of two random variables is stochastically larger than the other. "
          "Annals of Mathematical Statistics 18(1):50–60, 1947.</li>\n"
          "<li>S. Holm. A simple sequentially rejective multiple test procedure. Scandinavian Journal of Statistics 6(2):65–70, 1979.</li>\n"
          "<li>J. L. Hodges and E. L. Lehmann. Estimates of location based on rank tests. Annals of Mathematical Statistics 34(2):598–611, 1963.</li>\n"
          "<li>N. Cliff. Dominance statistics: ordinal analyses to answer ordinal questions. Psychological Bulletin 114(3):494–509, 1993.</li>\n"
          "<li>Y. Benjamini and Y. Hochberg. Controlling the false discovery rate: a practical and powerful approach to multiple testing. "
          "Journal of the Royal Statistical Society B 57(1):289–300, 1995.</li>\n"
          "<li>M. Okabe and K. Ito. Color Universal Design (CUD): how to make figures and presentations that are friendly to colorblind "
          "people. J*Fly, 2002. https://jfly.uni-koeln.de/color/</li>\n";
  published_sources();
  out_ << "</ol>\n</section>\n";

  if (!feature_matrix_markdown.empty()) {
    section("Appendix A.", "Feature matrix", "feature-matrix");
    markdown(feature_matrix_markdown, 3);
    out_ << "</section>\n";
  }
  out_ << "<section id=\"records\" class=\"screen-only\"><h2>Appendix B. Records</h2>\n";
  for (std::size_t i = 0; i < runs_.size(); ++i) records_appendix(i);
  out_ << "</section>\n<script>" << kScript << "</script>\n</body></html>\n";
}

}  // namespace

void write_html(std::ostream& out, const std::vector<const RunResults*>& runs, const std::string& feature_matrix_markdown,
                const std::vector<PublishedComparison>& published) {
  detail::write_paper_html(out, runs, feature_matrix_markdown, published, {});
}

void detail::write_paper_html(std::ostream& out, const std::vector<const RunResults*>& runs, const std::string& feature_matrix_markdown,
                              const std::vector<PublishedComparison>& published, const PaperAdditions& additions) {
  if (runs.empty()) throw std::invalid_argument("write_html: no run");
  auto comparisons = published;
  if (auto measured = compare_runs_with_published(runs); !measured.verdicts.empty()) comparisons.push_back(std::move(measured));
  Page(out, runs, comparisons, additions).write(feature_matrix_markdown);
}

void write_html(std::ostream& out, const RunResults& results, const std::string& feature_matrix_markdown) {
  write_html(out, std::vector<const RunResults*>{&results}, feature_matrix_markdown);
}

}  // namespace legion::report
