// BENCHMARK_RESULTS.md: the run's summary written from the numbers, its method, the tables per
// scenario and the threats to validity. Everything from outside is escaped for Markdown.
#include <algorithm>
#include <iomanip>
#include <set>
#include <sstream>

#include "format.hpp"
#include "findings.hpp"
#include "tables.hpp"
#include "legion/report/escape.hpp"
#include "legion/report/reporters.hpp"
#include "legion/report/concurrency.hpp"
#include "legion/report/sweep.hpp"
#include "legion/stats/descriptive.hpp"

namespace legion::report {
namespace {

using detail::fixed;
using detail::overhead;
using detail::sig3;

std::string md(std::string_view text) { return markdown_escape(text); }

}  // namespace

namespace {

std::string interval(const std::optional<stats::Estimate>& e) {
  if (!e) return "—";
  return sig3(e->point) + " [" + sig3(e->lower) + ", " + sig3(e->upper) + "]";
}

// The opening paragraph, written from the numbers.
void write_summary(std::ostream& out, const RunResults& r) {
  const auto level = detail::level_percent(r.options.level);
  std::size_t runs = 0, correct = 0, errors = 0;
  for (const auto& s : r.summaries) runs += s.runs, correct += s.correct, errors += s.errors;
  out << "## Summary\n\n";
  std::set<std::string> scenarios, systems;
  for (const auto& s : r.summaries) scenarios.insert(s.scenario), systems.insert(s.system);
  out << systems.size() << " system(s) ran " << scenarios.size() << " scenario(s); " << correct << " of " << runs
      << " measured runs answered correctly";
  if (errors > 0) out << ", " << errors << " failed with an error";
  out << ".";
  std::size_t unsupported = 0;
  for (const auto& s : r.summaries) unsupported += s.unsupported ? 1 : 0;
  if (unsupported > 0)
    out << " " << unsupported << " scenario/system pair(s) were not run because the system has no construct for "
        << "the scenario's pattern (listed under Unsupported).";
  if (r.suite.empty()) {
    out << " Only " << (systems.empty() ? std::string("no system") : markdown_code_span(*systems.begin()))
        << " ran, so there are no ratios between systems in this report.";
  }
  for (const auto& ratio : r.suite) {
    std::size_t slower = 0, faster = 0, same = 0;
    for (const auto& s : r.summaries) {
      if (s.system != ratio.system || !s.p_adjusted || !s.ratio_to_baseline) continue;
      if (*s.p_adjusted >= r.options.alpha) ++same;
      else if (s.ratio_to_baseline->point > 1) ++slower;
      else ++faster;
    }
    out << " Across " << ratio.scenarios << " scenario(s), " << markdown_code_span(ratio.system) << " took "
        << sig3(ratio.geometric_mean.point) << "× the wall time of " << markdown_code_span(ratio.baseline)
        << " (geometric mean of median ratios, " << level << " bootstrap interval " << sig3(ratio.geometric_mean.lower) << "–"
        << sig3(ratio.geometric_mean.upper) << "); significantly slower on " << slower << ", faster on " << faster
        << ", no significant difference on " << same << " (Mann–Whitney U, " << correction_name(r.options) << "-adjusted, α = " << detail::plain(r.options.alpha) << ").";
  }
  // Fastest system per scenario (by median wall time), when more than one system ran.
  if (systems.size() > 1) {
    std::string listing;
    for (const auto& scenario : scenarios) {
      const CellSummary* fastest = nullptr;
      for (const auto& s : r.summaries)
        if (s.scenario == scenario && s.wall_ms.n > 0 && (!fastest || s.wall_ms.median < fastest->wall_ms.median)) fastest = &s;
      if (!fastest) continue;
      listing += std::string(listing.empty() ? "" : "; ") + md(scenario) + ": " + markdown_code_span(fastest->system) + " (" +
                 sig3(fastest->wall_ms.median) + " ms)";
    }
    if (!listing.empty()) out << " Fastest median wall time per scenario — " << listing << ".";
  }
  double best = 0;
  std::string best_cell;
  for (const auto& s : r.summaries)
    if (s.overhead_ms.n > 0 && (best_cell.empty() || s.overhead_per_call_us < best))
      best = s.overhead_per_call_us, best_cell = markdown_code_span(s.system) + " on " + md(s.scenario);
  if (!best_cell.empty())
    out << " The lowest median framework overhead per LLM call was " << sig3(best) << " µs (" << best_cell << ").";
  out << "\n";
}

// Cold start as the runner saw it (fork to ready), the parts the system itself timed, its memory
// once ready, and its first task (which builds whatever the system builds per scenario) next to
// the median of the same scenario's measured tasks.
void write_cold_start(std::ostream& out, const RunResults& r) {
  const auto& c = r.context;
  std::set<std::string> part_names;
  for (const auto& [system, parts] : c.cold_start_parts)
    for (const auto& [part, ns] : parts) part_names.insert(part);
  const std::vector<std::string> order = {"interpreter", "import", "construct"};
  std::vector<std::string> parts;
  for (const auto& p : order)
    if (part_names.erase(p)) parts.push_back(p);
  parts.insert(parts.end(), part_names.begin(), part_names.end());

  out << "\n## Cold start\n\nTime from forking a worker process to its system being ready for the first task, "
         "measured once per run by the runner; the parts are what the system's preparation spent (Python: starting "
         "the interpreter in the framework's virtual environment, importing the framework, constructing the model "
         "client). The first task follows separately: it also builds the agents for its scenario, which later "
         "tasks reuse.\n\n| system | cold start (ms) |";
  for (const auto& p : parts) out << " " << md(p) << " (ms) |";
  out << " RSS when ready (MB) | first task | first task (ms) | same scenario, median of measured (ms) |\n|---|---:|";
  for (std::size_t i = 0; i < parts.size(); ++i) out << "---:|";
  out << "---:|---|---:|---:|\n";
  auto systems = r.systems();
  for (const auto& [system, ns] : c.cold_start_ns)  // a system whose worker never ran a task
    if (std::find(systems.begin(), systems.end(), system) == systems.end()) systems.push_back(system);
  for (const auto& system : systems) {
    const auto started = c.cold_start_ns.find(system);
    if (started == c.cold_start_ns.end()) continue;
    const auto ns = started->second;
    out << "| " << md(system) << " | " << (ns < 0 ? std::string("failed to start") : sig3(static_cast<double>(ns) / 1e6)) << " |";
    const auto own = c.cold_start_parts.find(system);
    for (const auto& p : parts) {
      std::optional<std::int64_t> value;
      if (own != c.cold_start_parts.end())
        if (auto it = own->second.find(p); it != own->second.end()) value = it->second;
      out << " " << (value ? sig3(static_cast<double>(*value) / 1e6) : "—") << " |";
    }
    auto rss = c.ready_rss_bytes.find(system);
    out << " " << (rss == c.ready_rss_bytes.end() ? "—" : fixed(static_cast<double>(rss->second) / (1024.0 * 1024.0), 1)) << " |";
    const RunRecord* first = nullptr;
    for (const auto& rec : r.records)
      if (rec.system == system && !rec.unsupported && !rec.error) {
        first = &rec;
        break;
      }
    const CellSummary* warm = nullptr;
    for (const auto& s : r.summaries)
      if (first && s.system == system && s.scenario == first->scenario) warm = &s;
    if (first)
      out << " " << md(first->scenario) << " | " << sig3(static_cast<double>(first->wall_ns) / 1e6) << " | "
          << (warm && warm->wall_ms.n > 0 ? sig3(warm->wall_ms.median) : "—") << " |\n";
    else
      out << " — | — | — |\n";
  }
}

// The oracle counts every token; systems that keep their own count are checked against it.
void write_token_check(std::ostream& out, const RunResults& r) {
  std::map<std::string, std::pair<std::size_t, std::size_t>> by_system;  // runs compared, mismatches
  std::set<std::string> silent;
  for (const auto& s : r.summaries) {
    if (s.unsupported || s.runs == s.errors) continue;
    if (!s.reported_prompt_tokens) {
      silent.insert(s.system);
      continue;
    }
    by_system[s.system].first += s.runs - s.errors;
    by_system[s.system].second += s.token_mismatches;
  }
  if (by_system.empty() && silent.empty()) return;
  out << "\n## Token counts: the systems' own against the model server's\n\n";
  for (const auto& system : r.systems()) {
    if (!by_system.contains(system)) continue;
    const auto& counts = by_system[system];
    out << "- " << markdown_code_span(system) << ": ";
    if (counts.second == 0) {
      out << "its own count equals the server's in all " << counts.first << " completed run(s).\n";
      continue;
    }
    out << "**differs from the server's in " << counts.second << " of " << counts.first << " completed run(s)**:";
    for (const auto& s : r.summaries)
      if (s.system == system && s.token_mismatches > 0)
        out << " " << md(s.scenario) << " reports " << sig3(*s.reported_prompt_tokens) << " prompt / "
            << sig3(s.reported_completion_tokens.value_or(0)) << " completion tokens against the server's "
            << sig3(s.prompt_tokens) << " / " << sig3(s.completion_tokens) << " (medians);";
    out << "\n";
  }
  for (const auto& system : silent)
    if (!by_system.contains(system)) out << "- " << markdown_code_span(system) << ": reports no token count of its own.\n";
}

// Headers and cells are the report's own text (numbers, with intervals in brackets), written as they are.
void write_markdown_table(std::ostream& out, const detail::Table& t) {
  out << "\n### " << md(t.title) << "\n\n" << md(t.caption) << "\n\n| scenario | system |";
  for (const auto& c : t.columns) out << " " << c.header << " |";
  out << "\n|---|---|";
  for (const auto& c : t.columns) out << (c.numeric ? "---:|" : "---|");
  out << "\n";
  for (const auto& row : t.rows) {
    out << "| " << md(row.scenario) << " | " << md(row.system) << " |";
    for (const auto& cell : row.cells) out << " " << cell.text << " |";
    out << "\n";
  }
}

// What each system was told that its framework would not do by default, and why (fairness rules).
void write_settings(std::ostream& out, const RunResults& r) {
  const auto& c = r.context;
  out << "\n## Settings that differ from the frameworks' defaults\n\n";
  bool any = false;
  for (const auto& system : r.systems())
    if (auto it = c.system_settings.find(system); it != c.system_settings.end() && !it->second.empty()) any = true;
  if (!any) {
    out << "None: every system ran with its framework's defaults apart from the model server's address.\n";
    return;
  }
  out << "As each system's adapter reported them; everything else is the framework's default.\n\n"
         "| system | setting | value, default and why |\n|---|---|---|\n";
  for (const auto& system : r.systems())
    if (auto it = c.system_settings.find(system); it != c.system_settings.end())
      for (const auto& [k, v] : it->second) out << "| " << md(system) << " | " << md(k) << " | " << md(v) << " |\n";
}

void write_machine_state(std::ostream& out, const RunContext& c) {
  const auto& m = c.machine;
  auto pct = [](double share) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(1) << share * 100 << "%";
    return s.str();
  };
  out << "Machine state: load average " << std::fixed << std::setprecision(2) << m.load_1m_start << std::defaultfloat
      << " at the start; during the run other processes used " << pct(m.foreign_cpu_share) << " of the CPU, steal "
      << pct(m.steal_share) << ", I/O wait " << pct(m.iowait_share) << "; governor "
      << (m.governor.empty() ? std::string("not readable") : md(m.governor)) << "; "
      << (m.pinning.empty() ? std::string("no CPU pinning") : md(m.pinning)) << ".";
  if (!m.busy_processes.empty()) {
    out << " Busy at the start:";
    for (const auto& p : m.busy_processes) out << " " << md(p) << ";";
  }
  out << "\n\n";
}

}  // namespace
void write_markdown(std::ostream& out, const RunResults& r) {
  const auto& c = r.context;
  const auto& o = r.options;
  const auto level = detail::level_percent(o.level);
  out << "# legion-bench results: suite " << markdown_code_span(c.suite) << "\n\n";
  if (c.interrupted) out << "**This run was interrupted; the tables cover what was measured before it stopped.**\n\n";
  for (const auto& [system, us] : c.injected_delay_us)
    out << "**Test run: a test-only delay of " << us << " µs per model call was injected into " << markdown_code_span(system)
        << "; its figures do not measure that system.**\n\n";
  if (!c.machine.warnings.empty()) {
    out << "**Noisy machine:** ";
    for (std::size_t i = 0; i < c.machine.warnings.size(); ++i) out << (i ? "; " : "") << md(c.machine.warnings[i]);
    out << ". Compare systems within this run only, and treat differences of a few percent with care.\n\n";
  }
  out << "Run " << markdown_code_span(c.run_id) << ", started " << md(c.started_at) << " on " << markdown_code_span(c.host) << " (" << md(c.cpu_model)
      << ", " << c.cores << " cores), build type " << md(c.build_type) << ", revision " << markdown_code_span(c.git_revision) << ".\n\n";
  write_summary(out, r);
  out << "\n## Method\n\nLatency profile " << markdown_code_span(c.latency_profile) << "; ";
  if (c.target_relative_ci > 0)
    out << "repetitions chosen adaptively per scenario and system: at least " << c.repetitions
        << ", then more until the 95% t interval of the mean wall time is within ±" << c.target_relative_ci * 100
        << "% of the mean, at most " << c.max_repetitions;
  else
    out << c.repetitions << " measured repetitions per scenario and system";
  out << " after " << c.warmup
      << " warm-up run(s) (recorded in results.json, not summarised); systems interleaved within each repetition, "
         "each in its own worker process; "
      << c.concurrency << " concurrent task(s) per record; planted values seeded from " << c.seed
      << ". Centre: median with a BCa bootstrap " << level << " interval (" << detail::thousands(o.resamples)
      << " resamples, seed " << o.seed
      << "). Against the baseline: Hodges–Lehmann ratio of wall times on log scale with its interval, Mann–Whitney U "
         "p values "
      << correction_name(o) << "-adjusted across the run, Cliff's delta. Wall time is measured by the worker around one task; "
         "framework overhead is wall time minus the model server's service time for the same task's requests; peak "
         "RSS is the worker's high-water mark during the task; LLM calls and tokens are counted by the model server "
         "(o200k_base).\n\n";
  if (!c.variants.empty()) {
    out << "Systems from other builds or environments, or twins of a system:";
    for (const auto& [system, origin] : c.variants) out << " " << markdown_code_span(system) << " — " << md(origin) << ";";
    out << " such versions run interleaved repetition by repetition, so drift hits them alike.\n\n";
  }
  write_machine_state(out, c);
  out << "Reproduce:\n\n" << markdown_code_block(c.command) << "\n";
  out << "## Versions\n\n| component | version |\n|---|---|\n";
  for (const auto& [k, v] : c.versions) out << "| " << md(k) << " | " << md(v) << " |\n";
  if (!c.system_versions.empty()) {
    // Per system: each framework runs in its own environment, so one package can differ between them.
    out << "\nEach system's components, as its own worker reported them from its own environment (results.json: "
           "`system_versions`):\n\n| system | component | version |\n|---|---|---|\n";
    for (const auto& system : r.systems())
      if (auto it = c.system_versions.find(system); it != c.system_versions.end())
        for (const auto& [k, v] : it->second) out << "| " << md(system) << " | " << md(k) << " | " << md(v) << " |\n";
  }
  std::string environments;
  for (const auto& system : r.systems())
    if (auto it = c.system_packages.find(system); it != c.system_packages.end() && !it->second.empty())
      environments += std::string(environments.empty() ? "" : ", ") + md(system) + " " + std::to_string(it->second.size());
  if (!environments.empty())
    out << "\nEvery installed package of each environment, with its version, is in results.json (`system_packages`; "
        << environments << " packages).\n";
  write_settings(out, r);
  if (!c.cold_start_ns.empty()) write_cold_start(out, r);
  out << "\n## Results\n\nOne table per theme; within each, scenarios in the order they ran and systems in one "
         "fixed order (the baseline first, then as listed on the command line).\n";
  for (const auto& table : detail::result_tables(r)) write_markdown_table(out, table);
  if (!r.suite.empty()) {
    out << "\n## Suite-wide\n\n| system | baseline | scenarios | geometric mean of wall-time ratios [" << level
        << " CI] |\n|---|---|---:|---|\n";
    for (const auto& s : r.suite)
      out << "| " << md(s.system) << " | " << md(s.baseline) << " | " << s.scenarios << " | "
          << interval(std::optional<stats::Estimate>(s.geometric_mean)) << " |\n";
  }
  write_concurrency_markdown(out, concurrency_levels(r));
  write_token_check(out, r);
  bool any_unsupported = false;
  for (const auto& s : r.summaries)
    if (s.unsupported) {
      if (!any_unsupported)
        out << "\n## Unsupported\n\nScenarios a system has no construct for. The adapter says so; nothing is "
               "measured or counted for these pairs.\n\n";
      any_unsupported = true;
      out << "- " << md(s.scenario) << " / " << md(s.system) << ": " << md(*s.unsupported) << "\n";
    }
  bool any_error = false;
  for (const auto& s : r.summaries)
    for (const auto& e : s.error_messages) {
      if (!any_error) out << "\n## Failures\n\nFailures are results: they stay in the counts above.\n\n";
      any_error = true;
      out << "- " << md(s.scenario) << " / " << md(s.system) << ": " << md(e) << "\n";
    }
  for (const auto& s : r.summaries)
    if (s.correct < s.runs - s.errors) {
      if (!any_error) out << "\n## Failures\n\n";
      any_error = true;
      out << "- " << md(s.scenario) << " / " << md(s.system) << ": " << (s.runs - s.errors - s.correct)
          << " run(s) finished with an answer that lacks planted values (see `answer` in results.json)\n";
    }
  write_sweep_markdown(out, sweep_trends(r));
  if (const auto measured = compare_runs_with_published({&r}); !measured.verdicts.empty()) {
    out << "\n## Published figures this run measures\n\n" << md(measured.method)
        << "\n\n| published figure | published | measured here | verdict |\n|---|---:|---:|---|\n";
    for (const auto& v : measured.verdicts)
      out << "| " << md(v.id) << " | " << md(v.published) << " | " << md(v.measured) << " | " << md(v.verdict) << " |\n";
  }
  out << "\n## Threats to validity\n\n"
         "- One shared machine: figures from different runs or machines are not comparable; compare systems within one "
         "run (they are interleaved so that drift hits all alike). "
      << (c.noise_floor.empty() ? std::string("Run-to-run drift on this machine is not calibrated (`legion-bench calibrate`).")
                                : "Run-to-run drift on this machine: " + md(c.noise_floor) + ".")
      << "\n"
         "- Overhead includes the loopback HTTP exchange with the model server (the same for every system); the "
         "server's own service time is subtracted, its HTTP parsing is not.\n";
  if (c.latency_profile == "zero")
    out << "- Latency profile `zero`: the figures are framework overhead only; with a real model the model's time "
           "dominates (use `--latency realistic`).\n";
  if (c.repetitions < 10 && c.target_relative_ci <= 0)
    out << "- Few repetitions (" << c.repetitions << "): intervals are wide and tests have little power.\n";
  out << "- Prompt-token counts with tools follow a documented approximation (OpenAI's chat formula plus the tool "
         "definitions as JSON), identical for every system.\n";
}

}  // namespace legion::report

namespace legion::report {

void write_combined_markdown(std::ostream& out, const std::vector<const RunResults*>& runs,
                             const std::vector<PublishedComparison>& published) {
  out << "# LEGION benchmark report\n\nOne document over " << runs.size() << (runs.size() == 1 ? " run:" : " runs:");
  for (const auto* run : runs) out << " suite " << markdown_code_span(run->context.suite) << " (run " << markdown_code_span(run->context.run_id) << ");";
  out << " each section below is that run's own report.\n\n## Executive summary\n";
  for (const auto* run : runs) {
    out << "\n### Suite " << markdown_code_span(run->context.suite) << ", run " << markdown_code_span(run->context.run_id) << ", latency profile "
        << markdown_code_span(run->context.latency_profile) << "\n\n";
    for (const auto& f : detail::key_findings(*run)) out << "- **" << md(f.topic) << ".** " << md(f.text) << "\n";
  }
  // (Each run's own report below lists the published figures that run measures.)
  if (!published.empty()) out << "\n## Published numbers\n";
  for (const auto& c : published) {
    out << "\n### " << md(c.title) << "\n\n" << md(c.method) << "\n\n" << markdown_code_block(c.command)
        << "\n| published figure | published | measured here | verdict |\n|---|---:|---:|---|\n";
    for (const auto& v : c.verdicts)
      out << "| " << md(v.id) << " | " << md(v.published) << " | " << md(v.measured) << " | " << md(v.verdict) << " |\n";
  }
  for (const auto* run : runs) {
    std::ostringstream one;
    write_markdown(one, *run);
    std::istringstream lines(one.str());
    out << "\n## Suite " << markdown_code_span(run->context.suite) << " — run " << markdown_code_span(run->context.run_id) << "\n";
    // The run's own report, one heading level down.
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("# ")) continue;
      if (line.starts_with("##")) line = "#" + line;
      out << line << "\n";
    }
  }
}

}  // namespace legion::report
