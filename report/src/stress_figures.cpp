// A stress run's figures (stress_figures.hpp): SVG drawn here, without a script, so that the PDF
// printed from the page has them too.
#include "stress_figures.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <sstream>

#include "format.hpp"
#include "palette.hpp"
#include "legion/report/escape.hpp"

namespace legion::report::detail {
namespace {

using nlohmann::json;

std::string esc(const std::string& s) { return html_escape(std::string_view(s)); }
std::string px(double v) { return fixed(v, 1); }
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

LinearTicks linear_ticks(double max, double count) {
  if (!(max > 0)) max = 1;
  const double raw = max / count, power = std::pow(10, std::floor(std::log10(raw)));
  LinearTicks a;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * power >= raw * 0.9999) {
      a.step = m * power;
      break;
    }
  a.top = std::ceil(max / a.step - 1e-9) * a.step;
  a.decimals = a.step < 1 ? static_cast<int>(std::ceil(-std::log10(a.step) - 1e-9)) : 0;
  return a;
}

namespace {

std::string tick_label(double v) {
  if (v == 0) return "0";
  const double a = std::abs(v);
  return a >= 1 ? fixed(v, std::abs(v - std::round(v)) < 1e-9 ? 0 : 1) : fixed(v, static_cast<int>(std::ceil(-std::log10(a) - 1e-9)));
}

// A y axis, linear from zero or, where the values span more than thirty-fold, logarithmic over
// whole decades.
struct YAxis {
  bool log = false;
  double lo = 0, hi = 1;
  std::vector<double> ticks;
  // Position from 0 (bottom) to 1 (top); NaN for a value a log axis cannot show.
  double at(double v) const {
    if (log) return v > 0 ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : kNaN;
    return (v - lo) / (hi - lo);
  }
};
YAxis y_axis_for(std::vector<double> values) {
  std::vector<double> positive;
  for (double v : values)
    if (v > 0 && std::isfinite(v)) positive.push_back(v);
  std::sort(positive.begin(), positive.end());
  YAxis a;
  const double max = positive.empty() ? 1 : positive.back();
  const double low = positive.empty() ? 1 : positive[positive.size() / 20];
  if (positive.size() >= 3 && max / low > 30) {
    a.log = true;
    a.lo = std::pow(10, std::floor(std::log10(positive.front())));
    a.hi = std::pow(10, std::ceil(std::log10(max)));
    if (a.hi <= a.lo) a.hi = a.lo * 10;
    for (double v = a.lo; v <= a.hi * 1.0001; v *= 10) a.ticks.push_back(v);
    return a;
  }
  const auto t = linear_ticks(max);
  a.hi = t.top;
  for (double v = 0; v <= t.top + t.step / 2; v += t.step) a.ticks.push_back(v);
  return a;
}

// Time in the unit a span asks for.
struct TimeUnit {
  double seconds;
  const char* name;
};
TimeUnit time_unit(double span_s) { return span_s >= 7200 ? TimeUnit{3600, "h"} : span_s >= 600 ? TimeUnit{60, "min"} : TimeUnit{1, "s"}; }

struct Line {
  std::string colour;
  bool dashed = false;
  double width = 1.6;
  std::vector<std::pair<double, double>> points;  // (t, value); a NaN value breaks the line
};

// Polylines in plot coordinates, broken where a value cannot be shown.
void draw_line(std::ostream& o, const Line& line, const std::function<double(double)>& x, const std::function<double(double)>& y) {
  std::ostringstream pts;
  std::size_t n = 0;
  auto flush = [&] {
    if (n >= 2)
      o << "<polyline fill=\"none\" stroke-width=\"" << fixed(line.width, 1) << "\" stroke=\"" << line.colour << "\"" << (line.dashed ? " stroke-dasharray=\"4 3\"" : "")
        << " points=\"" << pts.str() << "\"/>";
    else if (n == 1) {
      const auto& s = pts.str();
      const auto comma = s.find(',');
      o << "<circle r=\"2\" fill=\"" << line.colour << "\" cx=\"" << s.substr(0, comma) << "\" cy=\"" << s.substr(comma + 1) << "\"/>";
    }
    pts.str("");
    n = 0;
  };
  for (const auto& [t, v] : line.points) {
    const double yy = std::isnan(v) ? kNaN : y(v);
    if (std::isnan(yy)) {
      flush();
      continue;
    }
    pts << (n ? " " : "") << px(x(t)) << "," << px(yy);
    ++n;
  }
  flush();
}

double text_width(const std::string& text, double font) { return 0.58 * font * static_cast<double>(text.size()); }

// Swatches and names from `x` on the line at `y`; a colour ending in " dashed" is drawn dashed.
std::string legend(const std::vector<std::pair<std::string, std::string>>& entries, double x, double y, double font) {
  std::ostringstream o;
  for (const auto& [colour, name] : entries) {
    const bool dashed = colour.ends_with(" dashed");
    const auto c = dashed ? colour.substr(0, colour.size() - 7) : colour;
    o << "<line x1=\"" << px(x) << "\" x2=\"" << px(x + 16) << "\" y1=\"" << px(y - 4) << "\" y2=\"" << px(y - 4) << "\" stroke-width=\"3\" stroke=\"" << c
      << "\"" << (dashed ? " stroke-dasharray=\"4 3\"" : "") << "/><text x=\"" << px(x + 20) << "\" y=\"" << px(y) << "\" class=\"sf-axis\">" << esc(name)
      << "</text>";
    x += 28 + text_width(name, font);
  }
  return o.str();
}

// Text in the figures' own classes (sf-…), so that the page's classes are left alone; `font` in the
// drawing's units, chosen so that the text reads at about 11 px where the drawing is shown.
std::string svg_style(double font) {
  return "<style>.sf-grid{stroke:#d9dde3}.sf-sep{stroke:#5b6472}.sf-axis{font:" + fixed(font, 0) + "px sans-serif;fill:#5b6472}.sf-label{font:bold " +
         fixed(font, 0) + "px sans-serif;fill:#1d2330}.sf-mark{stroke:#1d2330;stroke-dasharray:2 2}.sf-window{fill:#1d2330;fill-opacity:0.08}</style>";
}

// ----- The phases sampled every second, on one time axis -----------------------------------------

struct Column {
  std::string label;
  double start = 0, length = 0;
  std::vector<std::pair<double, std::string>> marks;  // (t from the column's start, label)
};
struct Measure {
  std::string title, unit;
  std::function<double(const json& sample)> value;
  bool mean = false;  // over a window: the mean (rates) or the highest (levels)
};

std::string system_of(const json& phase) { return phase["spec"].value("system", std::string("native")); }

// The label a phase has beside its system ("native / 10 agents, 1000 tasks" -> "10 agents, 1000 tasks").
std::string phase_label(const json& phase) {
  const std::string name = phase["name"], prefix = system_of(phase) + " / ";
  return name.starts_with(prefix) ? name.substr(prefix.size()) : name;
}

// The samples of one phase at most `buckets` points: the mean or the highest over each window,
// at the window's middle.
std::vector<std::pair<double, double>> bucketed(const json& samples, const Measure& m, std::size_t buckets, double length) {
  std::vector<std::pair<double, double>> out;
  if (samples.size() <= buckets * 3 / 2 || length <= 0) {
    for (const auto& s : samples) out.emplace_back(s["t_s"].get<double>(), m.value(s));
    return out;
  }
  const double width = length / static_cast<double>(buckets);
  std::vector<double> sum(buckets, 0), high(buckets, kNaN);
  std::vector<int> n(buckets, 0);
  for (const auto& s : samples) {
    const auto b = std::min(buckets - 1, static_cast<std::size_t>(std::max(0.0, s["t_s"].get<double>() - 1e-9) / width));
    const double v = m.value(s);
    if (std::isnan(v)) continue;
    sum[b] += v, ++n[b];
    high[b] = std::isnan(high[b]) ? v : std::max(high[b], v);
  }
  for (std::size_t b = 0; b < buckets; ++b)
    out.emplace_back((static_cast<double>(b) + 0.5) * width, n[b] == 0 ? kNaN : m.mean ? sum[b] / n[b] : high[b]);
  return out;
}

std::optional<StressFigure> timeline_figure(const StressRun& run, const std::vector<const StressRun*>& over_time, const SystemColour& colour) {
  std::vector<const json*> sampled;
  for (const auto* r : over_time)
    for (const auto& p : r->phases)
      if (p["samples"].size() >= 3) sampled.push_back(&p);
  if (sampled.empty()) return std::nullopt;

  // Columns: the phases of one level (agents and schedule) across systems.
  std::vector<Column> columns;
  std::map<std::string, std::size_t> column_of;
  std::vector<std::size_t> phase_column;
  std::vector<std::string> systems;
  bool bursts = false;
  for (const auto* p : sampled) {
    const auto& spec = (*p)["spec"];
    const std::string key = std::to_string(spec.value("most_agents", 0)) + "|" + fixed(spec.value("schedule_s", 0.0), 1);
    auto [it, added] = column_of.emplace(key, columns.size());
    if (added) {
      Column c;
      c.label = phase_label(*p);
      for (const auto& b : spec.value("bursts", json::array())) {
        c.marks.emplace_back(b.value("at_s", 0.0), "burst of " + std::to_string(b.value("count", 0)) + " tasks");
        bursts = true;
      }
      columns.push_back(c);
    }
    auto& c = columns[it->second];
    c.length = std::max(c.length, (*p)["samples"].back()["t_s"].get<double>());
    phase_column.push_back(it->second);
    if (std::find(systems.begin(), systems.end(), system_of(*p)) == systems.end()) systems.push_back(system_of(*p));
  }
  if (columns.size() > 1)
    for (auto& c : columns) {
      const auto comma = c.label.find(',');
      c.label = c.label.substr(0, comma);  // "10 agents, 1000 tasks": the tasks differ between systems
    }
  double total = 0;
  for (auto& c : columns) c.start = total, total += c.length;

  std::vector<Measure> measures = {
      {"Completed tasks per second", "tasks/s", [](const json& s) { return s["completed"].get<double>(); }, true},
      {"p99 latency from the intended start", "ms",
       [](const json& s) { return s["p99_us"].get<double>() > 0 ? s["p99_us"].get<double>() / 1000 : kNaN; }},
      {"Resident memory of the system under test", "MB", [](const json& s) { return s["system"]["rss_mb"].get<double>(); }}};
  if (bursts) measures.push_back({"Tasks queued", "tasks", [](const json& s) { return s["queue_depth"].get<double>(); }});
  if (run.analysis.trends) measures.push_back({"Open file descriptors of the system", "fds", [](const json& s) { return s["system"]["fds"].get<double>(); }});

  const double W = 1000, L = 64, R = 16, top = 48, title_h = 22, panel_h = 118, gap = 18, kFont = 15;
  const double H = top + static_cast<double>(measures.size()) * (title_h + panel_h + gap) + 14;
  auto x = [&](double t) { return L + (W - L - R) * t / total; };
  std::ostringstream o;
  o << "<svg class=\"chart stress-figure\" style=\"background:#fff\" viewBox=\"0 0 " << W << " " << px(H) << "\" role=\"img\" aria-label=\"" << esc(run.config.value("suite", std::string("stress")))
    << " suite over time\">" << svg_style(kFont);
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& s : systems) entries.emplace_back(colour(s), s);
  o << legend(entries, L, 18, kFont);
  for (const auto& c : columns) {
    const double width = x(c.start + c.length) - x(c.start);
    // A narrow panel keeps the label's first word ("10" beside "50 agents"); one narrower still, none.
    const auto label = text_width(c.label, kFont) < width - 4 ? c.label : c.label.substr(0, c.label.find(' '));
    if (text_width(label, kFont) < width - 4)
      o << "<text x=\"" << px(x(c.start) + width / 2) << "\" y=\"40\" text-anchor=\"middle\" class=\"sf-label\">" << esc(label) << "</text>";
  }
  const auto unit = time_unit(total);
  const auto ticks = linear_ticks(total / unit.seconds, 8);
  double y0 = top;
  for (const auto& m : measures) {
    std::vector<Line> lines;
    std::vector<double> values;
    for (std::size_t k = 0; k < sampled.size(); ++k) {
      const auto& p = *sampled[k];
      const auto& c = columns[phase_column[k]];
      const auto buckets = static_cast<std::size_t>(std::max(2.0, std::round(600 * c.length / total)));
      // Each system a little wider than the next, so that lines which coincide (the same offered rate)
      // show every colour at their edges.
      const auto rank = static_cast<double>(systems.end() - std::find(systems.begin(), systems.end(), system_of(p)) - 1);
      Line line{colour(system_of(p)), false, 1.4 + 1.3 * rank, {}};
      for (auto [t, v] : bucketed(p["samples"], m, buckets, c.length)) {
        line.points.emplace_back(c.start + t, v);
        if (!std::isnan(v)) values.push_back(v);
      }
      lines.push_back(std::move(line));
      if (m.mean) {  // failures per second, dashed, where there were any
        Measure failed{m.title, m.unit, [](const json& s) { return s["failed"].get<double>(); }, true};
        Line f{colour(system_of(p)), true, 1.4 + 1.3 * rank, {}};
        bool any = false;
        for (auto [t, v] : bucketed(p["samples"], failed, buckets, c.length)) {
          f.points.emplace_back(c.start + t, v);
          any = any || v > 0;
          if (!std::isnan(v)) values.push_back(v);
        }
        if (any) lines.push_back(std::move(f));
      }
    }
    if (values.empty()) continue;  // no row where there is nothing to draw
    const auto axis = y_axis_for(values);
    const double p0 = y0 + title_h, p1 = p0 + panel_h;
    auto y = [&](double v) {
      const double a = axis.at(v);
      return std::isnan(a) ? kNaN : p1 - panel_h * std::clamp(a, 0.0, 1.0);
    };
    o << "<text x=\"" << L << "\" y=\"" << px(y0 + 15) << "\" class=\"sf-label\">" << esc(m.title) << " (" << esc(m.unit)
      << (axis.log ? ", log scale" : "") << ")</text>";
    for (double v : axis.ticks)
      o << "<line x1=\"" << L << "\" x2=\"" << W - R << "\" y1=\"" << px(y(v)) << "\" y2=\"" << px(y(v)) << "\" class=\"sf-grid\"/><text x=\"" << L - 4
        << "\" y=\"" << px(y(v) + 4) << "\" text-anchor=\"end\" class=\"sf-axis\">" << tick_label(v) << "</text>";
    for (const auto& c : columns) {
      if (c.start > 0) o << "<line x1=\"" << px(x(c.start)) << "\" x2=\"" << px(x(c.start)) << "\" y1=\"" << px(p0) << "\" y2=\"" << px(p1) << "\" class=\"sf-sep\"/>";
      for (const auto& [at, label] : c.marks) {
        o << "<line x1=\"" << px(x(c.start + at)) << "\" x2=\"" << px(x(c.start + at)) << "\" y1=\"" << px(p0) << "\" y2=\"" << px(p1) << "\" class=\"sf-mark\"/>";
        if (&m == &measures.front())
          o << "<text x=\"" << px(x(c.start + at) + 4) << "\" y=\"" << px(p0 + 14) << "\" class=\"sf-axis\">" << esc(label) << "</text>";
      }
    }
    for (const auto& line : lines) draw_line(o, line, x, y);
    y0 = p1 + gap;
  }
  for (double v = 0; v <= total / unit.seconds + 1e-9; v += ticks.step)
    o << "<text x=\"" << px(x(v * unit.seconds)) << "\" y=\"" << px(y0 + 6) << "\" text-anchor=\"middle\" class=\"sf-axis\">" << tick_label(v) << " "
      << unit.name << "</text>";
  o << "</svg>";

  const std::string suite = run.config.value("suite", std::string("stress"));
  std::ostringstream caption;
  caption << "The " << suite << " suite on one time axis" << (over_time.size() > 1 ? " (" + std::to_string(over_time.size()) + " runs, each phase from the start of its own)" : "")
          << ": " << (columns.size() > 1 ? "each load level a panel, left to right in the order they ran; " : "")
          << "one row per measure, every system in its colour (where lines coincide, the first-named system's is the widest); failed tasks per second dashed where there were any"
          << (bursts ? "; the burst marked" : "") << ". Per-second samples, averaged (completions) or their highest (the other measures) "
          << "over windows where a panel has more seconds than the page has room for; latency is measured from each task's intended start. "
             "A measure that spans more than thirty-fold is on a log scale. Every phase's own charts are in the appendix of the run's stress.html.";
  return StressFigure{o.str(), caption.str()};
}

// ----- Horizontal scaling -----------------------------------------------------------------------

std::optional<StressFigure> scaling_figure(const StressRun& run, const SystemColour& colour) {
  const auto& levels = run.extra.value("horizontal", json::array());
  if (levels.size() < 2) return std::nullopt;
  double n_max = 0, y_max = 0, x1 = 0;
  for (const auto& l : levels) {
    n_max = std::max(n_max, l.value("engines", 0.0));
    for (const auto& r : l.value("rounds", json::array())) y_max = std::max(y_max, r.get<double>());
    if (l.value("engines", 0) == 1) x1 = l.value("throughput", 0.0);
  }
  if (y_max <= 0) return std::nullopt;
  const double W = 640, H = 310, L = 64, R = 16, T = 44, B = 34;
  const auto yt = linear_ticks(y_max * 1.1);
  auto x = [&](double n) { return L + (W - L - R) * (n - 1) / std::max(1.0, n_max - 1); };
  auto y = [&](double v) { return H - B - (H - T - B) * v / yt.top; };
  const auto c = colour("native");
  std::ostringstream o;
  o << "<svg class=\"chart stress-figure\" style=\"max-width:640px;background:#fff\" viewBox=\"0 0 " << W << " " << H << "\" role=\"img\" aria-label=\"throughput against engines\">" << svg_style(12)
    << "<defs><clipPath id=\"scaling-plot\"><rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << W - L - R << "\" height=\"" << H - T - B
    << "\"/></clipPath></defs>";
  const std::vector<std::pair<std::string, std::string>> entries = {{c, "median of the rounds"}, {"#5b6472 dashed", "linear: N × X(1)"}};
  o << legend(entries, L, 34, 12);
  for (double v = 0; v <= yt.top + yt.step / 2; v += yt.step)
    o << "<line x1=\"" << L << "\" x2=\"" << W - R << "\" y1=\"" << px(y(v)) << "\" y2=\"" << px(y(v)) << "\" class=\"sf-grid\"/><text x=\"" << L - 4
      << "\" y=\"" << px(y(v) + 4) << "\" text-anchor=\"end\" class=\"sf-axis\">" << tick_label(v) << "</text>";
  for (double n = 1; n <= n_max; ++n)
    o << "<text x=\"" << px(x(n)) << "\" y=\"" << H - B + 16 << "\" text-anchor=\"middle\" class=\"sf-axis\">" << n << "</text>";
  o << "<text x=\"" << px((L + W - R) / 2) << "\" y=\"" << H - 4 << "\" text-anchor=\"middle\" class=\"sf-axis\">engine processes (N)</text>";
  if (x1 > 0)
    o << "<line clip-path=\"url(#scaling-plot)\" x1=\"" << px(x(1)) << "\" y1=\"" << px(y(x1)) << "\" x2=\"" << px(x(n_max)) << "\" y2=\"" << px(y(x1 * n_max))
      << "\" stroke=\"#5b6472\" stroke-width=\"1.4\" stroke-dasharray=\"5 4\"/>";
  Line medians{c, false, 1.6, {}};
  for (const auto& l : levels) {
    const double n = l.value("engines", 0.0);
    medians.points.emplace_back(n, l.value("throughput", 0.0));
    for (const auto& r : l.value("rounds", json::array()))
      o << "<circle r=\"3\" fill=\"" << c << "\" fill-opacity=\"0.45\" cx=\"" << px(x(n)) << "\" cy=\"" << px(y(r.get<double>())) << "\"/>";
  }
  std::sort(medians.points.begin(), medians.points.end());
  draw_line(o, medians, x, y);
  o << "<text x=\"" << L << "\" y=\"16\" class=\"sf-label\">Completed tasks per second</text></svg>";
  return StressFigure{o.str(),
                      "Horizontal scaling: each round's throughput (dots) against the number of engine processes sharing one broker, the "
                      "medians joined, and the linear ideal N × X(1) dashed. Throughput is counted between the 10th and the 90th "
                      "percentile of the completion times; the rounds ran each level in a shuffled order."};
}

// ----- Each fault's recovery --------------------------------------------------------------------

// Where a fault phase's moments are, in the suite's results: the phase, the key in `extra`, and the
// moments (a line, or a window from one to the other) with their labels.
struct FaultMoments {
  const char* phase;
  const char* key;
  std::vector<std::pair<double, double>> (*at)(const json&);
  std::vector<std::string> labels;
};
const std::vector<FaultMoments>& fault_moments() {
  static const std::vector<FaultMoments> table = {
      {"memory exhaustion", "memory_exhaustion",
       [](const json& e) {
         return std::vector<std::pair<double, double>>{{e.value("burst_at_s", kNaN), kNaN}, {e.value("killed_at_s", kNaN), kNaN}};
       },
       {"documents arrive", "OOM kill"}},
      {"network partition", "partition",
       [](const json& e) { return std::vector<std::pair<double, double>>{{e.value("down_at_s", kNaN), e.value("up_at_s", kNaN)}}; },
       {"links down"}},
      {"broker killed and restarted", "broker_restart",
       [](const json& e) {
         const double k = e.value("killed_at_s", kNaN);
         return std::vector<std::pair<double, double>>{{k, k + e.value("restarted_after_s", kNaN)}};
       },
       {"broker down"}},
      {"engine killed", "engine_kill",
       [](const json& e) { return std::vector<std::pair<double, double>>{{e.value("killed_at_s", kNaN), kNaN}}; },
       {"SIGKILL"}}};
  return table;
}

std::optional<StressFigure> recovery_figure(const StressRun& run, const SystemColour& colour) {
  std::ostringstream panels;
  std::vector<std::string> names;
  double window = 0;
  for (const auto& p : run.phases) {
    const auto& a = p["analysis"];
    if (!a.contains("timeline")) continue;
    const auto f = std::find_if(fault_moments().begin(), fault_moments().end(), [&](const auto& m) { return p["name"] == m.phase; });
    if (f == fault_moments().end() || !run.extra.contains(f->key)) continue;
    const auto moments = f->at(run.extra[f->key]);
    const auto& tl = a["timeline"];
    const double w = tl["window_s"];
    window = std::max(window, w);
    Line done{colour(system_of(p)), false, 1.6, {}}, failed{colour(system_of(p)), true, 1.6, {}};
    std::vector<double> values;
    bool any_failed = false;
    for (std::size_t i = 0; i < tl["completed_per_s"].size(); ++i) {
      const double t = (static_cast<double>(i) + 0.5) * w;
      done.points.emplace_back(t, tl["completed_per_s"][i].get<double>());
      failed.points.emplace_back(t, tl["failed_per_s"][i].get<double>());
      values.push_back(tl["completed_per_s"][i]);
      any_failed = any_failed || tl["failed_per_s"][i].get<double>() > 0;
      if (any_failed) values.push_back(tl["failed_per_s"][i]);
    }
    const double span = static_cast<double>(tl["completed_per_s"].size()) * w;
    const double W = 480, H = 240, L = 56, R = 12, T = 36, B = 30;
    const auto yt = linear_ticks(*std::max_element(values.begin(), values.end()));
    const auto xt = linear_ticks(span, 5);
    auto x = [&](double t) { return L + (W - L - R) * t / span; };
    auto y = [&](double v) { return H - B - (H - T - B) * v / yt.top; };
    panels << "<svg class=\"chart panel\" style=\"width:calc(50% - 4px);height:auto;background:#fff\" viewBox=\"0 0 " << W << " " << H << "\" role=\"img\" aria-label=\"" << esc(p["name"]) << "\">" << svg_style(17)
           << "<text x=\"" << L << "\" y=\"18\" class=\"sf-label\">" << esc(p["name"]) << "</text>";
    for (double v = 0; v <= yt.top + yt.step / 2; v += yt.step)
      panels << "<line x1=\"" << L << "\" x2=\"" << W - R << "\" y1=\"" << px(y(v)) << "\" y2=\"" << px(y(v)) << "\" class=\"sf-grid\"/><text x=\"" << L - 4
             << "\" y=\"" << px(y(v) + 4) << "\" text-anchor=\"end\" class=\"sf-axis\">" << tick_label(v) << "</text>";
    for (double v = 0; v <= span + 1e-9; v += xt.step)
      panels << "<text x=\"" << px(x(v)) << "\" y=\"" << H - B + 20 << "\" text-anchor=\"middle\" class=\"sf-axis\">" << tick_label(v) << " s</text>";
    for (std::size_t k = 0; k < moments.size(); ++k) {
      const auto [from, to] = moments[k];
      if (std::isnan(from)) continue;
      if (!std::isnan(to) && to > from)
        panels << "<rect class=\"sf-window\" x=\"" << px(x(from)) << "\" y=\"" << T << "\" width=\"" << px(x(to) - x(from)) << "\" height=\"" << H - T - B << "\"/>";
      else
        panels << "<line class=\"sf-mark\" x1=\"" << px(x(from)) << "\" x2=\"" << px(x(from)) << "\" y1=\"" << T << "\" y2=\"" << H - B << "\"/>";
      panels << "<text x=\"" << px(x(from) + 3) << "\" y=\"" << T + 16 + 18 * static_cast<double>(k) << "\" class=\"sf-axis\">" << esc(f->labels[k]) << "</text>";
    }
    draw_line(panels, done, x, y);
    if (any_failed) draw_line(panels, failed, x, y);
    panels << "</svg>";
    names.push_back(p["name"]);
  }
  if (names.empty()) return std::nullopt;
  std::ostringstream caption;
  caption << "Recovery from each fault: completed tasks per second (the vertical axis) over the phase, from the task ledger's end times in windows of "
          << fixed(window * 1000, 0) << " ms or less, failed tasks dashed where there were any; the fault is marked (a line for a moment, "
             "a shaded band for a span). The recovery times in the tables are measured from these moments.";
  return StressFigure{"<div style=\"display:flex;flex-wrap:wrap;gap:8px\">" + panels.str() + "</div>", caption.str()};
}

}  // namespace

std::vector<StressFigure> stress_figures(const StressRun& run, const SystemColour& colour, const std::vector<const StressRun*>& over_time) {
  std::vector<StressFigure> out;
  for (auto figure : {timeline_figure(run, over_time, colour), scaling_figure(run, colour), recovery_figure(run, colour)})
    if (figure) out.push_back(std::move(*figure));
  return out;
}

std::vector<std::string> stress_systems(const std::vector<const StressRun*>& runs) {
  std::vector<std::string> systems = {"native"};
  for (const auto* r : runs)
    for (const auto& p : r->phases)
      if (const auto s = system_of(p); std::find(systems.begin(), systems.end(), s) == systems.end()) systems.push_back(s);
  return systems;
}

std::vector<const StressRun*> over_time_with(const std::vector<const StressRun*>& runs, std::size_t k) {
  const auto suite = [](const StressRun* r) { return r->config.value("suite", std::string()); };
  for (std::size_t i = 0; i < k; ++i)
    if (suite(runs[i]) == suite(runs[k])) return {};  // drawn with an earlier run of its suite
  std::vector<const StressRun*> out;
  for (std::size_t i = k; i < runs.size(); ++i)
    if (suite(runs[i]) == suite(runs[k])) out.push_back(runs[i]);
  return out;
}

SystemColour colours_in_order(std::vector<std::string> systems) {
  return [systems = std::move(systems)](const std::string& system) {
    const auto at = std::find(systems.begin(), systems.end(), system);
    return at == systems.end() ? std::string("#5b6472") : std::string(palette_colour(static_cast<std::size_t>(at - systems.begin())));
  };
}

std::string figures_html(const std::vector<StressFigure>& figures, int first) {
  std::ostringstream o;
  for (const auto& f : figures)
    o << "<figure class=\"stress\" style=\"break-inside:avoid\">" << f.svg << "<figcaption><b>Figure " << first++ << ".</b> " << esc(f.caption) << "</figcaption></figure>\n";
  return o.str();
}

}  // namespace legion::report::detail
