#include "legion/report/compare.hpp"

#include <gtest/gtest.h>

#include "legion/stats/intervals.hpp"

namespace legion::report {
namespace {

// A stored run with `n` records per cell, wall times log-normally spread around `median_ms`.
RunResults run(const std::string& id, std::map<std::string, double> median_ms, int n, std::uint64_t seed) {
  RunResults r;
  r.context.run_id = id;
  stats::detail::Random random(seed);
  for (const auto& [scenario, median] : median_ms)
    for (int i = 0; i < n; ++i) {
      core::RunRecord rec;
      rec.system = "native";
      rec.scenario = scenario;
      rec.repetition = i;
      rec.wall_ns = static_cast<std::int64_t>(median * 1e6 * std::exp(0.03 * random.normal()));
      rec.correct = true;
      r.records.push_back(rec);
    }
  r.summaries = summarize(r.records);
  return r;
}

TEST(Compare, FindsAnInjectedSlowdownAndOnlyIt) {
  auto before = run("old", {{"a", 10}, {"b", 20}, {"c", 5}}, 12, 1);
  auto after = run("new", {{"a", 12}, {"b", 20}, {"c", 5}}, 12, 2);  // a is 20% slower
  auto c = compare_runs(before, after);
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
  EXPECT_TRUE(j["regression"].get<bool>());
}

TEST(Compare, TheSameThingTwiceIsNoChangeAndCanBeShownEquivalent) {
  auto first = run("one", {{"a", 10}, {"b", 20}}, 20, 3);
  auto second = run("two", {{"a", 10}, {"b", 20}}, 20, 4);
  CompareOptions options;
  options.margin = 0.05;
  auto c = compare_runs(first, second, options);
  for (const auto& ch : c.changes) EXPECT_EQ(ch.verdict, "equivalent") << ch.scenario;
  EXPECT_FALSE(c.regression());
  auto faster = compare_runs(run("x", {{"a", 10}}, 12, 5), run("y", {{"a", 8}}, 12, 6));
  EXPECT_EQ(faster.changes[0].verdict, "faster");
}

TEST(Compare, ThresholdKeepsSmallSignificantChangesUncalled) {
  auto before = run("old", {{"a", 10}}, 40, 7);
  auto after = run("new", {{"a", 10.4}}, 40, 8);  // +4%, clearly significant with 40 values
  EXPECT_EQ(compare_runs(before, after).changes[0].verdict, "slower");
  CompareOptions options;
  options.threshold = 0.10;
  EXPECT_EQ(compare_runs(before, after, options).changes[0].verdict, "no significant difference");
}

TEST(Compare, CellsMissingFromTheOldRunAreNotComparable) {
  auto before = run("old", {{"a", 10}}, 5, 9);
  auto after = run("new", {{"a", 10}, {"new-scenario", 3}}, 5, 10);
  auto c = compare_runs(before, after);
  ASSERT_EQ(c.changes.size(), 2u);
  EXPECT_EQ(c.changes[1].verdict, "not comparable");
  CompareOptions unknown;
  unknown.metric = "latency";
  EXPECT_THROW(compare_runs(before, after, unknown), std::invalid_argument);
}

}  // namespace
}  // namespace legion::report
