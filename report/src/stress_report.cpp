#include "legion/report/stress.hpp"
#include "legion/report/trend_verdict.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <optional>
#include <sstream>

#include "legion/report/escape.hpp"
#include "legion/report/reporters.hpp"
#include "legion/stats/descriptive.hpp"
#include "legion/stats/hdr_histogram.hpp"
#include "legion/stats/trend.hpp"
#include "stress_broker_faults.hpp"
#include "sections.hpp"
#include "stress_figures.hpp"

namespace legion::report {
namespace {

using nlohmann::json;

std::string fixed(double v, int digits) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(digits) << v;
  return o.str();
}
std::string ms(double us) { return us >= 100000 ? fixed(us / 1000, 0) : us >= 10000 ? fixed(us / 1000, 1) : fixed(us / 1000, 2); }
std::string pct(double share) { return fixed(share * 100, share < 0.001 && share > 0 ? 3 : 2) + "%"; }
// Cells and text read from stress.json (json converts to std::string, not to std::string_view).
std::string md_cell(const std::string& s) { return markdown_escape(s); }
std::string html_escape(const std::string& s) { return report::html_escape(std::string_view(s)); }

json percentiles(const json& values) {
  stats::HdrHistogram h(1, 3'600'000'000, 3);
  for (const auto& v : values) h.record(std::clamp<std::int64_t>(v.get<std::int64_t>(), 1, 3'600'000'000));
  if (h.total_count() == 0) return {{"count", 0}};
  return {{"count", h.total_count()},          {"p50_us", h.value_at_percentile(50)}, {"p90_us", h.value_at_percentile(90)},
          {"p95_us", h.value_at_percentile(95)}, {"p99_us", h.value_at_percentile(99)}, {"p999_us", h.value_at_percentile(99.9)},
          {"max_us", h.max()},                   {"mean_us", h.mean()}};
}

json analyze_phase(json phase, const json& config, const StressAnalysis& wanted) {
  auto& ledger = phase["ledger"];
  const auto& summary = phase["summary"];
  const bool ended = !summary.is_null();
  std::int64_t open = ledger["open"], failed = ledger["failed"], lost = 0;
  // A phase that ended leaves no task open: one still open was lost. A phase the process never
  // finished (killed, crashed) closes its open tasks as failed, with that reason.
  if (ended) lost = open;
  else if (open > 0) {
    failed += open;
    ledger["reasons"]["the run ended (process killed or crashed) before the task finished"] = open;
  }
  lost += static_cast<std::int64_t>(ledger["errors"].size());
  const std::int64_t submitted = ledger["submitted"], completed = ledger["completed"];
  const auto& samples = phase["samples"];
  double elapsed = ended ? summary["elapsed_s"].get<double>() : samples.empty() ? 0 : samples.back()["t_s"].get<double>();
  json a = {{"submitted", submitted},
            {"completed", completed},
            {"failed", failed},
            {"lost", lost},
            {"open_at_end", ended ? 0 : open},
            {"error_rate", submitted ? static_cast<double>(failed) / static_cast<double>(submitted) : 0.0},
            {"elapsed_s", elapsed},
            {"throughput", elapsed > 0 ? static_cast<double>(completed) / elapsed : 0.0},
            {"latency", percentiles(phase["latency_us"])},
            {"service", percentiles(phase["service_us"])},
            {"ended", ended},
            {"peak_agents", ended ? summary["peak_agents"].get<int>() : phase["spec"]["most_agents"].get<int>()},
            {"peak_queue_depth", ended ? summary["peak_queue_depth"].get<std::int64_t>() : 0}};
  double peak_rss = 0, peak_tput = 0;
  for (const auto& s : samples) {
    peak_rss = std::max(peak_rss, s["system"]["rss_mb"].get<double>());
    peak_tput = std::max(peak_tput, s["completed"].get<double>());
    if (!ended) a["peak_queue_depth"] = std::max(a["peak_queue_depth"].get<std::int64_t>(), s["queue_depth"].get<std::int64_t>());
  }
  a["peak_rss_mb"] = peak_rss;
  a["peak_second_throughput"] = peak_tput;
  // A phase too short for per-second samples (a fault's, a scalability round's): completions and
  // failures per window from the ledger's end times, about a hundred windows, none under 100 ms.
  if (samples.size() < 3 && phase.contains("finished_ms") && !phase["finished_ms"].empty()) {
    const double span_ms = std::max(elapsed * 1000, 1.0);
    const double window_ms = std::max(100.0, std::ceil(span_ms / 100 / 50) * 50);
    const auto windows = static_cast<std::size_t>(std::ceil(span_ms / window_ms));
    std::vector<double> done(windows, 0), bad(windows, 0);
    auto count = [&](const json& ends, std::vector<double>& into) {
      for (const auto& e : ends)
        into[std::min(windows - 1, static_cast<std::size_t>(std::max(0.0, e.get<double>()) / window_ms))] += 1000 / window_ms;
    };
    count(phase["finished_ms"], done);
    count(phase.value("failed_ms", json::array()), bad);
    a["timeline"] = {{"window_s", window_ms / 1000}, {"completed_per_s", done}, {"failed_per_s", bad}};
  }
  phase.erase("latency_us");
  phase.erase("service_us");
  phase.erase("finished_ms");
  phase.erase("failed_ms");

  // Spike: the baseline's p99, when p99 left it, and how long after the burst it came back.
  const auto& spec = phase["spec"];
  if (wanted.spike_recovery && !spec["bursts"].empty() && !spec["stages"].empty()) {
    const double factor = config.value("recovery_factor", 2.0);
    const double baseline_end = spec["stages"][0]["seconds"];
    const double burst_at = spec["bursts"][0]["at_s"];
    // The baseline's seconds, less the first (warm-up) when there are three or more.
    std::vector<double> base;
    for (const auto& s : samples)
      if (s["t_s"].get<double>() <= baseline_end + 0.5 && s["p99_us"].get<double>() > 0) base.push_back(s["p99_us"]);
    if (base.size() >= 3) base.erase(base.begin());
    json r = {{"factor", factor}, {"burst_at_s", burst_at}, {"baseline_seconds", base.size()}};
    if (!base.empty()) {
      const double baseline = stats::median(base);
      r["baseline_p99_us"] = baseline;
      for (const auto& s : samples)
        if (s["t_s"].get<double>() > baseline_end + 0.5 && s["p99_us"].get<double>() > factor * baseline) {
          r["p99_left_baseline_at_s"] = s["t_s"];
          break;
        }
      // Recovered: three seconds in a row after the burst with p99 within the factor and the queue empty again.
      int run = 0;
      for (std::size_t i = 0; i < samples.size(); ++i) {
        const auto& s = samples[i];
        if (s["t_s"].get<double>() <= burst_at) continue;
        const bool ok = s["p99_us"].get<double>() > 0 && s["p99_us"].get<double>() <= factor * baseline && s["queue_depth"].get<std::int64_t>() <= 10;
        run = ok ? run + 1 : 0;
        if (run == 3) {
          const double at = samples[i - 2]["t_s"].get<double>() - 1;  // the start of the first good second
          r["recovered_at_s"] = at;
          r["recovery_s"] = std::max(0.0, at - burst_at);
          break;
        }
      }
    }
    a["recovery"] = r;
  }

  // Trends over the steady state, for the suites that ask (endurance): a trend over a phase of
  // seconds extrapolated to a day would call warm-up a leak.
  if (wanted.trends && samples.size() >= 8 && spec.value("schedule_s", 0.0) > 0) {
    // Steady state: the first third of the run is warm-up (caches, pools and connections filling).
    const std::size_t skip = std::max<std::size_t>(2, samples.size() / 3);
    std::vector<double> t, rss, fds, threads, p99, p99_t, err;
    for (std::size_t i = skip; i + 1 < samples.size(); ++i) {  // the last, partial second is the drain's
      const auto& s = samples[i];
      const double ts = s["t_s"];
      if (ts > spec["schedule_s"].get<double>()) break;
      t.push_back(ts);
      rss.push_back(s["system"]["rss_mb"]);
      fds.push_back(s["system"]["fds"]);
      threads.push_back(s["system"]["threads"]);
      const double done = s["completed"].get<double>() + s["failed"].get<double>();
      err.push_back(done > 0 ? s["failed"].get<double>() / done : 0);
      if (s["p99_us"].get<double>() > 0) p99.push_back(s["p99_us"]), p99_t.push_back(ts);
    }
    // The rule (trend_verdict.hpp): significant, seen beyond the resolution within the window, and material.
    const double day = 24 * 3600, run = t.empty() ? 0 : t.back() - t.front();
    a["trends"] = json::array({trend_verdict("RSS", "MB", t, rss, {0.10, 1.0, 1.0, day}),
                               trend_verdict("open file descriptors", "fds", t, fds, {0, 0.5, 2, day}),
                               trend_verdict("threads", "threads", t, threads, {0, 0.5, 2, day}),
                               trend_verdict("p99 latency", "µs", p99_t, p99, {0.10, 0, 0, p99_t.empty() ? 0 : p99_t.back() - p99_t.front()}),
                               trend_verdict("error rate", "share", t, err, {0, 0.001, 0, run})});
    bool leak = false, degrades = false;
    for (const auto& tr : a["trends"]) {
      if (tr["verdict"] != "grows") continue;
      const std::string s = tr["series"];
      (s == "p99 latency" || s == "error rate" ? degrades : leak) = true;
    }
    a["leak"] = leak;
    a["degrades"] = degrades;
  }
  phase["analysis"] = a;
  return phase;
}

json criterion(const std::string& name, const std::string& target, std::optional<bool> pass, const std::string& measured,
               const std::string& from) {
  return {{"criterion", name}, {"target", target}, {"status", !pass ? "not measured" : *pass ? "pass" : "fail"}, {"measured", measured}, {"from", from}};
}

}  // namespace

StressRun analyze_stress(const json& raw, const StressAnalysis& wanted) {
  json out = raw;
  out["phases"] = json::array();
  std::int64_t lost = 0;
  for (const auto& p : raw["phases"]) {
    auto a = analyze_phase(p, raw["config"], wanted);
    lost += a["analysis"]["lost"].get<std::int64_t>();
    out["phases"].push_back(std::move(a));
  }
  out["lost_tasks"] = lost;

  // The seeds' success criteria; the load criteria for each system the phases name.
  json criteria = json::array();
  std::vector<std::string> systems;
  for (const auto& p : out["phases"])
    if (const auto sys = p["spec"].value("system", std::string()); !sys.empty() && std::find(systems.begin(), systems.end(), sys) == systems.end())
      systems.push_back(sys);
  if (systems.empty()) systems = {""};  // phases without a system (scalability, failure): the criteria as they are
  auto of = [](const std::string& system, const json& phase) { return system.empty() || phase["spec"].value("system", std::string()) == system; };
  auto named = [](const std::string& name, const std::string& system) { return system.empty() ? name : name + " (" + system + ")"; };
  for (const auto& system : systems) {
    std::optional<bool> pass;
    std::string measured = "no phase ran 100 agents or more", from;
    int most = 0;
    for (const auto& p : out["phases"]) {
      const auto& a = p["analysis"];
      if (!of(system, p) || a["peak_agents"].get<int>() < 100) continue;
      const bool ok = a["lost"] == 0 && a["error_rate"].get<double>() < 0.001 && a["ended"].get<bool>();
      // The figure shown: the first phase that failed, else the one with the most agents.
      if (!pass || (*pass && !ok) || (*pass && ok && a["peak_agents"].get<int>() >= most)) {
        most = a["peak_agents"].get<int>();
        measured = std::to_string(a["peak_agents"].get<int>()) + " agents: " + std::to_string(a["failed"].get<std::int64_t>()) + " of " +
                   std::to_string(a["submitted"].get<std::int64_t>()) + " tasks failed (" + pct(a["error_rate"]) + "), " +
                   std::to_string(a["lost"].get<std::int64_t>()) + " lost";
        from = p["name"];
      }
      pass = pass.value_or(true) && ok;
    }
    criteria.push_back(criterion(named("100+ concurrent agents without failure", system), "≥ 100 agents, no task lost, error rate < 0.1%", pass, measured, from));
  }
  {
    std::int64_t submitted = 0;
    for (const auto& p : out["phases"]) submitted += p["analysis"]["submitted"].get<std::int64_t>();
    if (const auto& k = raw["extra"]; k.contains("worker_kill") && k["worker_kill"].contains("submitted")) {
      submitted += k["worker_kill"]["submitted"].get<std::int64_t>();
      lost += std::max<std::int64_t>(0, k["worker_kill"]["lost"].get<std::int64_t>());
      out["lost_tasks"] = lost;
    }
    criteria.push_back(criterion("zero data loss", "every submitted task completed or failed with a reason (ledger)", submitted > 0 ? std::optional<bool>(lost == 0) : std::nullopt,
                                 std::to_string(lost) + " lost of " + std::to_string(submitted) + " submitted", "every phase"));
  }
  {
    std::optional<bool> pass;
    std::vector<std::string> parts, froms;
    auto add = [&](bool ok, const std::string& what, const std::string& where) {
      pass = pass.value_or(true) && ok;
      parts.push_back(what);
      froms.push_back(where);
    };
    for (const auto& p : out["phases"]) {
      const auto& a = p["analysis"];
      if (!a.contains("recovery")) continue;
      const auto& r = a["recovery"];
      if (r.contains("recovery_s"))
        add(r["recovery_s"].get<double>() < 30, "spike: " + fixed(r["recovery_s"], 1) + " s after the burst (p99 within " + fixed(r["factor"].get<double>(), 1) +
                                                    "× the baseline's " + ms(r["baseline_p99_us"]) + " ms)",
            p["name"]);
      else add(false, "spike: not recovered before the run ended", p["name"]);
    }
    const auto& k = raw["extra"];
    for (const char* key : {"broker_restart", "engine_kill"}) {
      if (!k.contains(key) || k[key].empty()) continue;
      const auto& d = k[key];
      const std::string label = std::string(key) == "broker_restart" ? "broker restart: " : "engine kill: ";
      add(d.contains("recovery_s") && d["recovery_s"].get<double>() < 30,
          label + (d.contains("recovery_s") ? fixed(d["recovery_s"], 2) + " s" : std::string("not recovered")), d.value("kind", std::string(key)));
    }
    if (k.contains("worker_kill") && k["worker_kill"].value("killed", false)) {
      const auto& w = k["worker_kill"];
      add(w.contains("recovery_s") && w["recovery_s"].get<double>() < 30,
          w.contains("recovery_s") ? "worker SIGKILL: " + fixed(w["recovery_s"], 2) + " s to the next correct answer from a fresh worker"
                                   : std::string("worker SIGKILL: no correct answer after it"),
          "worker killed with SIGKILL");
    }
    if (k.contains("disk_full") && !k["disk_full"].contains("skipped")) {
      const auto& d = k["disk_full"];
      add(d.contains("recovery_s") && d["recovery_s"].get<double>() < 30,
          d.contains("recovery_s") ? "disk full: " + fixed(d["recovery_s"], 2) + " s from freeing the space to the held-back events committed"
                                   : std::string("disk full: the held-back events were not committed after the space was freed"),
          "disk-full");
    }
    for (const auto& f : broker_fault_recoveries(k)) add(f.ok, f.measured, f.from);
    std::string measured = "no recovery measured in this run", from;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      measured = i == 0 ? parts[i] : measured + "; " + parts[i];
      from = i == 0 ? froms[i] : from + "; " + froms[i];
    }
    criteria.push_back(criterion("recovery under 30 s", "< 30 s", pass, measured, from));
  }
  for (const auto& system : systems)
  for (const auto& [cls, limit, label] : {std::tuple{"normal", 0.001, "error rate under 0.1% at normal load"},
                                          std::tuple{"extreme", 0.01, "error rate under 1% at extreme load"}}) {
    std::optional<bool> pass;
    double worst = -1;
    std::string from;
    for (const auto& p : out["phases"]) {
      if (!of(system, p) || p["spec"]["load_class"] != cls) continue;
      const double e = p["analysis"]["error_rate"];
      pass = pass.value_or(true) && e < limit;
      if (e > worst) worst = e, from = p["name"];
    }
    criteria.push_back(criterion(named(label, system), std::string("< ") + pct(limit), pass, worst < 0 ? "no such phase in this run" : "worst " + pct(worst), from));
  }
  StressRun run;
  run.run_id = raw["run_id"];
  run.started_at = raw["started_at"];
  run.finished = raw["finished"];
  run.interrupted = raw["interrupted"];
  run.config = raw["config"];
  run.extra = raw["extra"];
  run.phases = std::move(out["phases"]);
  run.lost_tasks = lost;
  run.analysis = wanted;
  run.all_criteria_pass = true;
  for (const auto& c : criteria) {
    run.criteria.push_back({c["criterion"], c["target"], c["status"], c["measured"], c["from"]});
    run.all_criteria_pass = run.all_criteria_pass && c["status"] != "fail";
  }
  return run;
}

json to_json(const StressRun& run) {
  json criteria = json::array();
  for (const auto& c : run.criteria)
    criteria.push_back({{"criterion", c.criterion}, {"target", c.target}, {"status", c.status}, {"measured", c.measured}, {"from", c.from}});
  return {{"run_id", run.run_id},       {"started_at", run.started_at}, {"finished", run.finished},   {"interrupted", run.interrupted},
          {"config", run.config},       {"extra", run.extra},           {"phases", run.phases},       {"criteria", criteria},
          {"lost_tasks", run.lost_tasks}, {"all_criteria_pass", run.all_criteria_pass}};
}

void write_stress_summary(std::ostream& out, const StressRun& a) {
  out << "Stress suite '" << printable(a.config["suite"].get<std::string>()) << "', run " << printable(a.run_id)
      << (a.finished ? "" : " (did not finish: published from its store)") << (a.interrupted ? " (interrupted)" : "")
      << "\n";
  for (const auto& p : a.phases) {
    const auto& x = p["analysis"];
    out << "  " << std::left << std::setw(36) << printable(p["name"].get<std::string>()) << x["completed"].get<std::int64_t>() << "/"
        << x["submitted"].get<std::int64_t>() << " ok, " << x["failed"].get<std::int64_t>() << " failed, " << x["lost"].get<std::int64_t>()
        << " lost, " << fixed(x["throughput"].get<double>(), 1) << " tasks/s";
    if (x["latency"]["count"].get<std::int64_t>() > 0)
      out << ", p50 " << ms(x["latency"]["p50_us"]) << " ms, p99 " << ms(x["latency"]["p99_us"]) << " ms, max " << ms(x["latency"]["max_us"]) << " ms";
    out << "\n";
  }
  out << "\nSuccess criteria (the seeds):\n";
  for (const auto& c : a.criteria)
    out << "  " << std::left << std::setw(15) << ("[" + c.status + "]") << c.criterion << ": " << printable(c.measured) << "\n";
}

namespace {

// One line chart: several series of (t, y) over the phase, the legend above the plot (never on the
// lines), ticks at round values, the time in s, min or h as the phase's length asks. A phase with
// fewer than three seconds of samples gets a line saying so instead of empty axes. A phase longer
// than the chart has room for is drawn from the means of equal windows (at most 600 points a line).
std::string svg_chart(const std::string& title, const std::string& unit, std::vector<std::pair<std::string, std::vector<std::pair<double, double>>>> series) {
  constexpr std::size_t kMostPoints = 600;
  for (auto& [n, pts] : series) {
    if (pts.size() <= kMostPoints) continue;
    const std::size_t per = (pts.size() + kMostPoints - 1) / kMostPoints;
    std::vector<std::pair<double, double>> means;
    for (std::size_t i = 0; i < pts.size(); i += per) {
      double t = 0, y = 0;
      const std::size_t end = std::min(pts.size(), i + per);
      for (std::size_t k = i; k < end; ++k) t += pts[k].first, y += pts[k].second;
      means.emplace_back(t / static_cast<double>(end - i), y / static_cast<double>(end - i));
    }
    pts = std::move(means);
  }
  std::size_t points = 0;
  for (const auto& [n, pts] : series) points = std::max(points, pts.size());
  if (points < 3)
    return "<p class=\"note\">" + html_escape(title) + ": " + std::to_string(points) +
           " per-second sample(s) in this phase, too few for a chart (its figures are in the tables).</p>\n";
  const double W = 640, H = 210, L = 56, R = 12, T = 34, B = 28;
  double tmax = 0, ymax = 0;
  for (const auto& [n, pts] : series)
    for (const auto& [t, y] : pts) tmax = std::max(tmax, t), ymax = std::max(ymax, y);
  const double time_unit = tmax >= 7200 ? 3600 : tmax >= 600 ? 60 : 1;
  const std::string time_name = time_unit == 3600 ? " h" : time_unit == 60 ? " min" : " s";
  const auto x_axis = detail::linear_ticks(tmax / time_unit), y_axis = detail::linear_ticks(ymax);
  const double t_top = x_axis.top * time_unit;
  static const char* colors[] = {"#0072b2", "#d55e00", "#009e73", "#cc79a7"};  // Okabe–Ito
  std::ostringstream o;
  o << "<figure><svg class=\"chart\" viewBox=\"0 0 " << W << " " << H << "\" role=\"img\" aria-label=\"" << html_escape(title) << "\">"
    << "<text x=\"" << L << "\" y=\"14\" class=\"title\">" << html_escape(title) << " (" << html_escape(unit) << ")</text>";
  for (double v = 0; v <= y_axis.top + y_axis.step / 2; v += y_axis.step) {
    const double y = T + (H - T - B) * (1 - v / y_axis.top);
    o << "<line x1=\"" << L << "\" x2=\"" << W - R << "\" y1=\"" << y << "\" y2=\"" << y << "\" class=\"grid\"/>"
      << "<text x=\"" << L - 4 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\" class=\"axis\">" << fixed(v, y_axis.decimals) << "</text>";
  }
  for (double v = 0; v <= x_axis.top + x_axis.step / 2; v += x_axis.step) {
    const double x = L + (W - L - R) * v / x_axis.top;
    o << "<text x=\"" << x << "\" y=\"" << H - 8 << "\" text-anchor=\"middle\" class=\"axis\">" << fixed(v, x_axis.decimals) << time_name << "</text>";
  }
  int c = 0;
  double legend_x = W - R;  // entries laid out from the right, on the line under the title
  std::vector<std::string> legend;
  for (const auto& [name, pts] : series) {
    if (pts.empty()) continue;
    o << "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"" << colors[c % 4] << "\" points=\"";
    for (const auto& [t, y] : pts) o << fixed(L + (W - L - R) * t / t_top, 1) << "," << fixed(T + (H - T - B) * (1 - y / y_axis.top), 1) << " ";
    o << "\"/>";
    legend.push_back(std::string(colors[c % 4]) + "|" + name);
    ++c;
  }
  for (auto it = legend.rbegin(); it != legend.rend(); ++it) {
    const auto bar = it->find('|');
    const auto colour = it->substr(0, bar), name = it->substr(bar + 1);
    legend_x -= 7.0 * static_cast<double>(name.size()) + 26;
    o << "<line x1=\"" << legend_x << "\" x2=\"" << legend_x + 14 << "\" y1=\"25\" y2=\"25\" stroke-width=\"3\" stroke=\"" << colour << "\"/>"
      << "<text x=\"" << legend_x + 18 << "\" y=\"29\" class=\"axis\">" << html_escape(name) << "</text>";
  }
  o << "</svg></figure>\n";
  return o.str();
}

// The criteria table of STRESS_TEST_RESULTS.md.
void criteria_rows(std::ostream& md, const std::vector<StressCriterion>& criteria) {
  for (const auto& c : criteria)
    md << "| " << c.criterion << " | " << md_cell(c.target) << " | **" << c.status << "** | " << md_cell(c.measured) << " | "
       << md_cell(c.from) << " |\n";
}

std::string markdown(const StressRun& a, const std::string& pdf_note) {
  std::ostringstream md;
  const auto& cfg = a.config;
  md << "# Stress test results: " << md_cell(cfg["suite"]) << "\n\n";
  md << "Run " << markdown_code_span(a.run_id) << ", started " << md_cell(a.started_at) << " on "
     << md_cell(cfg["machine"].value("cpu", std::string("?"))) << " (" << cfg["machine"].value("cores", 0) << " cores, "
     << md_cell(cfg["machine"].value("kernel", std::string("?"))) << ")";
  if (cfg["machine"].contains("loadavg_at_start"))
    md << "; /proc/loadavg at the start: " << markdown_code_span(cfg["machine"]["loadavg_at_start"].get<std::string>()) << " (other work on the machine shares its cores)";
  if (!a.finished) md << ". **The run did not finish** (killed or crashed): this report comes from its store";
  if (a.interrupted) md << ". **Interrupted** (Ctrl-C or SIGTERM): what it measured until then";
  md << ".\n\nCommand:\n\n" << markdown_code_block(cfg["command"].get<std::string>()) << "\n";
  md << "Load: " << md_cell(cfg["mode"]) << " loop, " << md_cell(cfg["arrival"]) << " arrivals; scenario "
     << markdown_code_span(cfg["scenario"].get<std::string>()) << ", model-server latency profile "
     << markdown_code_span(cfg["latency"].get<std::string>()) << ", client retries " << cfg["max_retries"] << ", request timeout " << cfg["request_timeout_s"] << " s. "
     << "Latency is measured from each task's **intended** start in the open loop (the schedule's moment, not the moment an agent "
        "picked it up), so queueing in a stalled system is counted (no coordinated omission); service time is from the start of "
        "execution. Percentiles come from HDR histograms (3 significant digits).\n\n";

  md << "## Success criteria (the seeds)\n\n| criterion | target | result | measured | from |\n|---|---|---|---|---|\n";
  criteria_rows(md, a.criteria);
  md << "\nLost tasks (ledger): **" << a.lost_tasks << "**. Every task id is written to the store's ledger when it is submitted "
        "and again when it ends, completed or failed with a reason; a task still open when its phase ended is lost.\n\n";

  md << "## Phases\n\n| phase | agents | submitted | completed | failed | lost | error rate | tasks/s | p50 ms | p90 ms | p95 ms | p99 ms | "
        "p99.9 ms | max ms | service p99 ms | peak queue | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& p : a.phases) {
    const auto& x = p["analysis"];
    const auto& l = x["latency"];
    auto lat = [&](const char* k) { return l["count"].get<std::int64_t>() > 0 ? ms(l[k]) : std::string("–"); };
    md << "| " << md_cell(p["name"]) << " | " << x["peak_agents"] << " | " << x["submitted"] << " | " << x["completed"] << " | "
       << x["failed"] << " | " << x["lost"] << " | " << pct(x["error_rate"]) << " | " << fixed(x["throughput"], 1) << " | " << lat("p50_us")
       << " | " << lat("p90_us") << " | " << lat("p95_us") << " | " << lat("p99_us") << " | " << lat("p999_us") << " | " << lat("max_us")
       << " | " << (x["service"]["count"].get<std::int64_t>() > 0 ? ms(x["service"]["p99_us"]) : "–") << " | " << x["peak_queue_depth"]
       << " | " << fixed(x["peak_rss_mb"], 1) << " |\n";
  }
  md << "\n";
  for (const auto& p : a.phases) {
    md << "- **" << md_cell(p["name"]) << "**: " << md_cell(p["spec"]["description"]) << "; "
       << fixed(p["analysis"]["elapsed_s"], 1) << " s including the drain.";
    // A load level: did the system keep the offered rate? One that falls behind drains a backlog
    // after the schedule: it held the rate when every task was done within a tenth of the schedule
    // (and 2 s, a slow last task) after it ended.
    if (a.analysis.load_levels && p["analysis"]["ended"].get<bool>() && p["spec"].value("schedule_s", 0.0) > 0 && p["spec"].value("max_tasks", 0) > 0) {
      const auto& x = p["analysis"];
      const double schedule = p["spec"]["schedule_s"], offered = p["spec"]["max_tasks"].get<double>() / schedule, elapsed = x["elapsed_s"];
      if (x["completed"] == x["submitted"] && elapsed <= 1.1 * schedule + 2)
        md << " Held the offered " << fixed(offered, 2) << " tasks/s.";
      else
        md << " **Did not hold the offered " << fixed(offered, 2) << " tasks/s**: " << x["completed"] << " of " << x["submitted"]
           << " tasks done after " << fixed(elapsed, 1) << " s against a schedule of " << fixed(schedule, 1) << " s, " << fixed(x["throughput"], 2)
           << " tasks/s over the phase.";
    }
    if (p["summary"].is_object() && p["summary"].value("duplicates", 0) > 0)
      md << " " << p["summary"]["duplicates"] << " task(s) ran twice (the result written, the acknowledgement lost with the "
            "process or the broker: at-least-once delivery); each counted once.";
    const auto& reasons = p["ledger"]["reasons"];
    if (!reasons.empty()) {
      md << " Failures:";
      for (auto it = reasons.begin(); it != reasons.end(); ++it) md << " " << it.value() << " × \"" << md_cell(it.key()) << "\";";
    }
    md << "\n";
  }
  for (const auto& p : a.phases) {
    const auto& x = p["analysis"];
    if (x.contains("recovery")) {
      const auto& r = x["recovery"];
      md << "\n## Spike recovery (" << md_cell(p["name"]) << ")\n\n";
      if (r.contains("baseline_p99_us")) {
        md << "Baseline p99 (median of the per-second p99 over the baseline's seconds): " << ms(r["baseline_p99_us"]) << " ms. ";
        if (r.contains("p99_left_baseline_at_s"))
          md << "p99 first left " << fixed(r["factor"], 1) << "× the baseline at t = " << fixed(r["p99_left_baseline_at_s"], 0) << " s. ";
        md << r["burst_at_s"].get<double>() << " s: the burst. ";
        if (r.contains("recovery_s"))
          md << "Recovered (three seconds in a row with p99 within " << fixed(r["factor"], 1) << "× the baseline and at most 10 tasks queued) "
             << fixed(r["recovery_s"], 1) << " s after it.\n";
        else md << "**Not recovered** before the run ended.\n";
      } else md << "No baseline second had completions: recovery cannot be measured.\n";
      if (p["summary"].is_object() && p["summary"].contains("bus")) {
        const auto& b = p["summary"]["bus"];
        md << "\nBus burst (core::MessageBus, " << b["subscribers"] << " subscribers, handlers on the publisher's thread): "
           << b["published"] << " messages in " << fixed(b["seconds"], 2) << " s (" << fixed(b["achieved_rate"], 0) << "/s of "
           << b["intended_rate"] << "/s intended), " << b["delivered"] << " deliveries of " << b["expected_deliveries"]
           << " expected; publish latency from the intended moment p50 " << ms(b["p50_us"]) << " ms, p99 " << ms(b["p99_us"])
           << " ms, max " << ms(b["max_us"]) << " ms.\n";
      }
    }
    if (x.contains("trends")) {
      md << "\n## Trends over time (" << md_cell(p["name"]) << ")\n\n"
         << "Theil–Sen slope with its 95% interval and the Mann–Kendall test over the steady state: the first third of the samples "
            "(at least 2 s) is warm-up and left out. "
            "A series *grows* when all three hold: the trend is significant (Mann–Kendall p < 0.05 and the slope's interval above 0); "
            "it is seen (the growth within the window reaches the resolution: 1 MB of RSS — RSS moves in pages and the allocator in "
            "128 KiB steps, so a few pages are a step, not a trend — or 2 file descriptors or threads); and it matters (extrapolated to "
            "24 h, RSS more than 10% of its median and 1 MB, any file descriptor or thread; p99 more than 10% of its median, or the "
            "error rate more than 0.1 points, over the run). The last column gives the slowest growth this run could call a leak; "
            "slower growth needs a longer run.\n\n"
         << "| series | n | median | slope per hour [95% interval] | Mann–Kendall tau | p | grown in window | detectable per hour | verdict |\n"
            "|---|---|---|---|---|---|---|---|---|\n";
      for (const auto& t : x["trends"]) {
        md << "| " << t["series"].get<std::string>() << " (" << t["unit"].get<std::string>() << ") | " << t["n"] << " | ";
        if (t.contains("median"))
          md << fixed(t["median"], 2) << " | " << fixed(t["slope_per_hour"], 3) << " [" << fixed(t["low_per_hour"], 3) << ", "
             << fixed(t["high_per_hour"], 3) << "] | " << fixed(t["tau"], 3) << " | " << fixed(t["p_value"], 4) << " | "
             << fixed(t["observed_growth"], 3) << " | " << fixed(t["detectable_per_hour"], 3) << " | ";
        else md << "– | – | – | – | – | – | ";
        md << t["verdict"].get<std::string>() << " |\n";
      }
      md << "\nVerdict: " << (x["leak"].get<bool>() ? "**leak**" : "no leak") << "; "
         << (x["degrades"].get<bool>() ? "**degrades** over time" : "no degradation") << ".\n";
    }
  }
  if (a.extra.contains("horizontal")) {
    const auto& e = a.extra;
    md << "\n## Scalability: engine processes on Redis Streams\n\n"
          "Each level starts N `legion-bench stress-engine` processes (" << cfg.value("engine_agents", 0) << " agents each) in one consumer group "
          "on " << cfg.value("broker", std::string("redis")) << " and queues its tasks on the stream at once; an engine reads with "
          "XREADGROUP, answers on a result stream, acknowledges with XACK, and takes over entries another consumer left pending for 2 s "
          "(XAUTOCLAIM). Throughput is counted between the 10th and the 90th percentile of the completion times (start-up and the last "
          "stragglers excluded). Each N ran " << e.value("rounds", 1) << " time(s), the levels of each round in a shuffled order, so "
          "drift on the machine spreads over every N; the table gives the median with the rounds' range and their coefficient of "
          "variation (the noise). The linear-scalability factor is X(N) ÷ (N · X(1)) of the medians, with its range over the rounds' "
          "pairs.\n\n| engines | tasks/s (median) | rounds' range | CV | linear factor [range] |\n|---|---|---|---|---|\n";
    for (const auto& l : e["horizontal"])
      md << "| " << fixed(l["engines"], 0) << " | " << fixed(l["throughput"], 0) << " | " << fixed(l.value("low", 0.0), 0) << "–"
         << fixed(l.value("high", 0.0), 0) << " | " << fixed(100 * l.value("cv", 0.0), 1) << "% | " << fixed(l["linear_factor"], 2) << " ["
         << fixed(l.value("linear_factor_low", 0.0), 2) << ", " << fixed(l.value("linear_factor_high", 0.0), 2) << "] |\n";
    if (e.contains("usl")) {
      const auto& u = e["usl"];
      if (u.contains("error")) md << "\nUniversal Scalability Law: no fit (" << u["error"].get<std::string>() << ").\n";
      else
        md << "\nUniversal Scalability Law, X(N) = λN / (1 + σ(N − 1) + κN(N − 1)), fitted by least squares: λ = " << fixed(u["lambda"], 1)
           << " [" << fixed(u["lambda_low"], 1) << ", " << fixed(u["lambda_high"], 1) << "] tasks/s, σ = " << fixed(u["sigma"], 4) << " ["
           << fixed(u["sigma_low"], 4) << ", " << fixed(u["sigma_high"], 4) << "], κ = " << fixed(u["kappa"], 5) << " [" << fixed(u["kappa_low"], 5)
           << ", " << fixed(u["kappa_high"], 5) << "] (95% intervals); throughput peaks at N = "
           << (u["peak_n"].is_number() ? fixed(u["peak_n"], 1) + " (" + fixed(u["peak_throughput"], 0) + " tasks/s)" : u["peak_n"].get<std::string>())
           << (u["converged"].get<bool>() ? "" : " — the fit did not converge") << ".\n";
    }
    if (e.contains("vertical")) {
      const auto& v = e["vertical"];
      if (v.contains("skipped")) md << "\nVertical (1 vs 2 cores): skipped — " << v["skipped"].get<std::string>() << ".\n";
      else {
        md << "\nVertical: two engine processes pinned to one core (sched_setaffinity) " << fixed(v["one_core"], 1) << " tasks/s, to two cores "
           << fixed(v["two_cores"], 1) << " tasks/s (means over " << v.value("one_core_rounds", json::array()).size()
           << " alternating rounds; the model server and the broker are not pinned)";
        if (v.contains("speedup"))
          md << "; speed-up " << fixed(v["speedup"]["point"], 2)
             << (v["speedup"].contains("low") ? " [" + fixed(v["speedup"]["low"], 2) + ", " + fixed(v["speedup"]["high"], 2) + "]" : std::string())
             << " (" << v["speedup"]["method"].get<std::string>() << ")";
        md << ".\n";
      }
    }
    if (e.contains("broker_compaction")) {
      const auto& k = e["broker_compaction"];
      md << "\nBefore the failure phases the earlier phases' entries were trimmed from the broker ("
         << k.value("task_entries_removed", std::int64_t{0}) << " tasks" << (k.value("task_stream_trimmed", false) ? "" : ": not trimmed, tasks were still pending")
         << ", " << k.value("result_entries_removed", std::int64_t{0}) << " results) and its append-only file rewritten in "
         << fixed(k.value("rewrite_s", 0.0), 2) << " s, so that the restart replays the broker's working state, not the whole run.\n";
    }
    for (const char* key : {"broker_restart", "engine_kill"})
      if (e.contains(key) && !e[key].empty()) {
        const auto& d = e[key];
        md << "\n" << d.value("kind", std::string(key)) << ": at " << fixed(d.value("killed_at_s", 0.0), 2) << " s into its phase";
        if (d.contains("restarted_after_s")) md << ", restarted " << fixed(d["restarted_after_s"], 2) << " s later (append-only file, fsync always)";
        if (d.contains("first_result_after_s")) md << "; the first result after it " << fixed(d["first_result_after_s"], 2) << " s after the kill";
        if (d.contains("pending_at_kill")) md << "; it held " << d["pending_at_kill"] << " delivered, unacknowledged tasks";
        if (d.contains("pending_reclaimed_s")) md << "; the dead consumer's pending tasks all taken over " << fixed(d["pending_reclaimed_s"], 2) << " s after the kill";
        md << ". Recovery: " << (d.contains("recovery_s") ? fixed(d["recovery_s"], 2) + " s" : std::string("**not measured**")) << ".\n";
      }
    if (e.contains("broker_alone"))
      md << "\nThe broker alone (" << e["broker_alone"]["note"].get<std::string>() << "): XADD " << fixed(e["broker_alone"]["xadd_per_s"], 0)
         << "/s, XREADGROUP + XACK in batches of 100 " << fixed(e["broker_alone"]["consume_ack_per_s"], 0) << "/s. The bus alone (core::MessageBus, "
         << e["bus_alone"]["subscribers"] << " subscribers, publisher's thread): " << fixed(e["bus_alone"]["published_per_s"], 0)
         << " publications/s, " << fixed(e["bus_alone"]["deliveries_per_s"], 0) << " deliveries/s.\n";
    md << "\nAcross machines: point every engine at one Redis (`legion-bench stress-engine --redis-port`, with the broker's address "
          "instead of loopback — see docs/stress.md); the stream, group and reclaiming are the same.\n";
  }
  if (a.extra.contains("model_faults")) {
    const auto& mf = a.extra["model_faults"];
    md << "\n## Resilience to model-server faults\n\n"
          "Each system ran the scenario in its own worker process (the runner), against the model server with 30% of requests "
          "faulted by one kind at a time, and with the client's retries at 2 (`max_retries=2`, the OpenAI SDK's default, which "
          "LangChain's ChatOpenAI and AutoGen's OpenAIChatCompletionClient inherit; CrewAI passes it to LiteLLM; the native "
          "engine's client retries 429, 5xx and transport errors with exponential back-off). Extra calls and tokens are per task, "
          "against the same system's fault-free median; recovery is the extra wall time of a task that needed more calls than "
          "that median.\n\n| fault | system | correct | tasks with extra calls | extra calls / task | extra tokens / task | recovery "
          "median s | recovery max s | errors |\n|---|---|---|---|---|---|---|---|---|\n";
    std::vector<std::string> order = {"none", "http_429", "http_500", "timeout", "malformed_json", "truncated_stream"};
    for (auto it = mf.begin(); it != mf.end(); ++it)
      if (std::find(order.begin(), order.end(), it.key()) == order.end()) order.push_back(it.key());
    for (const auto& kind : order) {
      if (!mf.contains(kind)) continue;
      const auto it = mf.find(kind);
      for (auto st = it.value()["systems"].begin(); st != it.value()["systems"].end(); ++st) {
        const auto& x = st.value();
        std::string errors;
        for (auto e = x["errors"].begin(); e != x["errors"].end(); ++e) errors += std::to_string(e.value().get<int>()) + " × " + e.key() + "; ";
        md << "| " << it.key() << (it.value().value("stream", false) ? " (streamed)" : "") << " | " << st.key() << " | " << x["correct"]
           << "/" << x["tasks"] << " | " << x["tasks_with_extra_calls"] << " | " << fixed(x["extra_calls_per_task"], 2) << " | "
           << fixed(x["extra_tokens_per_task"], 1) << " | " << (x.contains("recovery_median_s") ? fixed(x["recovery_median_s"], 2) : "–")
           << " | " << (x.contains("recovery_max_s") ? fixed(x["recovery_max_s"], 2) : "–") << " | " << md_cell(errors) << " |\n";
      }
    }
  }
  if (a.extra.contains("worker_kill")) {
    const auto& w = a.extra["worker_kill"];
    md << "\n## A worker killed with SIGKILL mid-task\n\n";
    if (!w.value("killed", false)) md << "No worker was found to kill.\n";
    else {
      md << "The native engine's worker process (pid " << w["pid"] << ") was killed with SIGKILL about 2.3 s into a run of "
         << w["submitted"] << " tasks under the `realistic` latency profile (a task takes about a second). " << w["tasks"]
         << " tasks recorded (" << w["correct"] << " correct, " << w["failed"] << " failed), " << w["lost"] << " lost. ";
      if (w.contains("recovery_s")) md << "Recovery (SIGKILL to the next correct answer, from a fresh worker): " << fixed(w["recovery_s"], 2) << " s.";
      else md << "**No recovery** observed.";
      md << " Failure reasons:";
      for (const auto& r : w["failure_reasons"]) md << " \"" << md_cell(r) << "\";";
      md << "\n";
    }
  }
  if (a.extra.contains("disk_full")) {
    const auto& d = a.extra["disk_full"];
    md << "\n## Disk full for the results store\n\n";
    if (d.contains("skipped")) md << "**Skipped**: " << md_cell(d["skipped"].get<std::string>()) << ".\n";
    else {
      const auto count = [](const json& l, const char* key) { return std::to_string(l.value(key, std::int64_t{0})); };
      const auto& before = d.value("before", json::object());
      const auto& after = d["after"];
      md << "The phase `disk-full` wrote its ledger to this store and to a copy on a " << d["tmpfs_size"].get<std::string>()
         << " tmpfs; at a quarter of its " << d["tasks"] << " tasks the tmpfs was filled (" << count(d, "filled_bytes")
         << " bytes), at three quarters freed. "
         << (d.contains("write_error_after_s") ? "The copy's first write error, kept and reported, came " + fixed(d["write_error_after_s"], 2) +
                                                    " s after the fill: \"" + md_cell(d["first_write_error"].get<std::string>()) + "\". "
                                              : std::string("**No write error** was seen after the fill. "))
         << "The run went on: " << count(d, "completed") << " of " << count(d, "submitted") << " tasks completed, " << count(d, "failed")
         << " failed, " << count(d, "lost") << " lost (the run's ledger). Before the fill the copy held " << count(before, "submitted")
         << " tasks (" << count(before, "completed") << " completed); after freeing it held " << count(after, "submitted") << " ("
         << count(after, "completed") << " completed, " << count(after, "open") << " open): "
         << (d.value("preserved", false) ? "nothing written before was lost" : "**rows written before the fill are missing**") << ", "
         << (d.value("copy_matches_ledger", false) ? "the same as the run's ledger" : "**not the same as the run's ledger**")
         << ". SQLite's integrity check: " << md_cell(d["integrity"].get<std::string>()) << ". "
         << (d.contains("recovery_s") ? "Recovery (space freed to the held-back events committed): " + fixed(d["recovery_s"], 2) + " s. "
                                      : std::string("**No recovery** after the space was freed. "))
         << "`legion-bench report` on the copy " << (d.value("report_published", false) ? "published it" : "**did not publish it**") << ".\n";
      if (d.contains("filler_error")) md << "\n**The phase broke off**: " << md_cell(d["filler_error"].get<std::string>()) << ".\n";
    }
  }
  md << broker_faults_markdown(a.extra);
  md << "\n## Files\n\n`stress.json` (everything above), `stress_phases.csv`, `stress_seconds.csv` (one row a second: agents, rate, "
        "throughput, errors, queue depth, latency percentiles, and /proc's RSS, CPU, threads and file descriptors of the system's "
        "process and the model server's), `stress.html` (the figures, and every phase's charts in an appendix), `stress.pdf` (the figures without the appendix)"
     << pdf_note << ", and the store `results.sqlite` (`legion-bench report DIR` publishes from it, also after a crash).\n";
  return md.str();
}

// The run's page: its report (the Markdown as it reads before the PDF is printed, with no note about
// it), the figures after the criteria, and every phase's charts in an appendix that the dashboard
// shows and the PDF leaves out. Figures are numbered from `figure`, tables from `table`.
std::string html(const StressRun& a, const detail::SystemColour& colour, const std::vector<const StressRun*>& over_time, int& figure, int& table) {
  std::ostringstream o;
  o << "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Stress test results: "
    << html_escape(a.config["suite"]) << "</title><style>body{font-family:sans-serif;max-width:980px;margin:2em auto;padding:0 1em}"
       "table{border-collapse:collapse;font-size:12px;margin:0.5em 0}td,th{border:1px solid #ccc;padding:2px 5px;vertical-align:top}"
       "caption{text-align:left;font-size:13px;color:#5b6472}svg.chart{width:100%;height:auto}"
       ".grid{stroke:#ddd}.axis{font-size:10px;fill:#555}.title{font-size:12px;font-weight:bold}pre{white-space:pre-wrap}"
       "h2,h3{break-after:avoid}figure.stress{margin:1em 0;break-inside:avoid}figure.stress figcaption{font-size:13px;color:#5b6472}"
       "@media print{.phase-detail{display:none}}</style></head><body>\n<h1>Stress test results: " << html_escape(a.config["suite"]) << "</h1>\n";
  // The figures go after the criteria: before the report's second section.
  const auto md = markdown(a, "");
  auto split = md.find("\n## ");
  split = split == std::string::npos ? md.size() : md.find("\n## ", split + 1);
  if (split == std::string::npos) split = md.size();
  detail::markdown_html(o, md.substr(0, split), 2, table);
  if (const auto figures = detail::stress_figures(a, colour, over_time); !figures.empty()) {
    o << "<h2>Figures</h2>\n" << detail::figures_html(figures, figure);
    figure += static_cast<int>(figures.size());
  }
  detail::markdown_html(o, md.substr(split), 2, table);
  o << "<section class=\"phase-detail\"><h2>Appendix: each phase's charts</h2><p>Every phase's per-second samples, four charts a "
       "phase; this page shows them, the PDF leaves them out.";
  std::vector<std::string> unsampled;
  for (const auto& p : a.phases)
    if (p["samples"].size() < 3) unsampled.push_back(p["name"]);
  if (!unsampled.empty()) {
    o << " Too short for per-second charts (their figures are in the tables): ";
    for (std::size_t i = 0; i < unsampled.size(); ++i) o << (i ? "; " : "") << html_escape(unsampled[i]);
    o << ".";
  }
  o << "</p>\n";
  for (const auto& p : a.phases) {
    if (p["samples"].size() < 3) continue;
    o << "<h3>" << html_escape(p["name"]) << "</h3><p>" << html_escape(p["spec"]["description"]) << "</p>\n";
    std::vector<std::pair<double, double>> done, failed, p50, p99, p999, rss, srv, queue, agents;
    for (const auto& s : p["samples"]) {
      const double t = s["t_s"];
      done.emplace_back(t, s["completed"]);
      failed.emplace_back(t, s["failed"]);
      p50.emplace_back(t, s["p50_us"].get<double>() / 1000);
      p99.emplace_back(t, s["p99_us"].get<double>() / 1000);
      p999.emplace_back(t, s["max_us"].get<double>() / 1000);
      rss.emplace_back(t, s["system"]["rss_mb"]);
      srv.emplace_back(t, s["server"]["rss_mb"]);
      queue.emplace_back(t, s["queue_depth"]);
      agents.emplace_back(t, s["agents"]);
    }
    o << svg_chart("Throughput per second", "tasks/s", {{"completed", done}, {"failed", failed}})
      << svg_chart("Latency from the intended start, per second", "ms", {{"p50", p50}, {"p99", p99}, {"max", p999}})
      << svg_chart("Resident memory", "MB", {{"system under test", rss}, {"model server", srv}})
      << svg_chart("Queue depth and agents", "tasks / agents", {{"queued", queue}, {"agents", agents}});
  }
  o << "</section></body></html>\n";
  return o.str();
}

std::string csv_number(const json& v) { return v.is_number_float() ? fixed(v.get<double>(), 4) : v.dump(); }


void write_phases_csv(std::ostream& phases, const StressRun& a) {
  phases << "phase,system,load_class,agents,submitted,completed,failed,lost,error_rate,elapsed_s,throughput,p50_us,p90_us,p95_us,p99_us,p999_us,"
            "max_us,peak_queue_depth,peak_rss_mb\n";
  for (const auto& p : a.phases) {
    const auto& x = p["analysis"];
    const auto& l = x["latency"];
    auto g = [&](const char* k) { return l.contains(k) ? csv_number(l[k]) : std::string(); };
    phases << csv_cell(p["name"].get<std::string>()) << "," << csv_cell(p["spec"].value("system", std::string())) << ","
           << csv_cell(p["spec"]["load_class"].get<std::string>()) << "," << x["peak_agents"] << "," << x["submitted"] << "," << x["completed"] << ","
           << x["failed"] << "," << x["lost"] << "," << csv_number(x["error_rate"]) << "," << csv_number(x["elapsed_s"]) << ","
           << csv_number(x["throughput"]) << "," << g("p50_us") << "," << g("p90_us") << "," << g("p95_us") << "," << g("p99_us") << ","
           << g("p999_us") << "," << g("max_us") << "," << x["peak_queue_depth"] << "," << csv_number(x["peak_rss_mb"]) << "\n";
  }
}

void write_seconds_csv(std::ostream& secs, const StressRun& a) {
  secs << "phase,t_s,agents,target_rate,submitted,completed,failed,queue_depth,in_flight,p50_us,p90_us,p99_us,max_us,rss_mb,cpu,threads,fds,"
          "server_rss_mb,server_cpu\n";
  for (const auto& p : a.phases)
    for (const auto& s : p["samples"])
      secs << csv_cell(p["name"].get<std::string>()) << "," << csv_number(s["t_s"]) << "," << s["agents"] << "," << csv_number(s["target_rate"])
           << "," << s["submitted"] << "," << s["completed"] << "," << s["failed"] << "," << s["queue_depth"] << "," << s["in_flight"] << ","
           << s["p50_us"] << "," << s["p90_us"] << "," << s["p99_us"] << "," << s["max_us"] << "," << csv_number(s["system"]["rss_mb"]) << ","
           << csv_number(s["system"]["cpu"]) << "," << s["system"]["threads"] << "," << s["system"]["fds"] << ","
           << csv_number(s["server"]["rss_mb"]) << "," << csv_number(s["server"]["cpu"]) << "\n";
}

}  // namespace

const Document<StressRun>& stress_document() {
  static const Document<StressRun> document{
      "stress",
      "a stress run (legion-bench --suite load|spike|endurance|scalability|failure): criteria, phases, recovery, trends",
      {{"markdown", "md", "STRESS_TEST_RESULTS.md", "the seeds' criteria, the phases' latency and ledger, recovery, trends and the suite's own results",
        [](std::ostream& out, const StressRun& run) { out << markdown(run, run.pdf_note); }},
       {"json", "json", "stress.json", "everything in the report, as analysed",
        [](std::ostream& out, const StressRun& run) { out << json_text(to_json(run), 2) << "\n"; }},
       {"phases", "csv", "stress_phases.csv", "one row per phase", write_phases_csv},
       {"seconds", "csv", "stress_seconds.csv", "one row a second: load, latency and /proc of the system and the model server", write_seconds_csv},
       {"html", "html", "stress.html", "the report with its figures, and every phase's charts in an appendix (left out of the PDF)",
        [](std::ostream& out, const StressRun& run) {
          int figure = 1, table = 0;
          out << html(run, detail::colours_in_order(detail::stress_systems({&run})), {&run}, figure, table);
        }}},
      "stress.pdf"};
  return document;
}

std::vector<std::filesystem::path> write_stress_reports(const std::filesystem::path& dir, StressRun run) {
  // Every file but the Markdown first (the PDF prints the HTML), then the Markdown, which says
  // whether the PDF was made.
  const auto& document = stress_document();
  auto artifacts = write_document(dir, document, run, "json,csv,html,pdf");
  for (const auto& [file, why] : artifacts.missing)
    if (file == document.pdf_file) run.pdf_note = " (not written: " + why + ")";
  artifacts.add(write_document(dir, document, run, "md"));
  for (const auto& [file, why] : artifacts.missing)
    if (file != document.pdf_file) throw std::runtime_error(why);
  std::vector<std::filesystem::path> written;
  for (const auto& f : artifacts.written) written.push_back(dir / f);
  return written;
}

namespace {

// "# X" -> "## X" and so on, outside code blocks.
std::string demote(const std::string& md) {
  std::istringstream in(md);
  std::ostringstream out;
  bool code = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("```")) code = !code;
    out << (!code && line.starts_with("#") ? "#" + line : line) << "\n";
  }
  return out.str();
}

}  // namespace

namespace {

// PERFORMANCE_TUNING.md: recommendations, each derived from a measured figure of a named run.
void write_tuning(std::ostream& md, const StressRuns& all) {
  const auto& runs = all.runs;
  md << "# Performance tuning\n\nRecommendations derived from the stress runs in STRESS_TEST_RESULTS.md; each names the run and the "
        "figure it comes from. They hold for the machine those runs were made on "
     << (runs.empty() ? std::string() : "(" + runs.front().config["machine"].value("cpu", std::string("?")) + ", " +
                                           std::to_string(runs.front().config["machine"].value("cores", 0)) + " cores)")
     << "; rerun the suites on yours.\n\n";
  int n = 0;
  auto item = [&](const StressRun& run, const std::string& text) {
    md << ++n << ". " << text << " *(run `" << run.run_id << "`, suite " << run.config["suite"].get<std::string>() << ")*\n";
  };
  // Each endurance phase's leak verdict, by phase name, over every run: runs of one system that disagree say so.
  struct LeakVerdict {
    std::string run_id;
    bool leak;
    double seconds;
  };
  std::map<std::string, std::vector<LeakVerdict>> leaks;
  for (const auto& r : runs)
    for (const auto& p : r.phases)
      if (p["analysis"].contains("trends"))
        leaks[p["name"].get<std::string>()].push_back({r.run_id, p["analysis"]["leak"].get<bool>(), p["analysis"].value("elapsed_s", 0.0)});
  for (const auto& r : runs) {
    const auto& phases = r.phases;
    // Concurrency levels (load): each system's levels on their own (a run may have several systems taking turns).
    std::vector<std::pair<std::string, std::vector<json>>> by_system;
    for (const auto& p : r.analysis.load_levels ? phases : json::array()) {
      const auto system = p["spec"].value("system", std::string());
      auto it = std::find_if(by_system.begin(), by_system.end(), [&](const auto& e) { return e.first == system; });
      if (it == by_system.end()) by_system.emplace_back(system, std::vector<json>{p});
      else it->second.push_back(p);
    }
    for (const auto& [system, levels] : by_system) {
      const std::string who = by_system.size() > 1 ? system + ": " : "";
      const auto& first = levels.front()["analysis"];
      const double base = first["latency"].value("p99_us", 0.0);
      std::string within, beyond;
      double best_tput = 0;
      for (const auto& p : levels) {
        const auto& a = p["analysis"];
        best_tput = std::max(best_tput, a["peak_second_throughput"].get<double>());
        const bool ok = a["latency"].value("p99_us", 0.0) <= 2 * base && a["error_rate"].get<double>() < 0.001;
        const auto text = p["name"].get<std::string>() + " (p99 " + ms(a["latency"].value("p99_us", 0.0)) + " ms, " + pct(a["error_rate"]) + " errors)";
        if (!beyond.empty()) continue;  // the first level past the limit is the one named
        (ok ? within : beyond) = text;
      }
      if (!within.empty())
        item(r, who + "Concurrency: up to **" + within + "** the p99 stays within 2× the lightest level's (" + ms(base) +
                    " ms) with errors below 0.1%." + (beyond.empty() ? " No level went beyond that: the limit lies above the largest level measured." : " Beyond it, " + beyond + "."));
      else item(r, who + "Concurrency: errors of 0.1% or more already at the lightest level, " + beyond + ".");
      item(r, who + "Throughput: the most tasks completed in one second was " + fixed(best_tput, 0) +
                  "; the levels asked for at most " + fixed(levels.back()["spec"]["start_rate"].get<double>(), 0) +
                  " tasks/s, so they measure latency under load, not the ceiling (see the scalability and spike runs for that).");
    }
    for (const auto& p : phases) {
        const auto& a = p["analysis"];
        if (!a.contains("recovery")) continue;
        const auto& rc = a["recovery"];
        if (rc.contains("p99_left_baseline_at_s")) {
          const double t = rc["p99_left_baseline_at_s"];
          int agents = 0;
          double rate = 0;
          for (const auto& s : p["samples"])
            if (std::abs(s["t_s"].get<double>() - t) < 0.01) agents = s["agents"], rate = s["target_rate"];
          // Was it the rate, or the agents being added? The median p99 while the peak was held says.
          const auto& st = p["spec"]["stages"];
          double hold_from = 0, hold_to = 0;
          if (st.size() >= 3) {
            hold_from = st[0]["seconds"].get<double>() + st[1]["seconds"].get<double>();
            hold_to = hold_from + st[2]["seconds"].get<double>();
          }
          std::vector<double> held;
          for (const auto& sm : p["samples"])
            if (sm["t_s"].get<double>() > hold_from + 1 && sm["t_s"].get<double>() <= hold_to && sm["p99_us"].get<double>() > 0) held.push_back(sm["p99_us"]);
          const double held_p99 = held.empty() ? 0 : stats::median(held);
          const bool ramp = !held.empty() && held_p99 <= rc["factor"].get<double>() * rc["baseline_p99_us"].get<double>();
          item(r, "p99 first left " + fixed(rc["factor"], 1) + "× its baseline (" + ms(rc["baseline_p99_us"]) + " ms) at t = " + fixed(t, 0) +
                      " s, with " + std::to_string(agents) + " agents at " + fixed(rate, 0) + " tasks/s asked for. " +
                      (ramp ? "While the peak was held (" + std::to_string(p["spec"]["stages"][2]["agents"].get<int>()) + " agents, " +
                                  fixed(p["spec"]["stages"][2]["rate"], 0) + " tasks/s) the median per-second p99 was " + ms(held_p99) +
                                  " ms, within the factor: the cost is in adding agents (threads, event loops, connections), not in the "
                                  "rate — start agents ahead of a known peak."
                            : "While the peak was held the median per-second p99 was " + ms(held_p99) +
                                  " ms: keep sustained arrivals below the peak's rate, or add capacity before it."));
        } else
          item(r, "p99 never left " + fixed(rc["factor"], 1) + "× its baseline during the ramp to 100 agents and 500 tasks/s: that load fits this machine.");
        if (rc.contains("recovery_s"))
          item(r, "After " + std::to_string(p["spec"]["bursts"][0]["count"].get<std::int64_t>()) + " tasks queued at once the p99 was back within " +
                      fixed(rc["factor"], 1) + "× the baseline in " + fixed(rc["recovery_s"], 1) +
                      " s: size timeouts upstream of the engine above that, or the burst turns into errors.");
      }
    for (const auto& p : phases) {
        const auto& a = p["analysis"];
        if (!a.contains("trends")) continue;
        const auto& rss = a["trends"][0];
        const auto name = p["name"].get<std::string>();
        // Other runs of this phase with the opposite verdict. One at least twice as long decides;
        // runs of comparable length that disagree settle nothing.
        const double seconds = a.value("elapsed_s", 0.0);
        std::string others, longer;
        bool all_shorter = true;
        for (const auto& other : leaks[name])
          if (other.run_id != r.run_id && other.leak != a["leak"].get<bool>()) {
            others += (others.empty() ? "run `" : ", run `") + other.run_id + "` (" + fixed(other.seconds, 0) + " s)";
            if (other.seconds >= 2 * seconds && longer.empty()) longer = "run `" + other.run_id + "` (" + fixed(other.seconds, 0) + " s)";
            all_shorter = all_shorter && 2 * other.seconds <= seconds;
          }
        const std::string found = std::string(a["leak"].get<bool>() ? "a **leak**" : "no leak") + " over " + fixed(seconds, 0) + " s (RSS slope " +
                                  (rss.contains("slope_per_hour") ? fixed(rss["slope_per_hour"], 2) + " MB/h" : std::string("not estimated")) + ")";
        if (!longer.empty()) {
          item(r, name + ": this run found " + found + ", the longer " + longer + " the opposite, and the longer run decides: see its item.");
          continue;
        }
        if (!others.empty() && !all_shorter) {
          item(r, name + ": the runs disagree — this one found " + found + ", " + others +
                      " the opposite: neither settles it; run the suite for hours (--duration) and decide on that run.");
          continue;
        }
        if (!others.empty()) item(r, name + ": shorter runs found the opposite (" + others + "); this run, at least twice as long, decides.");
        item(r, name + ": " + std::string(a["leak"].get<bool>() ? "a **leak** was found" : "no leak") + " over " + fixed(a["elapsed_s"], 0) + " s: RSS slope " +
                    (rss.contains("slope_per_hour") ? fixed(rss["slope_per_hour"], 2) + " MB/h [" + fixed(rss["low_per_hour"], 2) + ", " +
                                                          fixed(rss["high_per_hour"], 2) + "]"
                                                    : std::string("not estimated")) +
                    (a["leak"].get<bool>() ? ": restart the process before the projected growth matters, and find the leak."
                                           : ": no periodic restart is needed on this evidence; run the suite for hours (--duration) before relying on days."));
      }
    {  // scalability
      const auto& e = r.extra;
      if (e.contains("usl") && !e["usl"].contains("error")) {
        const auto& u = e["usl"];
        item(r, u["peak_n"].is_number()
                    ? "Engine processes: the USL fit (σ = " + fixed(u["sigma"], 3) + ", κ = " + fixed(u["kappa"], 4) + ") peaks at N = " +
                          fixed(u["peak_n"], 1) + ": run no more than " + std::to_string(static_cast<int>(std::ceil(u["peak_n"].get<double>()))) +
                          " engine processes against one broker on a machine like this; beyond it throughput falls."
                    : "Engine processes: the USL fit found no retrograde term (κ ≤ 0, σ = " + fixed(u["sigma"], 3) +
                          "): throughput levels off rather than falling; add processes only while the table shows gains.");
      }
      if (e.contains("horizontal") && !e["horizontal"].empty()) {
        double best = 0, best_n = 1;
        for (const auto& l : e["horizontal"])
          if (l["throughput"].get<double>() > best) best = l["throughput"], best_n = l["engines"];
        item(r, "The most throughput measured was " + fixed(best, 0) + " tasks/s with " + fixed(best_n, 0) + " engine process(es).");
      }
      if (e.contains("vertical") && !e["vertical"].contains("skipped"))
        item(r, "Cores: two engine processes did " + fixed(e["vertical"]["one_core"], 0) + " tasks/s on one core and " +
                    fixed(e["vertical"]["two_cores"], 0) + " on two" +
                    (e["vertical"].contains("speedup") ? " (speed-up " + fixed(e["vertical"]["speedup"]["point"], 2) + ")" : std::string()) + ".");
      if (e.contains("broker_alone")) {
        double best = 0;
        for (const auto& l : e.value("horizontal", json::array())) best = std::max(best, l["throughput"].get<double>());
        const double xadd = e["broker_alone"]["xadd_per_s"];
        item(r, "The broker alone took " + fixed(xadd, 0) + " XADD/s one command at a time and " + fixed(e["broker_alone"]["consume_ack_per_s"], 0) +
                    " reads + acknowledgements/s in batches of 100 (one connection, fsync always). " +
                    (xadd < best ? "Unpipelined XADDs are slower than the engines' best rate (" + fixed(best, 0) +
                                       " tasks/s): a producer must pipeline or batch them (the suite's sends 100 per round trip), and engines "
                                       "should read more than one entry per XREADGROUP when tasks are this short."
                                 : std::string("That is above the engines' best rate, so the broker is not the limit here.")));
      }
    }
    if (r.extra.contains("model_faults")) {  // failure
      std::map<std::string, std::vector<std::string>> weak;
      for (auto it = r.extra["model_faults"].begin(); it != r.extra["model_faults"].end(); ++it)
        for (auto st = it.value()["systems"].begin(); st != it.value()["systems"].end(); ++st)
          if (st.value()["correct_share"].get<double>() < 1.0)
            weak[st.key()].push_back(it.key() + " " + std::to_string(st.value()["correct"].get<int>()) + "/" + std::to_string(st.value()["tasks"].get<int>()));
      for (const auto& [system, kinds] : weak) {
        std::string list;
        for (const auto& k : kinds) list += (list.empty() ? "" : ", ") + k;
        item(r, system + " answered fewer than all tasks correctly under " + list +
                    " (correct/tasks) with max_retries=2: where these faults occur, retry the whole agent step on a parse error or an "
                    "answer that fails validation, and raise max_retries where 429/5xx come in runs." +
                    (system == "native" ? " The native client waits its own 50 ms back-off and ignores Retry-After; honouring it would "
                                          "spread retries the way the frameworks' clients do."
                                        : ""));
      }
    }
  }
  if (n == 0) md << "No run gave figures to derive a recommendation from.\n";
}

}  // namespace

StressRuns combine_stress(std::vector<StressRun> runs) {
  // One criteria table over every run, matched by name (a run with several systems has the load
  // criteria once per system): a criterion fails when it failed in any run, passes when it passed in
  // one and failed in none.
  StressRuns out;
  std::vector<std::string> names;
  for (const auto& r : runs)
    for (const auto& c : r.criteria)
      if (std::find(names.begin(), names.end(), c.criterion) == names.end()) names.push_back(c.criterion);
  for (const auto& name : names) {
    std::optional<StressCriterion> c;
    std::string status = "not measured", measured, from;
    for (const auto& r : runs)
      for (const auto& x : r.criteria) {
        if (x.criterion != name) continue;
        if (!c) c = x;
        if (x.status == "not measured") continue;
        if (x.status == "fail" || status == "not measured") status = status == "fail" ? "fail" : x.status;
        const std::string suite = r.config["suite"];
        measured += (measured.empty() ? "" : "; ") + suite + ": " + x.measured + " (" + x.status + ")";
        from += (from.empty() ? "" : "; ") + suite + ": " + x.from;
      }
    // A criterion no run measured is left out when it is measured per system ("NAME (native)").
    if (status == "not measured" && std::any_of(names.begin(), names.end(), [&](const std::string& n) { return n.starts_with(name + " ("); }))
      continue;
    c->status = status;
    c->measured = measured.empty() ? "no run measured it" : measured;
    c->from = from;
    out.criteria.push_back(*c);
  }
  out.runs = std::move(runs);
  return out;
}

namespace {

// The combined report's opening: what it is and the criteria over every run.
void write_stress_combined_opening(std::ostream& md, const StressRuns& all) {
  md << "# Stress test results\n\nThe stress suites of legion-bench (docs/stress.md), one section per run below, each with the command "
        "that made it. Latency is measured from each task's intended start (open loop, no coordinated omission) and kept in HDR "
        "histograms; every task id is in the store's ledger from submission to its end. Each section starts with the command "
        "that made it; this file is written from the runs' stores by `legion-bench report RUN_DIR... --out DIR`, with "
        "PERFORMANCE_TUNING.md beside it.\n\n"
        "## The seeds' success criteria, over every run\n\n| criterion | target | result | measured | from |\n|---|---|---|---|---|\n";
  criteria_rows(md, all.criteria);
}

void write_stress_combined_markdown(std::ostream& md, const StressRuns& all) {
  write_stress_combined_opening(md, all);
  for (const auto& r : all.runs) md << "\n" << demote(markdown(r, ""));
}

void write_stress_combined_json(std::ostream& out, const StressRuns& all) {
  json criteria = json::array(), runs = json::array();
  for (const auto& c : all.criteria)
    criteria.push_back({{"criterion", c.criterion}, {"target", c.target}, {"status", c.status}, {"measured", c.measured}, {"from", c.from}});
  for (const auto& r : all.runs) runs.push_back(to_json(r));
  out << json_text(json{{"criteria", criteria}, {"runs", runs}}, 2) << "\n";
}

// Each run's page, its body only, under the first one's style.
void write_stress_combined_html(std::ostream& page, const StressRuns& all) {
  page << "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Stress test results</title></head><body>";
  std::vector<const StressRun*> runs;
  for (const auto& r : all.runs) runs.push_back(&r);
  const auto colour = detail::colours_in_order(detail::stress_systems(runs));
  int figure = 1, table = 0;
  std::ostringstream opening;
  write_stress_combined_opening(opening, all);
  page << "<h1>Stress test results</h1>\n";
  detail::markdown_html(page, opening.str(), 2, table);
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const auto& r = *runs[k];
    auto one = html(r, colour, detail::over_time_with(runs, k), figure, table);
    const auto b = one.find("<body>"), e = one.rfind("</body>");
    if (b != std::string::npos && e != std::string::npos) page << one.substr(b + 6, e - b - 6);
    if (&r == &all.runs.front()) {
      const auto st = one.find("<style>"), se = one.find("</style>");
      if (st != std::string::npos) page << one.substr(st, se - st + 8);
    }
  }
  page << "</body></html>\n";
}

}  // namespace

const Document<StressRuns>& stress_combined_document() {
  static const Document<StressRuns> document{
      "stress-combined",
      "several stress runs (legion-bench report RUN_DIR... --out DIR): the seeds' criteria across them, then each run's report",
      {{"markdown", "md", "STRESS_TEST_RESULTS.md", "the criteria over every run, then each run's report", write_stress_combined_markdown},
       {"json", "json", "stress.json", "the criteria over every run and each run as analysed", write_stress_combined_json},
       {"html", "html", "stress.html", "each run's charts and report", write_stress_combined_html}},
      "stress.pdf"};
  return document;
}

const Document<StressRuns>& performance_tuning_document() {
  static const Document<StressRuns> document{
      "performance-tuning",
      "recommendations from stress runs, each naming the run and the figure it comes from",
      {{"markdown", "md", "PERFORMANCE_TUNING.md", "one numbered recommendation per measured figure", write_tuning}},
      {}};
  return document;
}

std::vector<std::filesystem::path> write_stress_combined(const std::filesystem::path& dir, const StressRuns& runs) {
  // In the order they always came: the results, the recommendations, then the JSON, the page and its PDF.
  Artifacts artifacts = write_document(dir, stress_combined_document(), runs, "md");
  artifacts.add(write_document(dir, performance_tuning_document(), runs));
  artifacts.add(write_document(dir, stress_combined_document(), runs, "json,html,pdf"));
  for (const auto& [file, why] : artifacts.missing)
    if (file != stress_combined_document().pdf_file) throw std::runtime_error(why);
  std::vector<std::filesystem::path> written;
  for (const auto& f : artifacts.written) written.push_back(dir / f);
  return written;
}

}  // namespace legion::report
