#include "legion/report/compare.hpp"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>

#include "legion/report/escape.hpp"
#include "legion/report/pairwise.hpp"
#include "legion/stats/compare.hpp"
#include "legion/stats/descriptive.hpp"

namespace legion::report {
namespace {

using nlohmann::json;

std::string percent(double ratio) {
  std::ostringstream s;
  s << std::showpos << std::fixed << std::setprecision(1) << (ratio - 1) * 100 << "%";
  return s.str();
}

std::string share(double x) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(x < 0.1 ? 1 : 0) << x * 100 << "%";
  return s.str();
}

std::string number(double v) {
  std::ostringstream s;
  s << std::setprecision(4) << v;
  return s.str();
}

std::vector<double> logs(const std::vector<double>& xs) {
  std::vector<double> out;
  for (double x : xs) {
    if (!(x > 0)) throw std::invalid_argument("a ratio on log scale needs positive values");
    out.push_back(std::log(x));
  }
  return out;
}

void check_metric(const CompareOptions& options) {
  if (options.metric != "wall" && options.metric != "overhead" && options.metric != "cpu")
    throw std::invalid_argument("unknown metric '" + options.metric + "' (expected wall, overhead or cpu)");
  if (!(options.alpha > 0 && options.alpha < 1)) throw std::invalid_argument("--alpha must be within (0, 1)");
  if (!(options.threshold >= 0)) throw std::invalid_argument("--threshold must be 0 or more");
  if (options.margin && !(*options.margin > 0)) throw std::invalid_argument("--margin must be positive");
}

// Holm across the tested cells (the paired and the runs designs; the single design's pairwise
// comparison corrects its own).
void adjust(RunComparison& out, const std::vector<std::size_t>& tested) {
  std::vector<double> p_values;
  for (auto i : tested) p_values.push_back(out.changes[i].p_value);
  auto adjusted = stats::holm(p_values);
  for (std::size_t k = 0; k < tested.size(); ++k) out.changes[tested[k]].p_adjusted = adjusted[k];
}

// The verdict of each tested cell: a change is called when it is significant and its interval
// lies beyond both the threshold and the noise floor (symmetric on log scale); significant but
// within the floor is said as such.
void decide(RunComparison& out, const std::vector<std::size_t>& tested) {
  const auto& o = out.options;
  for (std::size_t k = 0; k < tested.size(); ++k) {
    auto& c = out.changes[tested[k]];
    const bool significant = c.p_adjusted < o.alpha;
    const double bound = std::max(o.threshold, c.floor);
    const bool beyond_threshold = c.ratio->lower > 1 + o.threshold || c.ratio->upper < 1 / (1 + o.threshold);
    if (significant && c.ratio->lower > 1 + bound) c.verdict = "slower";
    else if (significant && c.ratio->upper < 1 / (1 + bound)) c.verdict = "faster";
    else if (significant && beyond_threshold) {
      c.verdict = "within run-to-run drift";
      c.note = "significant, but within this machine's drift of ±" + share(c.floor) + " (" + out.floor_source + ")";
    } else if (c.equivalent) c.verdict = "equivalent";
    else c.verdict = "no significant difference";
  }
}

bool within_margin(const stats::Estimate& e, double margin) { return e.lower >= 1 / (1 + margin) && e.upper <= 1 + margin; }

void note_noise(RunComparison& out, const RunResults& run) {
  const auto& warnings = run.context.machine.warnings;
  if (warnings.empty()) return;
  std::string why;
  for (const auto& w : warnings) why += (why.empty() ? "" : "; ") + w;
  out.noisy_runs.push_back(run.context.run_id + ": " + why);
}

std::vector<std::pair<std::string, std::string>> cells_of(const RunResults& run) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& s : run.summaries) out.emplace_back(s.scenario, s.system);
  return out;
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
  return compare_runs(std::vector<RunResults>{old_run}, std::vector<RunResults>{new_run}, options);
}

RunComparison compare_runs(const std::vector<RunResults>& old_runs, const std::vector<RunResults>& new_runs,
                           const CompareOptions& options) {
  check_metric(options);
  if (old_runs.empty() || new_runs.empty()) throw std::invalid_argument("compare needs at least one run on each side");
  RunComparison out;
  out.options = options;
  const bool single = old_runs.size() == 1 && new_runs.size() == 1;
  out.design = single ? "single" : "runs";
  if (single)
    out.floor_source = options.calibration ? options.calibration->describe()
                                           : "not calibrated: ±" + share(kUncalibratedDrift) + " assumed, run legion-bench calibrate";
  for (const auto& r : old_runs) out.old_runs.push_back(r.context.run_id), note_noise(out, r);
  for (const auto& r : new_runs) out.new_runs.push_back(r.context.run_id), note_noise(out, r);
  if (!single && (old_runs.size() < 2 || new_runs.size() < 2))
    throw std::invalid_argument("with several runs, give at least 2 on each side (the run is the unit; one run has no spread)");

  std::vector<std::size_t> tested;
  struct SingleCell {
    std::size_t change;
    std::vector<double> after, before;
  };
  std::vector<SingleCell> single_cells;
  for (const auto& [scenario, system] : cells_of(new_runs.front())) {
    Change c;
    c.scenario = scenario;
    c.system = system;
    c.old_runs = old_runs.size();
    c.new_runs = new_runs.size();
    // Per side: every value, and each run's median.
    auto gather = [&](const std::vector<RunResults>& runs, std::vector<double>& all, std::vector<double>& medians) {
      for (const auto& run : runs) {
        auto v = metric_values(run, scenario, system, options.metric);
        if (v.empty()) continue;
        medians.push_back(stats::median(v));
        all.insert(all.end(), v.begin(), v.end());
      }
    };
    std::vector<double> before, after, before_medians, after_medians;
    gather(old_runs, before, before_medians);
    gather(new_runs, after, after_medians);
    c.old_n = before.size();
    c.new_n = after.size();
    const auto& have_old = single ? before : before_medians;
    const auto& have_new = single ? after : after_medians;
    if (have_old.size() < 2 || have_new.size() < 2) {
      c.verdict = "not comparable";
      c.note = before.empty() ? "not in the old run (or no successful record)"
               : single       ? "fewer than 2 successful records"
                              : "fewer than 2 runs with successful records on a side";
      out.changes.push_back(std::move(c));
      continue;
    }
    c.old_median = stats::median(before);
    c.new_median = stats::median(after);
    if (single) {  // compared below, all cells at once
      c.floor = options.calibration ? options.calibration->between_runs_floor(scenario, system) : kUncalibratedDrift;
      single_cells.push_back({out.changes.size(), std::move(after), std::move(before)});
      out.changes.push_back(std::move(c));
      continue;
    }
    try {
      // Runs as the unit: Welch's t on log run medians, its interval back on the ratio scale.
      auto la = logs(after_medians), lb = logs(before_medians);
      auto t = stats::welch_t(la, lb);
      const double diff = stats::mean(la) - stats::mean(lb);
      const double se = std::sqrt(std::pow(stats::stddev(la), 2) / static_cast<double>(la.size()) +
                                  std::pow(stats::stddev(lb), 2) / static_cast<double>(lb.size()));
      auto interval = [&](double level) {
        const double q = boost::math::quantile(boost::math::students_t(t.df), 1 - (1 - level) / 2);
        return stats::Estimate{std::exp(diff), std::exp(diff - q * se), std::exp(diff + q * se), level, true};
      };
      c.ratio = interval(options.level);
      c.p_value = t.p_value;
      if (options.margin) c.equivalent = within_margin(interval(1 - 2 * options.alpha), *options.margin);
      c.note = "runs as the unit: " + std::to_string(before_medians.size()) + " and " + std::to_string(after_medians.size()) + " runs";
      tested.push_back(out.changes.size());
    } catch (const std::invalid_argument& e) {
      c.verdict = "not comparable";
      c.note = e.what();
    }
    out.changes.push_back(std::move(c));
  }
  if (single) {
    // Repetitions against repetitions: the pairwise comparison every report makes (Mann–Whitney U,
    // Holm, Hodges–Lehmann ratio new/old).
    std::vector<SamplePair> pairs;
    for (const auto& cell : single_cells) pairs.push_back({cell.after, cell.before});
    StatisticsOptions statistics;
    statistics.alpha = options.alpha;
    statistics.level = options.level;
    const auto results = compare_pairs(pairs, statistics, Interval::ratio);
    for (std::size_t k = 0; k < single_cells.size(); ++k) {
      auto& c = out.changes[single_cells[k].change];
      const auto& p = results[k];
      if (!p.comparable()) {
        c.verdict = "not comparable";
        c.note = p.notes.empty() ? "" : p.notes.back();  // why there is no interval
        continue;
      }
      c.ratio = p.interval;
      c.p_value = p.p_value;
      c.p_adjusted = p.p_adjusted;
      if (options.margin) {
        try {
          c.equivalence_p = stats::tost(logs(single_cells[k].after), logs(single_cells[k].before), std::log1p(*options.margin),
                                        options.alpha)
                                .p_value;
          // Equivalence within a margin narrower than the drift cannot be shown from one run a side.
          c.equivalent = *c.equivalence_p < options.alpha && *options.margin >= c.floor;
          if (*c.equivalence_p < options.alpha && !c.equivalent)
            c.note = "equivalent within its run, but the margin is below this machine's drift of ±" + share(c.floor);
        } catch (const std::invalid_argument& e) {
          c.note = e.what();
        }
      }
      tested.push_back(single_cells[k].change);
    }
  } else {
    adjust(out, tested);
  }
  decide(out, tested);
  return out;
}

RunComparison compare_interleaved(const RunResults& run, const CompareOptions& options) {
  check_metric(options);
  RunComparison out;
  out.options = options;
  out.design = "interleaved";
  out.old_runs = out.new_runs = {run.context.run_id};
  out.floor_source = options.calibration ? options.calibration->describe() : "within-run floor not calibrated";
  note_noise(out, run);
  // Pair the first two systems that share a base name (NAME@A, NAME@B or NAME, NAME@B), in run order.
  std::map<std::string, std::vector<std::string>> by_base;
  std::vector<std::string> bases;
  for (const auto& system : run.context.systems) {
    auto base = system.substr(0, system.find('@'));
    if (!by_base.contains(base)) bases.push_back(base);
    by_base[base].push_back(system);
  }
  std::vector<std::size_t> tested;
  bool any_pair = false;
  for (const auto& base : bases) {
    const auto& versions = by_base[base];
    if (versions.size() < 2) continue;
    any_pair = true;
    const auto& old_system = versions[0];
    const auto& new_system = versions[1];
    for (const auto& scenario : run.context.scenarios) {
      Change c;
      c.scenario = scenario;
      c.system = old_system + " → " + new_system;
      auto pairs = paired_values(run, scenario, old_system, new_system, options.metric);
      c.old_n = c.new_n = pairs.size();
      if (pairs.size() < 2) {
        c.verdict = "not comparable";
        c.note = "fewer than 2 repetitions where both succeeded";
        out.changes.push_back(std::move(c));
        continue;
      }
      std::vector<double> before, after, d;
      for (const auto& [o, n] : pairs) {
        before.push_back(o);
        after.push_back(n);
      }
      c.old_median = stats::median(before);
      c.new_median = stats::median(after);
      try {
        auto lb = logs(before), la = logs(after);
        for (std::size_t i = 0; i < la.size(); ++i) d.push_back(la[i] - lb[i]);
        auto hl = stats::hodges_lehmann_paired(d, options.level);
        c.ratio = stats::Estimate{std::exp(hl.point), std::exp(hl.lower), std::exp(hl.upper), hl.level, hl.bounded};
        c.p_value = stats::wilcoxon_signed_rank(d).p_value;
        c.floor = options.calibration ? options.calibration->within_run_floor(scenario, base) : 0;
        if (options.margin) {
          auto e = stats::hodges_lehmann_paired(d, 1 - 2 * options.alpha);
          c.equivalent = within_margin({std::exp(e.point), std::exp(e.lower), std::exp(e.upper)}, *options.margin);
        }
        c.note = std::to_string(pairs.size()) + " interleaved pairs";
        tested.push_back(out.changes.size());
      } catch (const std::invalid_argument& e) {
        c.verdict = "not comparable";
        c.note = e.what();
      }
      out.changes.push_back(std::move(c));
    }
  }
  if (!any_pair)
    throw std::invalid_argument("run " + run.context.run_id +
                                " holds no two versions of one system to pair (run them as NAME@A,NAME@B or with legion-bench ab)");
  adjust(out, tested);
  decide(out, tested);
  return out;
}

json to_json(const RunComparison& c) {
  json j = {{"design", c.design},
            {"old_runs", c.old_runs},
            {"new_runs", c.new_runs},
            {"metric", c.options.metric},
            {"alpha", c.options.alpha},
            {"threshold", c.options.threshold},
            {"margin", c.options.margin ? json(*c.options.margin) : json(nullptr)},
            {"correction", "holm"},
            {"noise_floor_source", c.floor_source},
            {"noisy_runs", c.noisy_runs},
            {"regression", c.regression()},
            {"changes", json::array()}};
  for (const auto& ch : c.changes)
    j["changes"].push_back({{"scenario", ch.scenario},
                            {"system", ch.system},
                            {"old_n", ch.old_n},
                            {"new_n", ch.new_n},
                            {"old_runs", ch.old_runs},
                            {"new_runs", ch.new_runs},
                            {"old_median_ms", ch.old_median},
                            {"new_median_ms", ch.new_median},
                            {"ratio", ch.ratio ? json{{"estimate", ch.ratio->point}, {"low", ch.ratio->lower}, {"high", ch.ratio->upper}}
                                               : json(nullptr)},
                            {"p_value", ch.p_value},
                            {"p_value_adjusted", ch.p_adjusted},
                            {"equivalence_p_value", ch.equivalence_p ? json(*ch.equivalence_p) : json(nullptr)},
                            {"noise_floor", ch.floor},
                            {"verdict", ch.verdict},
                            {"note", ch.note}});
  return j;
}

namespace {
std::string design_sentence(const RunComparison& c) {
  if (c.design == "interleaved")
    return "both versions interleaved in one run, repetition by repetition; change = Hodges–Lehmann estimate of the paired "
           "ratio new/old; p = Wilcoxon signed-rank on the paired log ratios";
  if (c.design == "runs")
    return "runs as the unit (" + std::to_string(c.old_runs.size()) + " old, " + std::to_string(c.new_runs.size()) +
           " new): each run's median on log scale; change = ratio of their geometric means; p = Welch's t across runs";
  return "one run a side; change = Hodges–Lehmann ratio new/old on log scale; p = Mann–Whitney U over repetitions; a change "
         "within this machine's run-to-run drift is not called";
}
}  // namespace

void write_comparison_markdown(std::ostream& out, const RunComparison& c) {
  out << "# legion-bench compare (" << c.design << "): " << markdown_code_span(c.old_runs.front()) << (c.old_runs.size() > 1 ? " …" : "")
      << " → " << markdown_code_span(c.new_runs.front()) << (c.new_runs.size() > 1 ? " …" : "") << "\n\n"
      << "Metric: " << c.options.metric << " time (ms), medians; " << design_sentence(c) << "; intervals at "
      << static_cast<int>(std::lround(c.options.level * 100)) << "%; p Holm-adjusted across the table; a change is called when p < "
      << c.options.alpha << " and the interval lies beyond ±" << c.options.threshold * 100 << "%"
      << (c.floor_source.empty() ? "" : " and beyond the noise floor (" + markdown_escape(c.floor_source) + ")") << ".\n\n";
  for (const auto& noisy : c.noisy_runs)
    out << "**Noisy run** " << markdown_escape(noisy) << " — its figures may carry the load of other work.\n\n";
  out
      << "| scenario | system | old | new | change | interval | p (adjusted) | floor | verdict |\n"
         "|---|---|---:|---:|---:|---|---:|---:|---|\n";
  for (const auto& ch : c.changes) {
    out << "| " << markdown_escape(ch.scenario) << " | " << markdown_escape(ch.system) << " | ";
    if (!ch.ratio) {
      out << "— | — | — | — | — | — | " << ch.verdict << " (" << markdown_escape(ch.note) << ") |\n";
      continue;
    }
    out << number(ch.old_median) << " | " << number(ch.new_median) << " | " << percent(ch.ratio->point) << " | ["
        << percent(ch.ratio->lower) << ", " << percent(ch.ratio->upper) << "] | " << number(ch.p_adjusted) << " | ±"
        << share(ch.floor) << " | **" << ch.verdict << "** |\n";
  }
}

void write_comparison_table(std::ostream& out, const RunComparison& c) {
  out << "design: " << c.design << " — " << design_sentence(c) << "\n";
  if (!c.floor_source.empty()) out << "noise floor: " << printable(c.floor_source) << "\n";
  for (const auto& noisy : c.noisy_runs) out << "NOISY RUN " << printable(noisy) << "\n";
  out << std::left << std::setw(26) << "scenario" << std::setw(22) << "system" << std::right << std::setw(12) << "old ms"
      << std::setw(12) << "new ms" << std::setw(10) << "change" << std::setw(22) << "interval" << std::setw(10) << "p adj"
      << std::setw(8) << "floor" << "  verdict\n";
  for (const auto& ch : c.changes) {
    out << std::left << std::setw(26) << printable(ch.scenario) << std::setw(22) << printable(ch.system) << std::right;
    if (!ch.ratio) {
      out << std::setw(74) << "" << "  " << ch.verdict << " (" << printable(ch.note) << ")\n";
      continue;
    }
    out << std::setw(12) << number(ch.old_median) << std::setw(12) << number(ch.new_median) << std::setw(10)
        << percent(ch.ratio->point) << std::setw(22) << ("[" + percent(ch.ratio->lower) + ", " + percent(ch.ratio->upper) + "]")
        << std::setw(10) << number(ch.p_adjusted) << std::setw(8) << ("±" + share(ch.floor)) << "  " << ch.verdict << "\n";
  }
}

const Document<RunComparison>& comparison_document() {
  static const Document<RunComparison> document{
      "comparison",
      "old against new, cell by cell, with intervals and verdicts (legion-bench ab)",
      {{"json", "json", "comparison.json", "every change with its interval, p values, floor and verdict",
        [](std::ostream& out, const RunComparison& c) { out << to_json(c).dump(2) << "\n"; }},
       {"markdown", "md", "COMPARISON.md", "the design, then one row per scenario and system", write_comparison_markdown}},
      {}};
  return document;
}

}  // namespace legion::report
