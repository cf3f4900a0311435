// The one pairwise comparison behind the run summary, `analyze` and `compare` (one run a side).
#include "legion/report/pairwise.hpp"

#include <gtest/gtest.h>

namespace legion::report {
namespace {

TEST(Pairwise, TestCorrectionEffectSizeAndIntervalAsTheStatsModuleGivesThem) {
  const std::vector<double> a = {10, 11, 12, 13, 14, 15}, b = {20, 21, 22, 23, 24, 25}, c = {10.5, 11.5, 12.5, 13.5, 14.5, 15.5};
  const std::vector<SamplePair> pairs = {{b, a}, {c, a}};
  StatisticsOptions options;
  const auto holm = compare_pairs(pairs, options, Interval::ratio);
  ASSERT_EQ(holm.size(), 2u);
  const std::vector<double> raw = {stats::mann_whitney_u(b, a).p_value, stats::mann_whitney_u(c, a).p_value};
  EXPECT_EQ(holm[0].p_value, raw[0]);
  EXPECT_EQ(holm[0].p_adjusted, stats::holm(raw)[0]);
  EXPECT_EQ(holm[1].p_adjusted, stats::holm(raw)[1]);
  EXPECT_TRUE(holm[0].significant);
  EXPECT_FALSE(holm[1].significant);
  EXPECT_EQ(holm[0].cliffs_delta, 1.0);
  EXPECT_EQ(holm[0].interval->point, stats::hodges_lehmann_ratio(b, a).point);

  options.correction = "bh";
  const auto bh = compare_pairs(pairs, options, Interval::shift);
  EXPECT_EQ(bh[1].p_adjusted, stats::benjamini_hochberg(raw)[1]);
  EXPECT_EQ(bh[0].interval->point, stats::hodges_lehmann(b, a).point);

  options.correction = "bonferroni";
  EXPECT_THROW(compare_pairs(pairs, options, Interval::shift), std::invalid_argument);
}

TEST(Pairwise, TiedSamplesHaveNothingToTestAndNonPositiveRatiosAreNotComparable) {
  const std::vector<double> same = {5, 5, 5}, a = {1, 2, 3}, b = {2, 3, 4}, bad = {-1, 2, 3};
  const std::vector<SamplePair> pairs = {{same, same}, {a, b}, {bad, b}};
  const auto results = compare_pairs(pairs, {}, Interval::ratio);
  EXPECT_TRUE(results[0].comparable());  // p = 1, and it counts in the family
  EXPECT_FALSE(results[0].test);
  EXPECT_EQ(results[0].p_value, 1.0);
  EXPECT_EQ(results[0].notes.size(), 1u);
  EXPECT_FALSE(results[2].comparable());  // out of the family: two p values corrected, not three
  EXPECT_EQ(results[2].notes.back(), "a ratio on log scale needs positive values");
  const std::vector<double> family = {1.0, results[1].p_value};
  EXPECT_EQ(results[1].p_adjusted, stats::holm(family)[1]);
}

}  // namespace
}  // namespace legion::report
