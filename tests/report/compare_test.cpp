// compare's three designs, and the statistics of the tool itself: on simulated runs whose drift is
// known, how often it calls a change that is not there and how often it finds one that is.
#include "legion/report/compare.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "legion/stats/intervals.hpp"
#include "legion/stats/planning.hpp"

namespace legion::report {
namespace {

// A simulated machine: every value is median × run drift × round drift × noise, log-normally.
// The run drift is what separate runs disagree by; the round drift is what moves within a run
// (every system measured in the same round shares it, as interleaving intends).
struct Machine {
  double run_sigma = 0;    // sd of log drift between runs
  double round_sigma = 0;  // sd of log drift between rounds of one run
  double noise_sigma = 0.03;
};

// One run: `n` rounds; in each, every system runs every scenario. `slowdown` multiplies a system's values.
RunResults run(const std::string& id, const std::map<std::string, double>& median_ms, const std::vector<std::string>& systems,
               int n, std::uint64_t seed, const Machine& machine = {}, const std::map<std::string, double>& slowdown = {}) {
  RunResults r;
  r.context.run_id = id;
  r.context.systems = systems;
  for (const auto& [scenario, median] : median_ms) r.context.scenarios.push_back(scenario);
  stats::detail::Random random(seed);
  const double run_drift = std::exp(machine.run_sigma * random.normal());
  for (int i = 0; i < n; ++i) {
    const double round_drift = std::exp(machine.round_sigma * random.normal());
    for (const auto& [scenario, median] : median_ms)
      for (const auto& system : systems) {
        RunRecord rec;
        rec.system = system;
        rec.scenario = scenario;
        rec.repetition = i;
        const double factor = slowdown.contains(system) ? slowdown.at(system) : 1.0;
        rec.wall_ns = static_cast<std::int64_t>(median * 1e6 * factor * run_drift * round_drift *
                                                std::exp(machine.noise_sigma * random.normal()));
        rec.correct = true;
        r.records.push_back(rec);
      }
  }
  r.summaries = summarize(r.records);
  return r;
}

RunResults run(const std::string& id, const std::map<std::string, double>& median_ms, int n, std::uint64_t seed) {
  return run(id, median_ms, {"native"}, n, seed);
}

// A calibration that says this machine drifts by `floor` between runs and within them.
Calibration calibration_with_floor(double floor) {
  Calibration c;
  c.host = "test";
  c.created_at = "2026-11-23T00:00:00Z";
  c.run_ids = {"a", "b", "c"};
  CellNoise cell;
  cell.scenario = "any";
  cell.system = "native";
  cell.between_runs_floor = cell.within_run_floor = floor;
  c.cells.push_back(cell);
  return c;
}

CompareOptions with_floor(double floor) {
  CompareOptions o;
  o.calibration = calibration_with_floor(floor);
  return o;
}

TEST(Compare, OneRunASideFindsAChangeBeyondTheCalibratedDriftAndOnlyIt) {
  auto before = run("old", {{"a", 10}, {"b", 20}, {"c", 5}}, 12, 1);
  auto after = run("new", {{"a", 12}, {"b", 20}, {"c", 5}}, 12, 2);  // a is 20% slower
  auto c = compare_runs(before, after, with_floor(0.05));
  EXPECT_EQ(c.design, "single");
  ASSERT_EQ(c.changes.size(), 3u);
  EXPECT_EQ(c.changes[0].scenario, "a");
  EXPECT_EQ(c.changes[0].verdict, "slower");
  EXPECT_NEAR(c.changes[0].ratio->point, 1.2, 0.04);
  EXPECT_LT(c.changes[0].ratio->lower, 1.2);
  EXPECT_GT(c.changes[0].ratio->upper, 1.2);
  EXPECT_EQ(c.changes[1].verdict, "no significant difference");
  EXPECT_EQ(c.changes[2].verdict, "no significant difference");
  EXPECT_TRUE(c.regression());
  auto j = to_json(c);
  EXPECT_EQ(j["changes"][0]["verdict"], "slower");
  EXPECT_EQ(j["design"], "single");
  EXPECT_TRUE(j["regression"].get<bool>());
}

TEST(Compare, OneRunASideNeverCallsAChangeWithinTheDrift) {
  auto before = run("old", {{"a", 10}}, 12, 1);
  auto after = run("new", {{"a", 12}}, 12, 2);  // +20%: significant, but this machine drifts more
  auto uncalibrated = compare_runs(before, after);
  EXPECT_EQ(uncalibrated.changes[0].verdict, "within run-to-run drift");
  EXPECT_DOUBLE_EQ(uncalibrated.changes[0].floor, kUncalibratedDrift);
  EXPECT_NE(uncalibrated.floor_source.find("not calibrated"), std::string::npos);
  EXPECT_NE(uncalibrated.changes[0].note.find("±40%"), std::string::npos) << uncalibrated.changes[0].note;
  EXPECT_FALSE(uncalibrated.regression());
  EXPECT_TRUE(uncalibrated.noisy_runs.empty());
  after.context.machine.warnings = {"other processes used 84.0% of the CPU during the run"};
  auto noisy = compare_runs(before, after);
  ASSERT_EQ(noisy.noisy_runs.size(), 1u);
  EXPECT_EQ(noisy.noisy_runs[0], "new: other processes used 84.0% of the CPU during the run");
  EXPECT_EQ(to_json(noisy)["noisy_runs"].size(), 1u);
  auto calibrated = compare_runs(before, after, with_floor(0.25));
  EXPECT_EQ(calibrated.changes[0].verdict, "within run-to-run drift");
  EXPECT_NE(calibrated.floor_source.find("calibrated on test"), std::string::npos);
  // Far beyond any drift: called.
  EXPECT_EQ(compare_runs(before, run("new", {{"a", 30}}, 12, 3)).changes[0].verdict, "slower");
}

TEST(Compare, TheSameThingTwiceIsNoChangeAndEquivalenceNeedsAMarginBeyondTheDrift) {
  auto first = run("one", {{"a", 10}, {"b", 20}}, 20, 3);
  auto second = run("two", {{"a", 10}, {"b", 20}}, 20, 4);
  auto options = with_floor(0.02);
  options.margin = 0.05;
  auto c = compare_runs(first, second, options);
  for (const auto& ch : c.changes) EXPECT_EQ(ch.verdict, "equivalent") << ch.scenario;
  EXPECT_FALSE(c.regression());
  options.calibration.reset();  // ±40% assumed: a 5% margin cannot be shown from one run a side
  for (const auto& ch : compare_runs(first, second, options).changes) {
    EXPECT_EQ(ch.verdict, "no significant difference") << ch.scenario;
    EXPECT_NE(ch.note.find("below this machine's drift"), std::string::npos) << ch.note;
  }
  auto faster = compare_runs(run("x", {{"a", 10}}, 12, 5), run("y", {{"a", 8}}, 12, 6), with_floor(0));
  EXPECT_EQ(faster.changes[0].verdict, "faster");
}

TEST(Compare, ThresholdKeepsSmallSignificantChangesUncalled) {
  auto before = run("old", {{"a", 10}}, 40, 7);
  auto after = run("new", {{"a", 10.4}}, 40, 8);  // +4%, clearly significant with 40 values
  EXPECT_EQ(compare_runs(before, after, with_floor(0)).changes[0].verdict, "slower");
  auto options = with_floor(0);
  options.threshold = 0.10;
  EXPECT_EQ(compare_runs(before, after, options).changes[0].verdict, "no significant difference");
}

TEST(Compare, CellsMissingFromTheOldRunAreNotComparableAndBadOptionsAreRefused) {
  auto before = run("old", {{"a", 10}}, 5, 9);
  auto after = run("new", {{"a", 10}, {"new-scenario", 3}}, 5, 10);
  auto c = compare_runs(before, after);
  ASSERT_EQ(c.changes.size(), 2u);
  EXPECT_EQ(c.changes[1].verdict, "not comparable");
  CompareOptions unknown;
  unknown.metric = "latency";
  EXPECT_THROW(compare_runs(before, after, unknown), std::invalid_argument);
  CompareOptions bad_alpha;
  bad_alpha.alpha = 1.5;
  EXPECT_THROW(compare_runs(before, after, bad_alpha), std::invalid_argument);
  // Several runs need at least two a side: one run has no spread between runs.
  EXPECT_THROW(compare_runs(std::vector<RunResults>{before}, std::vector<RunResults>{after, after}), std::invalid_argument);
  // An interleaved comparison needs two versions of a system in the run.
  EXPECT_THROW(compare_interleaved(before), std::invalid_argument);
}

TEST(Compare, InterleavedPairsCancelDriftThatHidesAChangeBetweenRuns) {
  // Rounds drift by ±20% (sd) and a 6% slowdown hides in it; pairing each round's two values finds it.
  Machine noisy{0.0, 0.20, 0.02};
  auto r = run("ab", {{"a", 10}, {"b", 4}}, {"native@old", "native@new"}, 20, 11, noisy, {{"native@new", 1.06}});
  auto c = compare_interleaved(r);
  EXPECT_EQ(c.design, "interleaved");
  ASSERT_EQ(c.changes.size(), 2u);
  for (const auto& ch : c.changes) {
    EXPECT_EQ(ch.system, "native@old → native@new");
    EXPECT_EQ(ch.old_n, 20u);
    EXPECT_EQ(ch.verdict, "slower") << ch.scenario;
    EXPECT_NEAR(ch.ratio->point, 1.06, 0.02);
  }
  // The same values compared as if they were two separate runs: the drift swamps the change.
  RunResults old_side, new_side;
  old_side.context.run_id = "old";
  new_side.context.run_id = "new";
  for (auto rec : r.records) {
    auto& side = rec.system == "native@old" ? old_side : new_side;
    rec.system = "native";
    side.records.push_back(rec);
  }
  old_side.summaries = summarize(old_side.records);
  new_side.summaries = summarize(new_side.records);
  for (const auto& ch : compare_runs(old_side, new_side, with_floor(0)).changes) EXPECT_NE(ch.verdict, "slower") << ch.scenario;
}

TEST(Compare, SeveralRunsASideMakeTheRunTheUnit) {
  Machine drifting{0.10, 0.0, 0.02};
  std::vector<RunResults> before, after, slower;
  for (std::uint64_t k = 0; k < 6; ++k) {
    before.push_back(run("b" + std::to_string(k), {{"a", 10}}, {"native"}, 10, 100 + k, drifting));
    after.push_back(run("a" + std::to_string(k), {{"a", 10}}, {"native"}, 10, 200 + k, drifting));
    slower.push_back(run("s" + std::to_string(k), {{"a", 20}}, {"native"}, 10, 300 + k, drifting));
  }
  auto same = compare_runs(before, after);
  EXPECT_EQ(same.design, "runs");
  EXPECT_EQ(same.changes[0].old_runs, 6u);
  EXPECT_NE(same.changes[0].verdict, "slower");
  EXPECT_NE(same.changes[0].verdict, "faster");
  auto doubled = compare_runs(before, slower);
  EXPECT_EQ(doubled.changes[0].verdict, "slower");
  EXPECT_NEAR(doubled.changes[0].ratio->point, 2.0, 0.3);
}

// The tool's own error rates on a machine whose drift is known (the real machine's figures, from
// real runs, are in docs/statistics.md).
TEST(CompareStatistics, FalseAlarmsStayRareAndKnownChangesAreFound) {
  const std::map<std::string, double> cells = {{"a", 10}, {"b", 3}, {"c", 25}};
  // A/A between separate runs that drift by σ = 0.12 (about ±33% at 95%, like this machine kind),
  // one run a side, uncalibrated: at most 5% of cells called changed.
  Machine drifting{0.12, 0.0, 0.03};
  int called = 0, cells_seen = 0;
  for (std::uint64_t k = 0; k < 100; ++k) {
    auto c = compare_runs(run("x", cells, {"native"}, 15, 1000 + 2 * k, drifting),
                          run("y", cells, {"native"}, 15, 1001 + 2 * k, drifting));
    for (const auto& ch : c.changes) {
      ++cells_seen;
      called += ch.verdict == "slower" || ch.verdict == "faster";
    }
  }
  std::cout << "single-run A/A, uncalibrated: " << called << " of " << cells_seen << " cells called changed\n";
  EXPECT_LE(called, cells_seen * 5 / 100) << called << " of " << cells_seen << " A/A cells called changed";

  // Interleaved A/A and A/B in one run on a machine whose rounds drift: the planner's repetitions
  // for a 10% change at power 0.95 (σ of the paired log ratio √2 × 0.03) find it in ≥ 95% of runs;
  // A/A calls at most 5% of cells.
  Machine rounds{0.0, 0.15, 0.03};
  const double alpha_per_cell = 0.05 / static_cast<double>(cells.size());
  const auto n = stats::pairs_for_power(std::log(1.10) / (std::sqrt(2.0) * 0.03), 0.95, alpha_per_cell);
  int found = 0, false_calls = 0, tried = 0;
  for (std::uint64_t k = 0; k < 100; ++k) {
    auto ab = compare_interleaved(run("ab", cells, {"native@old", "native@new"}, static_cast<int>(std::max<std::size_t>(n, 6)),
                                      5000 + k, rounds, {{"native@new", 1.10}}));
    auto aa = compare_interleaved(run("aa", cells, {"native@old", "native@new"}, static_cast<int>(std::max<std::size_t>(n, 6)),
                                      9000 + k, rounds));
    for (const auto& ch : ab.changes) found += ch.verdict == "slower";
    for (const auto& ch : aa.changes) false_calls += ch.verdict == "slower" || ch.verdict == "faster";
    tried += static_cast<int>(cells.size());
  }
  std::cout << "interleaved, " << n << " pairs: 10% found in " << found << " of " << tried << " cells; A/A called in "
            << false_calls << " of " << tried << "\n";
  EXPECT_GE(found, tried * 95 / 100) << found << " of " << tried << " 10% slowdowns found with " << n << " pairs";
  EXPECT_LE(false_calls, tried * 5 / 100) << false_calls << " of " << tried << " interleaved A/A cells called changed";
}

TEST(Calibration, RecoversTheDriftOfSimulatedRunsAndRoundTrips) {
  Machine drifting{0.10, 0.0, 0.02};
  std::vector<RunResults> runs;
  for (std::uint64_t k = 0; k < 12; ++k)
    runs.push_back(run("r" + std::to_string(k), {{"a", 10}}, {"native", "native@twin"}, 15, 40 + k, drifting));
  auto c = calibrate(runs);
  ASSERT_EQ(c.cells.size(), 1u);
  const auto& cell = c.cells[0];
  EXPECT_EQ(cell.runs, 12u);
  EXPECT_NEAR(cell.sigma_run, 0.10, 0.05);
  EXPECT_NEAR(cell.sigma_repetition, 0.02, 0.005);
  EXPECT_NEAR(cell.sigma_pair, 0.02 * std::sqrt(2.0), 0.01);
  EXPECT_NEAR(cell.between_runs_floor, std::expm1(1.959963984540054 * std::sqrt(2.0) * cell.sigma_run), 1e-12);
  EXPECT_LT(cell.within_run_floor, 0.05);  // twins differ only by noise here
  EXPECT_GT(cell.pairs_called, cell.pairs_compared / 2);  // floorless tests would call most A/A pairs changed
  auto back = calibration_from_json(to_json(c));
  EXPECT_EQ(back.cells.size(), 1u);
  EXPECT_DOUBLE_EQ(back.between_runs_floor("a", "native@new"), cell.between_runs_floor);
  EXPECT_DOUBLE_EQ(back.between_runs_floor("unknown", "native"), cell.between_runs_floor);  // the widest known
  EXPECT_THROW(calibrate({runs[0], runs[1]}), std::invalid_argument);
  auto broken = to_json(c);
  broken["cells"][0]["between_runs_floor"] = -1;
  EXPECT_THROW(calibration_from_json(broken), std::invalid_argument);
}

}  // namespace
}  // namespace legion::report
