// The publication's own analysis: the seeds' benchmarking criteria judged as docs/methodology.md
// defines them, and the conclusions, each from the runs' records with its interval.
#include "legion/report/publication.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include "format.hpp"
#include "legion/stats/compare.hpp"
#include "legion/stats/descriptive.hpp"
#include "legion/stats/intervals.hpp"
#include "legion/stats/proportions.hpp"

namespace legion::report {
namespace {

using detail::sig3;
using Metric = std::function<std::optional<double>(const RunRecord&)>;

bool scripted(const RunResults& r) { return !r.context.real_model.has_value(); }

// The scripted coordination run at a latency profile, if the publication has one.
const RunResults* coordination_run(const Publication& p, const std::string& profile) {
  for (const auto& r : p.runs)
    if (r.context.suite == "coordination" && scripted(r) && r.context.latency_profile == profile) return &r;
  return nullptr;
}

// A metric over a cell's measured records that completed (warm-ups and failures excluded: a
// failure's time is not a task's).
std::vector<double> values(const RunResults& r, const std::string& cell, const std::string& system, const Metric& metric) {
  std::vector<double> out;
  for (const auto& rec : r.records)
    if (!rec.warmup && !rec.error && !rec.unsupported && rec.system == system && rec.cell() == cell)
      if (auto v = metric(rec)) out.push_back(*v);
  return out;
}

// The median with its BCa bootstrap interval (a constant sample: the point itself); absent below two values.
std::optional<stats::Estimate> median_interval(const std::vector<double>& xs, std::uint64_t seed, double level) {
  if (xs.size() < 2) return std::nullopt;
  const auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
  if (*lo == *hi) return stats::Estimate{*lo, *lo, *lo, level};
  stats::BootstrapOptions options;
  options.seed = seed;
  options.level = level;
  return stats::bootstrap_median(xs, options).bca;
}

std::string count(std::size_t n, const std::string& noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); }

std::string range(const stats::Estimate& e, const std::string& unit = "") {
  return sig3(e.point) + unit + " [" + sig3(e.lower) + ", " + sig3(e.upper) + "]";
}

// Several scenarios' verdicts in one: fails if one fails, passes if all pass.
std::string combined(const std::vector<std::string>& verdicts) {
  if (verdicts.empty()) return "not measured";
  if (std::count(verdicts.begin(), verdicts.end(), "fail")) return "fail";
  if (std::all_of(verdicts.begin(), verdicts.end(), [](const auto& v) { return v == "pass"; })) return "pass";
  return "inconclusive";
}
// Below a threshold: pass when the whole interval is (at or, `inclusive`, on it), fail when none of it is.
std::string below(const stats::Estimate& e, double threshold, bool inclusive) {
  if (inclusive ? e.upper <= threshold : e.upper < threshold) return "pass";
  if (inclusive ? e.lower > threshold : e.lower >= threshold) return "fail";
  return "inconclusive";
}

std::vector<std::string> cells_of(const RunResults& r) {
  std::vector<std::string> out;
  for (const auto& s : r.summaries)
    if (std::find(out.begin(), out.end(), s.scenario) == out.end()) out.push_back(s.scenario);
  return out;
}

// docs/methodology.md: the criteria are judged on cells of at least ten measured repetitions; a
// smaller cell (the quick form's) gives no verdict, whatever its interval says.
constexpr std::size_t kMinimumRepetitions = 10;

// The cell's summary for a system, if the run has one that the system could express.
const CellSummary* supported_cell(const RunResults& r, const std::string& cell, const std::string& system) {
  for (const auto& s : r.summaries)
    if (s.scenario == cell && s.system == system && !s.unsupported) return &s;
  return nullptr;
}

// Why a cell's values cannot decide a verdict, or empty when they can.
std::string too_few(const std::string& cell, const std::string& system, std::size_t n) {
  return n < kMinimumRepetitions ? cell + " (" + system + ": " + std::to_string(n) + " completed, fewer than " + std::to_string(kMinimumRepetitions) + ")"
                                 : "";
}

void add_note(std::string& text, const std::string& note) {
  if (!note.empty()) text += (text.empty() ? "" : "; ") + note;
}

double wall(const RunRecord& r) { return static_cast<double>(r.wall_ns); }
std::optional<double> rss_mib(const RunRecord& r) { return static_cast<double>(r.rss_peak_bytes) / (1024.0 * 1024.0); }

// "LEGION performance within 20% of LangChain for comparable tasks".
CriterionVerdict within_20_percent_of_langchain(const Publication& p) {
  CriterionVerdict v{"benchmark", "LEGION performance within 20% of LangChain for comparable tasks",
                     "native ÷ LangChain wall time ≤ 1.2 (Hodges–Lehmann ratio, 95% interval) on every comparable scenario, zero and realistic latency",
                     "not measured", "", ""};
  std::vector<std::string> verdicts, parts, froms;
  for (const auto* profile : {"zero", "realistic"}) {
    const auto* run = coordination_run(p, profile);
    if (!run) continue;
    froms.push_back("coordination, latency " + std::string(profile) + " (run " + run->context.run_id + ")");
    double lowest = 1e300, highest = 0, upper = 0;
    std::size_t n = 0;
    std::string undecided;
    // Comparable: both systems express the scenario. Each must be decided for a pass.
    for (const auto& cell : cells_of(*run)) {
      if (!supported_cell(*run, cell, "native") || !supported_cell(*run, cell, "langchain")) continue;
      const auto native = values(*run, cell, "native", wall), langchain = values(*run, cell, "langchain", wall);
      std::string why = too_few(cell, "native", native.size());
      if (why.empty()) why = too_few(cell, "langchain", langchain.size());
      if (!why.empty()) {
        verdicts.push_back("inconclusive"), add_note(undecided, why);
        continue;
      }
      const auto ratio = stats::hodges_lehmann_ratio(native, langchain, run->options.level);
      verdicts.push_back(ratio.bounded ? below(ratio, 1.2, true) : "inconclusive");
      if (!ratio.bounded) add_note(undecided, cell + " (interval not bounded at this n)");
      lowest = std::min(lowest, ratio.point), highest = std::max(highest, ratio.point), upper = std::max(upper, ratio.upper), ++n;
    }
    std::string part = std::string(profile) + " latency: ";
    if (n) part += "ratio " + sig3(lowest) + "–" + sig3(highest) + " over " + count(n, "scenario") + ", highest upper bound " + sig3(upper);
    if (!undecided.empty()) part += std::string(n ? "; " : "") + "undecided: " + undecided;
    if (n || !undecided.empty()) parts.push_back(part);
  }
  v.verdict = combined(verdicts);
  for (const auto& part : parts) v.measured += (v.measured.empty() ? "" : "; ") + part;
  for (const auto& from : froms) v.from += (v.from.empty() ? "" : "; ") + from;
  if (verdicts.empty()) v.measured = "no coordination run in which both native and langchain express a scenario";
  return v;
}

// "LEGION coordination overhead < 15% for multi-agent scenarios".
CriterionVerdict coordination_overhead(const Publication& p) {
  CriterionVerdict v{"benchmark", "LEGION coordination overhead < 15% for multi-agent scenarios",
                     "native's overhead ÷ wall time < 0.15 (median, 95% BCa interval) on every multi-agent scenario, realistic latency",
                     "not measured", "", ""};
  const auto* run = coordination_run(p, "realistic");
  if (!run) {
    v.measured = "no scripted coordination run at the realistic latency profile";
    return v;
  }
  v.from = "coordination, latency realistic (run " + run->context.run_id + ")";
  std::vector<std::string> verdicts;
  double highest = 0, lowest = 1e300;
  std::size_t judged = 0;
  std::string undecided;
  for (const auto& cell : cells_of(*run)) {
    const auto scenario = cell.substr(0, cell.find('['));
    if (!p.multi_agent_scenarios.count(scenario) || !supported_cell(*run, cell, "native")) continue;
    const auto shares = values(*run, cell, "native", [](const RunRecord& r) -> std::optional<double> {
      if (!r.overhead_known() || r.wall_ns <= 0) return std::nullopt;
      return static_cast<double>(r.overhead_ns()) / static_cast<double>(r.wall_ns);
    });
    const auto e = median_interval(shares, run->context.seed, run->options.level);
    if (const auto why = too_few(cell, "native", shares.size()); !why.empty() || !e) {
      verdicts.push_back("inconclusive"), add_note(undecided, why);
      continue;
    }
    verdicts.push_back(below(*e, 0.15, false)), ++judged;
    lowest = std::min(lowest, e->point), highest = std::max(highest, e->upper);
  }
  v.verdict = combined(verdicts);
  if (judged)
    v.measured = "median share " + sig3(lowest * 100) + "% at the lowest, highest upper bound " + sig3(highest * 100) + "% over " +
                 count(judged, "multi-agent scenario");
  if (!undecided.empty()) add_note(v.measured, "undecided: " + undecided);
  if (verdicts.empty()) v.measured = "no multi-agent scenario in the run";
  return v;
}

// "Memory efficiency competitive with or better than industry standards".
CriterionVerdict memory_efficiency(const Publication& p) {
  CriterionVerdict v{"benchmark", "Memory efficiency competitive with or better than industry standards",
                     "native's peak RSS (median, 95% BCa interval) ≤ the median of the frameworks' medians on every coordination scenario",
                     "not measured", "", ""};
  const auto* run = coordination_run(p, "zero");
  if (!run) {
    v.measured = "no scripted coordination run at the zero latency profile";
    return v;
  }
  v.from = "coordination, latency zero (run " + run->context.run_id + ")";
  const Metric rss = rss_mib;
  std::vector<std::string> verdicts;
  std::string worst, undecided;
  double worst_margin = -1e300;
  std::size_t judged = 0;
  for (const auto& cell : cells_of(*run)) {
    if (!supported_cell(*run, cell, "native")) continue;
    const auto xs = values(*run, cell, "native", rss);
    const auto native = median_interval(xs, run->context.seed, run->options.level);
    std::vector<double> medians;
    for (const auto& system : run->systems())
      if (system != "native")
        if (auto ys = values(*run, cell, system, rss); !ys.empty()) medians.push_back(stats::median(ys));
    if (medians.empty()) continue;  // no framework to compare with on this scenario
    if (const auto why = too_few(cell, "native", xs.size()); !why.empty() || !native) {
      verdicts.push_back("inconclusive"), add_note(undecided, why);
      continue;
    }
    const double industry = stats::median(medians);
    verdicts.push_back(below(*native, industry, true)), ++judged;
    if (native->upper - industry > worst_margin)
      worst_margin = native->upper - industry,
      worst = cell + ": native " + range(*native, " MiB") + " against the frameworks' median " + sig3(industry) + " MiB";
  }
  v.verdict = combined(verdicts);
  if (judged) v.measured = count(judged, "scenario") + "; closest to the threshold — " + worst;
  if (!undecided.empty()) add_note(v.measured, "undecided: " + undecided);
  if (verdicts.empty()) v.measured = "no scenario with native and a framework completing tasks";
  return v;
}

// "Scalability demonstrates sub-linear overhead (< 1.5× per instance)".
CriterionVerdict scalability(const Publication& p) {
  CriterionVerdict v{"benchmark", "Scalability demonstrates sub-linear overhead (< 1.5× per instance)",
                     "N · X(1) ÷ X(N) < 1.5 for every N up to the CPUs, over every pair of rounds", "not measured", "", ""};
  if (!p.stress) {
    v.measured = "no scalability run";
    return v;
  }
  for (const auto& run : p.stress->runs) {
    if (run.config.value("suite", "") != "scalability" || !run.extra.contains("horizontal")) continue;
    const int cpus = run.config.contains("machine") ? run.config["machine"].value("cores", 0) : 0;
    const auto& levels = run.extra["horizontal"];
    std::vector<double> one;
    for (const auto& level : levels)
      if (level.value("engines", 0) == 1) one = level.value("rounds", std::vector<double>{});
    if (one.empty() || cpus < 2 || std::any_of(one.begin(), one.end(), [](double x) { return !(x > 0); })) {
      v.measured = one.empty() ? "the scalability run has no one-engine level"
                   : cpus < 2  ? "the run had one CPU: no level to judge"
                               : "a one-engine round completed nothing: no baseline to judge by";
      continue;
    }
    std::vector<std::string> verdicts, parts;
    for (const auto& level : levels) {
      const int n = level.value("engines", 0);
      const auto xs = level.value("rounds", std::vector<double>{});
      if (n < 2 || n > cpus || xs.empty()) continue;
      // Every pair of rounds gives a cost (a round that completed nothing: an infinite one); the
      // verdict takes the range's ends.
      const double infinite = std::numeric_limits<double>::infinity();
      double lo = infinite, hi = 0;
      for (double x1 : one)
        for (double xn : xs) {
          const double cost = xn > 0 ? n * x1 / xn : infinite;
          lo = std::min(lo, cost), hi = std::max(hi, cost);
        }
      const double median_n = stats::median(xs);
      const double point = median_n > 0 ? n * stats::median(one) / median_n : infinite;
      // One round at either level gives one pair: a point, no range to judge by.
      const bool ranged = one.size() >= 2 && xs.size() >= 2;
      verdicts.push_back(ranged ? below({point, lo, hi}, 1.5, false) : "inconclusive");
      parts.push_back("N = " + std::to_string(n) + ": " + sig3(point) +
                      (ranged ? " (rounds' range " + sig3(lo) + "–" + sig3(hi) + ")" : " (one round: no range, no verdict)"));
    }
    v.verdict = combined(verdicts);
    v.measured.clear();
    for (const auto& part : parts) v.measured += (v.measured.empty() ? "" : "; ") + part;
    v.measured += " (" + std::to_string(cpus) + " CPUs; higher N is reported with the USL fit, not judged)";
    v.from = "scalability (run " + run.run_id + ")";
  }
  return v;
}

// "All benchmarks documented with statistical rigor", checked on the publication's own figures.
CriterionVerdict statistical_rigour(const Publication& p) {
  CriterionVerdict v{"benchmark", "All benchmarks documented with statistical rigor",
                     "the suite runs' result tables: every cell of two or more completed tasks with its n and 95% interval, every comparison "
                     "with the baseline with its ratio, Holm-adjusted test and effect size (the stress, published and footprint figures are not checked)",
                     "not measured", "", ""};
  std::vector<std::string> problems;
  std::size_t cells = 0;
  for (const auto& run : p.runs) {
    if (!scripted(run)) continue;
    const auto systems = run.systems();
    for (const auto& s : run.summaries) {
      if (s.unsupported || s.runs == 0) continue;
      ++cells;
      const auto where = run.context.suite + " (" + run.context.latency_profile + ") " + s.scenario + " / " + s.system;
      const std::size_t completed = s.runs - s.errors;
      if (completed >= 2 && !s.wall_median_ci) problems.push_back(where + ": no interval on the median wall time");
      if (s.system != run.options.baseline && completed >= 2 && (!s.ratio_to_baseline || !s.p_adjusted || !s.cliffs_delta))
        if (std::any_of(run.summaries.begin(), run.summaries.end(), [&](const CellSummary& b) {
              return b.system == run.options.baseline && b.scenario == s.scenario && b.runs - b.errors >= 2;
            }))
          problems.push_back(where + ": compared with " + run.options.baseline + " without its ratio, adjusted test or effect size");
    }
  }
  v.from = "every scripted run's summaries";
  if (cells == 0) {
    v.measured = "no scripted run";
    return v;
  }
  v.verdict = problems.empty() ? "pass" : "fail";
  v.measured = count(cells, "cell") + " checked";
  for (std::size_t i = 0; i < problems.size() && i < 3; ++i) v.measured += (i ? "; " : ": ") + problems[i];
  if (problems.size() > 3) v.measured += "; and " + std::to_string(problems.size() - 3) + " more";
  return v;
}

// Two rows: the documented commands, and the quick form against its stored baseline.
std::vector<CriterionVerdict> reproducibility(const Publication& p) {
  std::vector<CriterionVerdict> out;
  out.push_back({"benchmark", "Reproducibility: every documented command runs", "each command the README and docs show runs, in quick form where it is long",
                 "not measured",
                 "judged by the tests, not by this publication: docs.commands checks every documented command with --dry-run, and "
                 "docs.commands_run runs each in its quick form (tests/bench/documented_commands_run.py says how each is made quick and "
                 "which are left out, and why); every step's command is in How this publication was made",
                 ""});
  CriterionVerdict verified{"benchmark", "Reproducibility: the quick form lands within the calibrated drift of a stored baseline",
                            "every figure `publish --verify` compares within its tolerance", "not measured",
                            "this publication was not made with `publish --verify BASELINE`", ""};
  if (const auto& v = p.verification) {
    verified.from = v->baseline_source;
    if (v->figures.empty()) verified.measured = "no figure in common with the baseline";
    else {
      std::string named;
      std::size_t shown = 0;
      for (const auto& f : v->figures)
        if (f.outside && shown++ < 5) named += (named.empty() ? "" : "; ") + f.figure + " (" + f.baseline + " then " + f.now + ", tolerance " + f.tolerance + ")";
      verified.verdict = v->outside() ? "fail" : "pass";
      verified.measured = std::to_string(v->outside()) + " of " + std::to_string(v->figures.size()) + " figures outside (drift: " + v->drift_source + ")" +
                          (named.empty() ? "" : ": " + named + (v->outside() > 5 ? "; the rest in VERIFY.md" : "")) +
                          (v->not_compared.empty() ? "" : "; " + std::to_string(v->not_compared.size()) + " on one side only");
    }
  }
  out.push_back(verified);
  return out;
}

// ---- Conclusions ----

struct Ranked {
  std::string system;
  stats::Estimate estimate;
};

// The systems of `run` that completed the criteria's minimum of tasks on every one of `cells`.
std::vector<std::string> complete_systems(const RunResults& run, const std::vector<std::string>& systems, const std::vector<std::string>& cells,
                                          const Metric& metric) {
  std::vector<std::string> out;
  for (const auto& system : systems)
    if (std::all_of(cells.begin(), cells.end(), [&](const auto& cell) { return values(run, cell, system, metric).size() >= kMinimumRepetitions; }))
      out.push_back(system);
  return out;
}

// Lower is better: on every scenario, each system's median with its interval; a system is
// recommended only when it has the lowest median on every scenario and its interval lies below
// every other system's there.
Conclusion lowest(const std::string& need, const RunResults& run, const std::vector<std::string>& systems, const Metric& metric,
                  const std::string& what, const std::string& unit, const std::string& table) {
  Conclusion c{need, "", table + " (suite " + run.context.suite + ", latency " + run.context.latency_profile + ", run " + run.context.run_id + ")", {}};
  const auto cells = cells_of(run);
  const auto compared = complete_systems(run, systems, cells, metric);
  // Who was not compared, said in the sentence: a recommendation holds among the others only.
  std::string left_out;
  for (const auto& system : systems)
    if (std::find(compared.begin(), compared.end(), system) == compared.end()) left_out += (left_out.empty() ? "" : ", ") + system;
  const std::string not_compared = left_out.empty() ? ""
                                                    : " Not compared (fewer than " + std::to_string(kMinimumRepetitions) +
                                                          " completed tasks on some scenario, or one they cannot express): " + left_out + ".";
  if (compared.size() < 2 || cells.empty()) {
    c.text = "No comparison: fewer than two systems completed " + std::to_string(kMinimumRepetitions) + " or more tasks on every scenario." +
             (compared.size() == 1 ? " Not compared: " + left_out + "." : "");
    return c;
  }
  std::map<std::string, std::vector<std::string>> best_on, clear_on;  // system -> scenarios
  std::map<std::string, std::vector<stats::Estimate>> estimates;      // system -> per scenario
  std::string overlap;
  for (const auto& cell : cells) {
    std::vector<Ranked> ranked;
    for (const auto& system : compared)
      if (auto e = median_interval(values(run, cell, system, metric), run.context.seed, run.options.level)) ranked.push_back({system, *e});
    std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) { return a.estimate.point < b.estimate.point; });
    for (const auto& r : ranked) estimates[r.system].push_back(r.estimate);
    best_on[ranked.front().system].push_back(cell);
    const bool clear = std::all_of(ranked.begin() + 1, ranked.end(), [&](const Ranked& r) { return ranked.front().estimate.upper < r.estimate.lower; });
    if (clear) clear_on[ranked.front().system].push_back(cell);
    else if (overlap.empty())
      for (auto r = ranked.begin() + 1; r != ranked.end(); ++r)
        if (r->estimate.lower <= ranked.front().estimate.upper) {
          overlap = cell + " (" + ranked.front().system + " " + range(ranked.front().estimate, unit) + ", " + r->system + " " + range(r->estimate, unit) + ")";
          break;
        }
  }
  auto span_of = [&](const std::string& system) {
    double lo = 1e300, hi = 0;
    for (const auto& e : estimates[system]) lo = std::min(lo, e.point), hi = std::max(hi, e.point);
    return (sig3(lo) == sig3(hi) ? sig3(lo) : sig3(lo) + "–" + sig3(hi)) + unit;
  };
  const auto n = std::to_string(cells.size());
  if (best_on.size() == 1 && clear_on[best_on.begin()->first].size() == cells.size()) {
    const auto& winner = best_on.begin()->first;
    // The runner-up: lowest median summed over the scenarios among the others.
    std::string second;
    double second_sum = 1e300;
    for (const auto& system : compared)
      if (system != winner) {
        double sum = 0;
        for (const auto& e : estimates[system]) sum += e.point;
        if (sum < second_sum) second_sum = sum, second = system;
      }
    c.recommended = winner;
    c.text = winner + ": the lowest " + what + " on all " + n + " scenarios, medians " + span_of(winner) + ", each 95% interval below every other system's; next, " +
             second + " at " + span_of(second) + "." + not_compared;
    return c;
  }
  if (best_on.size() == 1) {
    c.text = "No recommendation: " + best_on.begin()->first + " has the lowest median " + what + " on all " + n +
             " scenarios, but its interval overlaps another system's on " + overlap + "." + not_compared;
    return c;
  }
  c.text = "No single system: the lowest median " + what + " is ";
  bool first = true;
  for (const auto& [system, on] : best_on) {
    c.text += (first ? "" : ", ") + system + "'s on " + std::to_string(on.size());
    first = false;
  }
  c.text += " of the " + n + " scenarios" + (overlap.empty() ? "." : "; the intervals overlap on " + overlap + ".") + not_compared;
  return c;
}

// Higher is better, for proportions: each system's successes over its tasks with the Wilson interval.
struct Share {
  std::string system;
  std::size_t successes = 0, n = 0;
  stats::Estimate estimate;
};
Conclusion highest_share(const std::string& need, std::vector<Share> shares, const std::string& what, const std::string& evidence) {
  Conclusion c{need, "", evidence, {}};
  shares.erase(std::remove_if(shares.begin(), shares.end(), [](const Share& s) { return s.n == 0; }), shares.end());
  if (shares.size() < 2) {
    c.text = "No comparison: fewer than two systems ran.";
    return c;
  }
  for (auto& s : shares) s.estimate = stats::wilson_interval(s.successes, s.n);
  std::sort(shares.begin(), shares.end(), [](const Share& a, const Share& b) { return a.estimate.point > b.estimate.point; });
  auto describe = [](const Share& s) {
    return s.system + " " + std::to_string(s.successes) + "/" + std::to_string(s.n) + " (" + sig3(s.estimate.point * 100) + "%, 95% Wilson " +
           sig3(s.estimate.lower * 100) + "–" + sig3(s.estimate.upper * 100) + "%)";
  };
  const auto& best = shares.front();
  if (std::all_of(shares.begin() + 1, shares.end(), [&](const Share& s) { return s.estimate.upper < best.estimate.lower; })) {
    c.recommended = best.system;
    c.text = best.system + ": the highest " + what + ", " + describe(best) + ", its interval above every other system's; next, " + describe(shares[1]) + ".";
  } else {
    // The overlapping systems: the first three in full, the rest by name.
    std::string tied;
    std::size_t k = 0;
    for (auto s = shares.begin() + 1; s != shares.end(); ++s)
      if (s->estimate.upper >= best.estimate.lower) tied += (tied.empty() ? "" : ", ") + (k++ < 3 ? describe(*s) : s->system);
    c.text = "No single system: the highest " + what + " is " + describe(best) + ", and its interval overlaps those of " + tied + ".";
  }
  return c;
}

// Pooled over the failure suite's fault kinds (the run without faults left out).
std::optional<Conclusion> fault_recovery(const Publication& p) {
  if (!p.stress) return std::nullopt;
  for (const auto& run : p.stress->runs) {
    if (!run.extra.contains("model_faults")) continue;
    std::map<std::string, Share> by_system;
    std::vector<std::string> kinds;
    for (const auto& [kind, fault] : run.extra["model_faults"].items()) {
      if (kind == "none" || !fault.contains("systems")) continue;
      kinds.push_back(kind);
      for (const auto& [system, s] : fault["systems"].items()) {
        auto& share = by_system[system];
        share.system = system;
        share.successes += s.value("correct", std::size_t{0});
        share.n += s.value("tasks", std::size_t{0});
      }
    }
    std::vector<Share> shares;
    for (auto& [system, share] : by_system) shares.push_back(share);
    std::string list;
    for (const auto& k : kinds) list += (list.empty() ? "" : ", ") + k;
    return highest_share("best recovery from faults", shares, "share of correct answers under injected model-server faults (" + list + ")",
                         "Stress suites › failure › model-server faults (run " + run.run_id + ")");
  }
  return std::nullopt;
}

std::optional<Conclusion> feature_coverage(const Publication& p) {
  if (!p.features) return std::nullopt;
  const auto& m = *p.features;
  std::vector<std::pair<std::size_t, std::string>> counts;
  for (std::size_t i = 0; i < m.systems.size(); ++i) {
    std::size_t supported = 0;
    for (const auto& row : m.rows)
      if (i < row.cells.size() && row.cells[i].status == "supported") ++supported;
    counts.emplace_back(supported, m.systems[i]);
  }
  std::sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  Conclusion c{"widest feature coverage", "", "Appendix A, feature matrix", {}};
  if (counts.size() < 2) {
    c.text = "No comparison: fewer than two systems in the feature matrix.";
    return c;
  }
  const auto rows = std::to_string(m.rows.size());
  std::string tied;
  for (const auto& [n, system] : counts)
    if (n == counts.front().first && system != counts.front().second) tied += ", " + system;
  if (tied.empty()) {
    c.recommended = counts.front().second;
    c.text = counts.front().second + ": supported on " + std::to_string(counts.front().first) + " of " + rows + " capabilities, the most; next, " +
             counts[1].second + " with " + std::to_string(counts[1].first) + " (counts of evidence-backed cells, no interval).";
  } else {
    c.text = "No single system: " + counts.front().second + tied + " are each supported on " + std::to_string(counts.front().first) + " of " + rows +
             " capabilities.";
  }
  return c;
}

std::optional<Conclusion> real_model_success(const Publication& p) {
  for (const auto& run : p.runs) {
    if (scripted(run)) continue;
    std::map<std::string, Share> by_system;
    for (const auto& rec : run.records) {
      if (rec.warmup || rec.unsupported) continue;
      auto& s = by_system[rec.system];
      s.system = rec.system;
      ++s.n;
      if (rec.correct) ++s.successes;
    }
    std::vector<Share> shares;
    for (auto& [system, share] : by_system) shares.push_back(share);
    return highest_share("best success with a real model", shares, "share of correct answers with " + run.context.real_model->model,
                         "Results › the real-model run (run " + run.context.run_id + ")");
  }
  return std::nullopt;
}

}  // namespace

std::vector<CriterionVerdict> judge_criteria(const Publication& p) {
  std::vector<CriterionVerdict> out{within_20_percent_of_langchain(p), coordination_overhead(p), memory_efficiency(p), scalability(p),
                                    statistical_rigour(p)};
  for (auto& c : reproducibility(p)) out.push_back(std::move(c));
  if (p.stress)
    for (const auto& c : p.stress->criteria) out.push_back({"stress", c.criterion, c.target, c.status, c.measured, c.from});
  return out;
}

std::vector<Conclusion> draw_conclusions(const Publication& p) {
  std::vector<Conclusion> out;
  if (const auto* run = coordination_run(p, "zero")) {
    const auto systems = run->systems();
    std::vector<std::string> frameworks;
    for (const auto& s : systems)
      if (s != "native") frameworks.push_back(s);
    const Metric per_call = [](const RunRecord& r) { return r.overhead_per_call_us(); };
    const Metric tokens = [](const RunRecord& r) -> std::optional<double> { return static_cast<double>(r.prompt_tokens + r.completion_tokens); };
    const Metric memory = rss_mib;
    const std::string overhead_table = "Results › Framework overhead and memory", token_table = "Results › LLM calls and tokens";
    struct Need {
      std::string need, what, unit, table;
      Metric metric;
    };
    for (const auto& n : {Need{"lowest overhead", "overhead per LLM call", " µs", overhead_table, per_call},
                          Need{"fewest tokens", "tokens per task (prompt and completion)", "", token_table, tokens},
                          Need{"least memory", "peak resident memory per task", " MiB", overhead_table, memory}}) {
      auto c = lowest(n.need, *run, systems, n.metric, n.what, n.unit, n.table);
      const bool native_won = c.recommended == "native";
      out.push_back(std::move(c));
      // A team choosing among the Python frameworks asks the same question without the native engine.
      if (native_won) out.push_back(lowest(n.need + " among the frameworks", *run, frameworks, n.metric, n.what, n.unit, n.table));
    }
  }
  for (auto c : {fault_recovery(p), feature_coverage(p), real_model_success(p)})
    if (c) out.push_back(std::move(*c));
  return out;
}

void analyze_publication(Publication& p) {
  p.criteria = judge_criteria(p);
  p.conclusions = draw_conclusions(p);
}

}  // namespace legion::report
