// BENCHMARK_RESULTS.md: the run's summary written from the numbers, its method, the tables per
// scenario and the threats to validity. Everything from outside is escaped for Markdown.
#include <algorithm>
#include <iomanip>
#include <set>
#include <sstream>

#include "blocks.hpp"
#include "format.hpp"
#include "sections.hpp"
#include "tables.hpp"
#include "legion/report/escape.hpp"
#include "legion/report/reporters.hpp"
#include "legion/report/concurrency.hpp"
#include "legion/report/sweep.hpp"
#include "legion/stats/descriptive.hpp"

namespace legion::report {
namespace {

using detail::Block;
using detail::code;
using detail::fixed;
using detail::item;
using detail::outside;
using detail::own;
using detail::paragraph;
using detail::Section;
using detail::sig3;
using detail::strong;
using detail::Text;

std::string interval(const std::optional<stats::Estimate>& e) {
  if (!e) return "—";
  return sig3(e->point) + " [" + sig3(e->lower) + ", " + sig3(e->upper) + "]";
}

// The title and what a reader must know before any number.
Section front(const RunResults& r) {
  const auto& c = r.context;
  Section s{"front", "", {}};
  s.blocks.push_back(detail::heading(1, {own("legion-bench results: suite "), code(c.suite)}));
  if (c.interrupted) s.blocks.push_back(paragraph({strong(own("This run was interrupted; the tables cover what was measured before it stopped."))}));
  for (const auto& [system, us] : c.injected_delay_us)
    s.blocks.push_back(paragraph({strong(own("Test run: a test-only delay of " + std::to_string(us) + " µs per model call was injected into ")),
                                  strong(code(system)), strong(own("; its figures do not measure that system."))}));
  if (!c.machine.warnings.empty()) {
    Text noisy{strong(own("Noisy machine:")), own(" ")};
    for (std::size_t i = 0; i < c.machine.warnings.size(); ++i) noisy.push_back(own(i ? "; " : "")), noisy.push_back(outside(c.machine.warnings[i]));
    noisy.push_back(own(". Compare systems within this run only, and treat differences of a few percent with care."));
    s.blocks.push_back(paragraph(noisy));
  }
  s.blocks.push_back(paragraph({own("Run "), code(c.run_id), own(", started "), outside(c.started_at), own(" on "), code(c.host), own(" ("),
                                outside(c.cpu_model), own(", " + std::to_string(c.cores) + " cores), build type "), outside(c.build_type),
                                own(", revision "), code(c.git_revision), own(".")}));
  return s;
}

// A real-model run's opening paragraph: successes, not speed (its times are mostly the model's).
Section real_model_summary(const RunResults& r) {
  const auto& m = *r.real_model;
  std::size_t trials = 0, successes = 0;
  for (const auto& s : m.systems) trials += s.trials, successes += s.successes;
  std::set<std::string> scenarios;
  for (const auto& c : m.cells) scenarios.insert(c.scenario);
  return {"summary", "Summary",
          {paragraph({own(std::to_string(m.systems.size()) + " system(s) ran " + std::to_string(scenarios.size()) +
                          " scenario(s) against the real model "),
                      code(m.model.model), own(" ("), outside(m.model.endpoint_kind),
                      own("); " + std::to_string(successes) + " of " + std::to_string(trials) +
                          " trials succeeded. Its figures are in the Real model section, apart from any scripted-model result.")})}};
}

// The opening paragraph, written from the numbers.
Section summary(const RunResults& r) {
  if (r.real_model) return real_model_summary(r);
  const auto level = detail::level_percent(r.options.level);
  std::size_t runs = 0, correct = 0, errors = 0;
  for (const auto& s : r.summaries) runs += s.runs, correct += s.correct, errors += s.errors;
  std::set<std::string> scenarios, systems;
  for (const auto& s : r.summaries) scenarios.insert(s.scenario), systems.insert(s.system);
  std::string words = std::to_string(systems.size()) + " system(s) ran " + std::to_string(scenarios.size()) + " scenario(s); " +
                      std::to_string(correct) + " of " + std::to_string(runs) + " measured runs answered correctly";
  if (errors > 0) words += ", " + std::to_string(errors) + " failed with an error";
  words += ".";
  std::size_t unsupported = 0;
  for (const auto& s : r.summaries) unsupported += s.unsupported ? 1 : 0;
  if (unsupported > 0)
    words += " " + std::to_string(unsupported) + " scenario/system pair(s) were not run because the system has no construct for "
             "the scenario's pattern (listed under Unsupported).";
  Text text{own(words)};
  if (r.suite.empty())
    detail::add(text, {own(" Only "), systems.empty() ? own("no system") : code(*systems.begin()),
                       own(" ran, so there are no ratios between systems in this report.")});
  for (const auto& ratio : r.suite) {
    std::size_t slower = 0, faster = 0, same = 0;
    for (const auto& s : r.summaries) {
      if (s.system != ratio.system || !s.p_adjusted || !s.ratio_to_baseline) continue;
      if (*s.p_adjusted >= r.options.alpha) ++same;
      else if (s.ratio_to_baseline->point > 1) ++slower;
      else ++faster;
    }
    detail::add(text, {own(" Across " + std::to_string(ratio.scenarios) + " scenario(s), "), code(ratio.system),
                       own(" took " + sig3(ratio.geometric_mean.point) + "× the wall time of "), code(ratio.baseline),
                       own(" (geometric mean of median ratios, " + level + " bootstrap interval " + sig3(ratio.geometric_mean.lower) + "–" +
                           sig3(ratio.geometric_mean.upper) + "); significantly slower on " + std::to_string(slower) + ", faster on " +
                           std::to_string(faster) + ", no significant difference on " + std::to_string(same) + " (Mann–Whitney U, " +
                           correction_name(r.options) + "-adjusted, α = " + detail::plain(r.options.alpha) + ").")});
  }
  // Fastest system per scenario (by median wall time), when more than one system ran.
  if (systems.size() > 1) {
    Text listing;
    for (const auto& scenario : scenarios) {
      const CellSummary* fastest = nullptr;
      for (const auto& s : r.summaries)
        if (s.scenario == scenario && s.wall_ms.n > 0 && (!fastest || s.wall_ms.median < fastest->wall_ms.median)) fastest = &s;
      if (!fastest) continue;
      detail::add(listing, {own(listing.empty() ? "" : "; "), outside(scenario), own(": "), code(fastest->system),
                            own(" (" + sig3(fastest->wall_ms.median) + " ms)")});
    }
    if (!listing.empty()) {
      text.push_back(own(" Fastest median wall time per scenario — "));
      detail::add(text, listing);
      text.push_back(own("."));
    }
  }
  const CellSummary* best = nullptr;
  for (const auto& s : r.summaries)
    if (s.overhead_ms.n > 0 && (!best || s.overhead_per_call_us < best->overhead_per_call_us)) best = &s;
  if (best)
    detail::add(text, {own(" The lowest median framework overhead per LLM call was " + sig3(best->overhead_per_call_us) + " µs" +
                           (best->floor_multiple ? ", " + sig3(best->floor_multiple->point) + "× the machine's floor (" : " (")),
                       code(best->system), own(" on "), outside(best->scenario), own(").")});
  return {"summary", "Summary", {paragraph(text)}};
}

Text machine_state(const RunContext& c) {
  const auto& m = c.machine;
  auto pct = [](double share) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(1) << share * 100 << "%";
    return s.str();
  };
  std::ostringstream load;
  load << std::fixed << std::setprecision(2) << m.load_1m_start;
  Text t{own("Machine state: load average " + load.str() + " at the start; during the run other processes used " +
             pct(m.foreign_cpu_share) + " of the CPU, steal " + pct(m.steal_share) + ", I/O wait " + pct(m.iowait_share) + "; governor "),
         m.governor.empty() ? own("not readable") : outside(m.governor), own("; "),
         m.pinning.empty() ? own("no CPU pinning") : outside(m.pinning), own(".")};
  if (!m.busy_processes.empty()) {
    t.push_back(own(" Busy at the start:"));
    for (const auto& p : m.busy_processes) detail::add(t, {own(" "), outside(p), own(";")});
  }
  return t;
}

// The machine's floor as the run probed it between its rounds (floor.hpp), or nothing without probes.
Text machine_floor(const MachineFloor& f) {
  if (f.probes.empty()) return {};
  // The medians of one measurement over the probes: "median (lowest–highest)".
  auto spread = [&](FloorTiming FloorProbe::*timing) {
    std::vector<double> medians;
    for (const auto& p : f.probes) medians.push_back((p.*timing).median_us);
    const auto [lo, hi] = std::minmax_element(medians.begin(), medians.end());
    return sig3(stats::median(medians)) + " µs (" + sig3(*lo) + "–" + sig3(*hi) + ")";
  };
  const auto probes = f.probes.size();
  return {own("The machine's floor, measured in the run's own time slice (a probe before each round and after the last: " + std::to_string(probes) +
              (probes == 1 ? " probe of " : " probes of ") + std::to_string(f.probes.front().exchanges) +
              " exchanges for each measurement; median over the probes, lowest–highest in brackets): the bare 512-byte loopback TCP "
              "round trip " + spread(&FloorProbe::loopback) + " with its two threads where the scheduler put them and " +
              spread(&FloorProbe::loopback_one_cpu) + " with both on one CPU; a keep-alive HTTP exchange with a server that does no work " +
              spread(&FloorProbe::http) + " and " + spread(&FloorProbe::http_one_cpu) + ". The floor is the faster placement's round trip, " +
              sig3(f.round_trip_us()) + " µs; overhead per LLM call is also stated as a multiple of it, which sets figures from "
              "different machines side by side. Where idle CPUs halt (virtual machines), a message to another CPU waits for it to "
              "wake, and a system's calls may cross faster than the probe's floating threads did.")};
}

Section method(const RunResults& r) {
  const auto& c = r.context;
  const auto& o = r.options;
  const auto level = detail::level_percent(o.level);
  std::ostringstream w;
  w << "; ";
  if (c.target_relative_ci > 0)
    w << "repetitions chosen adaptively per scenario and system: at least " << c.repetitions
      << ", then more until the 95% t interval of the mean wall time is within ±" << c.target_relative_ci * 100
      << "% of the mean, at most " << c.max_repetitions;
  else
    w << c.repetitions << " measured repetitions per scenario and system";
  w << " after " << c.warmup
    << " warm-up run(s) (recorded in results.json, not summarised); systems interleaved within each repetition, "
       "each in its own worker process; "
    << c.concurrency << " concurrent task(s) per record; planted values seeded from " << c.seed
    << ". Centre: median with a BCa bootstrap " << level << " interval (" << detail::thousands(o.resamples) << " resamples, seed " << o.seed
    << "). Against the baseline: Hodges–Lehmann ratio of wall times on log scale with its interval, Mann–Whitney U "
       "p values "
    << correction_name(o) << "-adjusted across the run, Cliff's delta. Wall time is measured by the worker around one task; "
       "framework overhead is wall time minus the time the model server was working on the same task's requests (the "
       "union of their service intervals, so calls in flight at once count once) and minus any wait for the scripted "
       "human; peak RSS is the worker's high-water mark during the task; "
    << (c.real_model ? "LLM calls are counted by the recording proxy and tokens are as the endpoint reported them."
                     : "LLM calls and tokens are counted by the model server (o200k_base).");
  // Records written before the model's busy time was kept fall back on the sum of service times.
  if (std::any_of(r.records.begin(), r.records.end(), [](const RunRecord& x) { return !x.warmup && !x.unsupported && !x.model_busy_ns; }))
    w << " Some records predate the model's busy time; their overhead subtracts the sum of the service times instead, "
         "which understates it where calls overlapped, and is not given for concurrent tasks.";
  Section s{"method", "Method", {c.real_model ? paragraph({own("A real model, at its own speed"), own(w.str())})
                                               : paragraph({own("Latency profile "), code(c.latency_profile), own(w.str())})}};
  if (c.real_model)
    s.blocks.push_back(paragraph({strong(own("A real model answered this run, not the scripted server:")),
                                  own(" the model's time is what the recording proxy timed inside each request, tokens are as the "
                                      "endpoint reported them, and no latency profile applies (Real model section).")}));
  if (!c.variants.empty()) {
    Text v{own("Systems from other builds or environments, or twins of a system:")};
    for (const auto& [system, origin] : c.variants) {
      detail::add(v, {own(" "), code(system), own(" — "), outside(origin)});
      if (const auto pipe = c.model_pipe_round_trip_ns.find(system); pipe != c.model_pipe_round_trip_ns.end()) {
        std::ostringstream rtt;
        rtt << std::fixed << std::setprecision(1) << static_cast<double>(pipe->second) / 1e3;
        detail::add(v, {own(", the pipe's round trip a median " + rtt.str() + " µs per model call, in its overhead")});
      }
      v.push_back(own(";"));
    }
    v.push_back(own(" such versions run interleaved repetition by repetition, so drift hits them alike."));
    s.blocks.push_back(paragraph(v));
  }
  s.blocks.push_back(paragraph(machine_state(c)));
  if (auto floor = machine_floor(c.floor); !floor.empty()) s.blocks.push_back(paragraph(floor));
  return s;
}

Section reproduce(const RunContext& c) { return {"reproduce", "", {paragraph({own("Reproduce:")}), detail::code_block(c.command)}}; }

Section versions(const RunResults& r) {
  const auto& c = r.context;
  std::vector<std::vector<Text>> rows;
  for (const auto& [k, v] : c.versions) rows.push_back({{outside(k)}, {outside(v)}});
  Section s{"versions", "Versions", {detail::table({{own("component")}, {own("version")}}, {false, false}, rows)}};
  if (!c.system_versions.empty()) {
    // Per system: each framework runs in its own environment, so one package can differ between them.
    s.blocks.push_back(paragraph({own("Each system's components, as its own worker reported them from its own environment (results.json: "),
                                  code("system_versions"), own("):")}));
    rows.clear();
    for (const auto& system : r.systems())
      if (auto it = c.system_versions.find(system); it != c.system_versions.end())
        for (const auto& [k, v] : it->second) rows.push_back({{outside(system)}, {outside(k)}, {outside(v)}});
    s.blocks.push_back(detail::table({{own("system")}, {own("component")}, {own("version")}}, {false, false, false}, rows));
  }
  for (const auto& system : r.systems())
    if (auto it = c.system_status.find(system); it != c.system_status.end())
      s.blocks.push_back(paragraph({strong(own("Project status of ")), strong(outside(system)), strong(own(":")), own(" "), outside(it->second)}));
  Text environments;
  for (const auto& system : r.systems())
    if (auto it = c.system_packages.find(system); it != c.system_packages.end() && !it->second.empty())
      detail::add(environments, {own(environments.empty() ? "" : ", "), outside(system), own(" " + std::to_string(it->second.size()))});
  if (!environments.empty()) {
    Text t{own("Every installed package of each environment, with its version, is in results.json ("), code("system_packages"), own("; ")};
    detail::add(t, environments);
    t.push_back(own(" packages)."));
    s.blocks.push_back(paragraph(t));
  }
  return s;
}

// What each system was told that its framework would not do by default, and why (fairness rules).
Section settings(const RunResults& r) {
  const auto& c = r.context;
  Section s{"settings", "Settings that differ from the frameworks' defaults", {}};
  std::vector<std::vector<Text>> rows;
  for (const auto& system : r.systems())
    if (auto it = c.system_settings.find(system); it != c.system_settings.end())
      for (const auto& [k, v] : it->second) rows.push_back({{outside(system)}, {outside(k)}, {outside(v)}});
  if (rows.empty()) {
    s.blocks.push_back(paragraph({own("None: every system ran with its framework's defaults apart from the model server's address.")}));
    return s;
  }
  s.blocks.push_back(paragraph({own("As each system's adapter reported them; everything else is the framework's default.")}));
  s.blocks.push_back(detail::table({{own("system")}, {own("setting")}, {own("value, default and why")}}, {false, false, false}, rows));
  return s;
}

// Cold start as the runner saw it (fork to ready), the parts the system itself timed, its memory
// once ready, and its first task (which builds whatever the system builds per scenario) next to
// the median of the same scenario's measured tasks.
Section cold_start(const RunResults& r) {
  const auto& c = r.context;
  std::set<std::string> part_names;
  for (const auto& [system, parts] : c.cold_start_parts)
    for (const auto& [part, ns] : parts) part_names.insert(part);
  const std::vector<std::string> order = {"interpreter", "import", "construct"};
  std::vector<std::string> parts;
  for (const auto& p : order)
    if (part_names.erase(p)) parts.push_back(p);
  parts.insert(parts.end(), part_names.begin(), part_names.end());

  std::vector<Text> header{{own("system")}, {own("cold start (ms)")}};
  std::vector<bool> numeric{false, true};
  for (const auto& p : parts) header.push_back({outside(p), own(" (ms)")}), numeric.push_back(true);
  for (const auto* h : {"RSS when ready (MB)", "first task", "first task (ms)", "same scenario, median of measured (ms)"}) header.push_back({own(h)});
  numeric.insert(numeric.end(), {true, false, true, true});
  std::vector<std::vector<Text>> rows;
  auto systems = r.systems();
  for (const auto& [system, ns] : c.cold_start_ns)  // a system whose worker never ran a task
    if (std::find(systems.begin(), systems.end(), system) == systems.end()) systems.push_back(system);
  for (const auto& system : systems) {
    const auto started = c.cold_start_ns.find(system);
    if (started == c.cold_start_ns.end()) continue;
    const auto ns = started->second;
    std::vector<Text> row{{outside(system)}, {own(ns < 0 ? std::string("failed to start") : sig3(static_cast<double>(ns) / 1e6))}};
    const auto mine = c.cold_start_parts.find(system);
    for (const auto& p : parts) {
      std::optional<std::int64_t> value;
      if (mine != c.cold_start_parts.end())
        if (auto it = mine->second.find(p); it != mine->second.end()) value = it->second;
      row.push_back({own(value ? sig3(static_cast<double>(*value) / 1e6) : "—")});
    }
    auto rss = c.ready_rss_bytes.find(system);
    row.push_back({own(rss == c.ready_rss_bytes.end() ? "—" : fixed(static_cast<double>(rss->second) / (1024.0 * 1024.0), 1))});
    const RunRecord* first = nullptr;
    for (const auto& rec : r.records)
      if (rec.system == system && !rec.unsupported && !rec.error) {
        first = &rec;
        break;
      }
    const CellSummary* warm = nullptr;
    for (const auto& s : r.summaries)
      if (first && s.system == system && s.scenario == first->scenario) warm = &s;
    if (first) {
      row.push_back({outside(first->scenario)});
      row.push_back({own(sig3(static_cast<double>(first->wall_ns) / 1e6))});
      row.push_back({own(warm && warm->wall_ms.n > 0 ? sig3(warm->wall_ms.median) : "—")});
    } else {
      for (int i = 0; i < 3; ++i) row.push_back({own("—")});
    }
    rows.push_back(std::move(row));
  }
  return {"cold-start", "Cold start",
          {paragraph({own("Time from forking a worker process to its system being ready for the first task, measured once per run by the "
                          "runner; the parts are what the system's preparation spent (Python: starting the interpreter in the framework's "
                          "virtual environment, importing the framework, constructing the model client). The first task follows "
                          "separately: it also builds the agents for its scenario, which later tasks reuse.")}),
           detail::table(header, numeric, rows)}};
}

// The result tables, as every format builds them (tables.hpp).
Section results(const RunResults& r) {
  Section s{"results", "Results",
            {paragraph({own("One table per theme; within each, scenarios in the order they ran and systems in one fixed order (the "
                            "baseline first, then as listed on the command line).")})}};
  for (const auto& t : detail::result_tables(r)) {
    s.blocks.push_back(detail::heading(3, {outside(t.title)}));
    s.blocks.push_back(paragraph({outside(t.caption)}));
    std::vector<Text> header{{own("scenario")}, {own("system")}};
    std::vector<bool> numeric{false, false};
    for (const auto& c : t.columns) header.push_back({own(c.header)}), numeric.push_back(c.numeric);
    std::vector<std::vector<Text>> rows;
    for (const auto& row : t.rows) {
      std::vector<Text> cells{{outside(row.scenario)}, {outside(row.system)}};
      for (const auto& cell : row.cells) cells.push_back({own(cell.text)});
      rows.push_back(std::move(cells));
    }
    s.blocks.push_back(detail::table(header, numeric, rows));
  }
  return s;
}

Section suite_wide(const RunResults& r) {
  std::vector<std::vector<Text>> rows;
  for (const auto& s : r.suite)
    rows.push_back({{outside(s.system)}, {outside(s.baseline)}, {own(std::to_string(s.scenarios))},
                    {own(interval(std::optional<stats::Estimate>(s.geometric_mean)))}});
  return {"suite-wide", "Suite-wide",
          {detail::table({{own("system")}, {own("baseline")}, {own("scenarios")},
                          {own("geometric mean of wall-time ratios [" + detail::level_percent(r.options.level) + " CI]")}},
                         {false, false, true, false}, rows)}};
}

// The oracle counts every token; systems that keep their own count are checked against it.
Section token_check(const RunResults& r) {
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
  Section out{"token-counts", "Token counts: the systems' own against the model server's", {}};
  for (const auto& system : r.systems()) {
    if (!by_system.contains(system)) continue;
    const auto& counts = by_system[system];
    Text t{code(system), own(": ")};
    if (counts.second == 0) {
      t.push_back(own("its own count equals the server's in all " + std::to_string(counts.first) + " completed run(s)."));
    } else {
      t.push_back(strong(own("differs from the server's in " + std::to_string(counts.second) + " of " + std::to_string(counts.first) +
                             " completed run(s)")));
      t.push_back(own(":"));
      for (const auto& s : r.summaries)
        if (s.system == system && s.token_mismatches > 0)
          detail::add(t, {own(" "), outside(s.scenario),
                          own(" reports " + sig3(*s.reported_prompt_tokens) + " prompt / " + sig3(s.reported_completion_tokens.value_or(0)) +
                              " completion tokens against the server's " + sig3(s.prompt_tokens) + " / " + sig3(s.completion_tokens) +
                              " (medians);")});
    }
    out.blocks.push_back(item(t, out.blocks.empty()));
  }
  for (const auto& system : silent)
    if (!by_system.contains(system)) out.blocks.push_back(item({code(system), own(": reports no token count of its own.")}, out.blocks.empty()));
  return out;
}

Section unsupported(const RunResults& r) {
  Section out{"unsupported", "Unsupported",
              {paragraph({own("Scenarios a system has no construct for. The adapter says so; nothing is measured or counted for these pairs.")})}};
  for (const auto& s : r.summaries)
    if (s.unsupported)
      out.blocks.push_back(item({outside(s.scenario), own(" / "), outside(s.system), own(": "), outside(*s.unsupported)}, out.blocks.size() == 1));
  return out;
}

Section failures(const RunResults& r) {
  Section out{"failures", "Failures", {}};
  std::vector<Block> items;
  for (const auto& s : r.summaries)
    for (const auto& e : s.error_messages)
      items.push_back(item({outside(s.scenario), own(" / "), outside(s.system), own(": "), outside(e)}, items.empty()));
  if (!items.empty()) out.blocks.push_back(paragraph({own("Failures are results: they stay in the counts above.")}));
  for (const auto& s : r.summaries)
    if (s.correct < s.runs - s.errors)
      items.push_back(item({outside(s.scenario), own(" / "), outside(s.system),
                            own(": " + std::to_string(s.runs - s.errors - s.correct) +
                                " run(s) finished with an answer that lacks planted values (see "),
                            code("answer"), own(" in results.json)")},
                           items.empty()));
  out.blocks.insert(out.blocks.end(), items.begin(), items.end());
  return out;
}

Section published(const PublishedComparison& measured) {
  std::vector<std::vector<Text>> rows;
  for (const auto& v : measured.verdicts)
    rows.push_back({{outside(v.id)}, detail::with_code(v.published), detail::with_code(v.measured), detail::with_code(v.verdict)});
  return {"published", "Published figures this run measures",
          {paragraph({outside(measured.method)}),
           detail::table({{own("published figure")}, {own("published")}, {own("measured here")}, {own("verdict")}}, {false, true, true, false},
                         rows)}};
}

Section threats(const RunContext& c) {
  Section s{"threats", "Threats to validity", {}};
  Text drift{own("One shared machine: figures from different runs or machines are not comparable; compare systems within one run (they "
                 "are interleaved so that drift hits all alike). ")};
  if (c.noise_floor.empty()) detail::add(drift, {own("Run-to-run drift on this machine is not calibrated ("), code("legion-bench calibrate"), own(").")});
  else detail::add(drift, {own("Run-to-run drift on this machine: "), outside(c.noise_floor), own(".")});
  s.blocks.push_back(item(drift, true));
  Text exchange{own("Overhead includes the loopback HTTP exchange with the model server (the same for every system); the server's "
                    "own service time is subtracted, its HTTP parsing is not.")};
  if (!c.floor.probes.empty())
    exchange.push_back(own(" The machine's floor in this run: " + sig3(c.floor.round_trip_us()) + " µs for the bare round trip and " +
                           sig3(c.floor.http_us()) + " µs for a no-work HTTP exchange (the faster of two placements, method); it moves with "
                           "the machine, its load and where the scheduler puts the two ends, so overhead from another machine compares as a "
                           "multiple of that machine's own floor, not in microseconds."));
  s.blocks.push_back(item(exchange, false));
  if (c.real_model)
    s.blocks.push_back(item({own("A real model's answers vary with the model, its settings and its server: success, tokens and cost "
                                 "hold for this model in this setting only, and no ranking follows where intervals overlap.")},
                            false));
  if (c.latency_profile == "zero" && !c.real_model)
    s.blocks.push_back(item({own("Latency profile "), code("zero"),
                             own(": the figures are framework overhead only; with a real model the model's time dominates (use "),
                             code("--latency realistic"), own(").")},
                            false));
  if (c.repetitions < 10 && c.target_relative_ci <= 0)
    s.blocks.push_back(item({own("Few repetitions (" + std::to_string(c.repetitions) + "): intervals are wide and tests have little power.")}, false));
  if (!c.real_model)
    s.blocks.push_back(item({own("Prompt-token counts with tools follow a documented approximation (OpenAI's chat formula plus the tool "
                                 "definitions as JSON), identical for every system.")},
                            false));
  return s;
}

}  // namespace

namespace detail {

std::vector<Section> run_sections(const RunResults& r) {
  std::vector<Section> out{front(r), summary(r), method(r), reproduce(r.context), versions(r), settings(r)};
  if (!r.context.cold_start_ns.empty()) out.push_back(cold_start(r));
  // A real-model run's records never appear in the scripted-model tables: its own section stands in their place.
  if (r.real_model) out.push_back(real_model_section(*r.real_model, r.options));
  else out.push_back(results(r));
  if (!r.suite.empty() && !r.real_model) out.push_back(suite_wide(r));
  if (!r.concurrency.empty()) out.push_back(concurrency_section(r.concurrency));
  if (auto t = token_check(r); !t.blocks.empty()) out.push_back(std::move(t));
  if (auto u = unsupported(r); u.blocks.size() > 1) out.push_back(std::move(u));
  if (auto f = failures(r); !f.blocks.empty()) out.push_back(std::move(f));
  if (auto t = traces_section(r); !t.blocks.empty()) out.push_back(std::move(t));
  if (!r.sweeps.empty()) out.push_back(sweep_section(r.sweeps));
  if (!r.published.verdicts.empty()) out.push_back(published(r.published));
  out.push_back(threats(r.context));
  return out;
}

}  // namespace detail

void write_markdown(std::ostream& out, const RunResults& r) { detail::write_markdown(out, detail::run_sections(r)); }

}  // namespace legion::report

namespace legion::report {
namespace {
std::string md(std::string_view text) { return markdown_escape(text); }
}  // namespace

void write_combined_markdown(std::ostream& out, const std::vector<const RunResults*>& runs,
                             const std::vector<PublishedComparison>& published) {
  out << "# LEGION benchmark report\n\nOne document over " << runs.size() << (runs.size() == 1 ? " run:" : " runs:");
  for (const auto* run : runs) out << " suite " << markdown_code_span(run->context.suite) << " (run " << markdown_code_span(run->context.run_id) << ");";
  out << " each section below is that run's own report.\n\n## Executive summary\n";
  for (const auto* run : runs) {
    out << "\n### Suite " << markdown_code_span(run->context.suite) << ", run " << markdown_code_span(run->context.run_id) << ", latency profile "
        << markdown_code_span(run->context.latency_profile) << "\n\n";
    for (const auto& f : run->findings) out << "- **" << md(f.topic) << ".** " << md(f.text) << "\n";
  }
  if (const auto pairs = real_beside_scripted(runs); !pairs.empty()) detail::write_markdown(out, detail::real_beside_scripted_section(pairs));
  // (Each run's own report below lists the published figures that run measures.)
  if (!published.empty()) out << "\n## Published numbers\n";
  for (const auto& c : published) {
    out << "\n### " << md(c.title) << "\n\n" << md(c.method) << "\n\n" << markdown_code_block(c.command)
        << "\n| published figure | published | measured here | verdict |\n|---|---:|---:|---|\n";
    for (const auto& v : c.verdicts)
      out << "| " << md(v.id) << " | " << md(v.published) << " | " << md(v.measured) << " | " << md(v.verdict) << " |\n";
  }
  for (const auto* run : runs) {
    out << "\n## Suite " << markdown_code_span(run->context.suite) << " — run " << markdown_code_span(run->context.run_id) << "\n";
    detail::write_markdown(out, detail::run_sections(*run), 1);  // the run's own report, one heading level down
  }
}

}  // namespace legion::report
