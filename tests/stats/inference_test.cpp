#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "legion/stats/compare.hpp"
#include "legion/stats/descriptive.hpp"
#include "legion/stats/hdr_histogram.hpp"
#include "legion/stats/intervals.hpp"
#include "legion/stats/planning.hpp"
#include "legion/stats/trend.hpp"

namespace legion::stats {
namespace {

std::vector<double> normal_sample(detail::Random& random, std::size_t n, double mu, double sigma) {
  std::vector<double> xs(n);
  for (auto& x : xs) x = mu + sigma * random.normal();
  return xs;
}

// A seeded Monte Carlo: a 95% interval must cover the true value in 93.5–96.5% of 1,000 trials.
TEST(Bootstrap, BcaCoverageOfTheMeanIsNominal) {
  detail::Random random(42);
  int covered = 0;
  for (int trial = 0; trial < 1000; ++trial) {
    auto xs = normal_sample(random, 100, 10.0, 2.0);
    auto r = bootstrap_mean(xs, {2000, static_cast<std::uint64_t>(trial + 1), 0.95});
    covered += r.bca.lower <= 10.0 && 10.0 <= r.bca.upper;
  }
  RecordProperty("covered_of_1000", covered);
  EXPECT_GE(covered, 935);
  EXPECT_LE(covered, 965);
}

TEST(Bootstrap, TIntervalCoverageIsNominal) {
  detail::Random random(7);
  int covered = 0;
  for (int trial = 0; trial < 1000; ++trial) {
    auto xs = normal_sample(random, 10, 3.0, 1.0);
    auto e = t_interval_mean(xs);
    covered += e.lower <= 3.0 && 3.0 <= e.upper;
  }
  RecordProperty("covered_of_1000", covered);
  EXPECT_GE(covered, 935);
  EXPECT_LE(covered, 965);
}

TEST(Bootstrap, SeededAndFastPathsAgreeWithTheGenericOne) {
  detail::Random random(3);
  auto xs = normal_sample(random, 101, 5, 1);
  auto again = bootstrap_median(xs, {1000, 9, 0.95});
  auto fast = bootstrap_median(xs, {1000, 9, 0.95});
  EXPECT_EQ(fast.bca.lower, again.bca.lower);  // same seed, same interval
  EXPECT_EQ(fast.seed, 9u);
  // The fast median path resamples sorted data by counts: the generic path on sorted data with
  // the same seed draws the same indices.
  std::vector<double> sorted = xs;
  std::sort(sorted.begin(), sorted.end());
  auto generic = bootstrap(sorted, [](std::span<const double> v) { return median(v); }, {1000, 9, 0.95});
  EXPECT_DOUBLE_EQ(fast.bca.lower, generic.bca.lower);
  EXPECT_DOUBLE_EQ(fast.bca.upper, generic.bca.upper);
  EXPECT_DOUBLE_EQ(fast.acceleration, generic.acceleration);
  auto mean_fast = bootstrap_mean(xs, {1000, 4, 0.95});
  auto mean_generic = bootstrap(xs, [](std::span<const double> v) { return mean(v); }, {1000, 4, 0.95});
  EXPECT_NEAR(mean_fast.bca.lower, mean_generic.bca.lower, 1e-12);
  EXPECT_NEAR(mean_fast.percentile.upper, mean_generic.percentile.upper, 1e-12);
  auto other_seed = bootstrap_median(xs, {1000, 10, 0.95});
  EXPECT_NE(other_seed.bca.lower + other_seed.bca.upper, fast.bca.lower + fast.bca.upper);
}

TEST(SmallSamples, ClearMessagesNotNaN) {
  std::vector<double> one = {1.0}, two = {1.0, 2.0}, constant = {4.0, 4.0, 4.0}, other_constant = {5.0, 5.0};
  EXPECT_THROW(t_interval_mean(one), std::invalid_argument);
  auto t = t_interval_mean(two);
  EXPECT_TRUE(std::isfinite(t.lower) && std::isfinite(t.upper));
  auto flat = t_interval_mean(constant);
  EXPECT_EQ(flat.lower, 4.0);
  EXPECT_EQ(flat.upper, 4.0);
  try {
    welch_t(constant, other_constant);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "Welch's t test: both samples are constant, so there is no variance to test against");
  }
  EXPECT_THROW(bootstrap_median(one), std::invalid_argument);
  auto b = bootstrap_median(constant, {1000, 1, 0.95});
  EXPECT_EQ(b.percentile.lower, 4.0);  // a degenerate distribution: no NaN
  EXPECT_FALSE(std::isnan(b.bca.lower));
  EXPECT_THROW(kendall_tau(std::vector<double>{1, 2, 3}, constant), std::invalid_argument);
  auto m = median_order_statistic_interval(std::vector<double>{1, 2, 3, 4});
  EXPECT_FALSE(m.bounded);  // 4 values cannot reach 95%
  std::vector<double> zeros = {0.0, 0.0, 0.0};
  EXPECT_THROW(ratio_of_means_fieller(two, zeros), std::invalid_argument);
}

TEST(Effects, MagnitudeLabels) {
  EXPECT_EQ(cliffs_delta_magnitude(0.1), "negligible");
  EXPECT_EQ(cliffs_delta_magnitude(-0.2), "small");
  EXPECT_EQ(cliffs_delta_magnitude(0.4), "medium");
  EXPECT_EQ(cliffs_delta_magnitude(0.9), "large");
  EXPECT_EQ(vargha_delaney_magnitude(0.52), "negligible");
  EXPECT_EQ(vargha_delaney_magnitude(0.35), "medium");
  EXPECT_EQ(vargha_delaney_magnitude(0.9), "large");
}

TEST(Effects, MannWhitneyDistributionSumsToOneAndIsSymmetric) {
  auto pmf = mann_whitney_distribution(4, 7);
  double total = 0;
  for (double v : pmf) total += v;
  EXPECT_NEAR(total, 1.0, 1e-12);
  for (std::size_t u = 0; u < pmf.size(); ++u) EXPECT_NEAR(pmf[u], pmf[pmf.size() - 1 - u], 1e-12);
  EXPECT_NEAR(pmf[0], 1.0 / 330, 1e-15);  // C(11, 4) = 330
}

TEST(Suite, GeometricMeanOfRatios) {
  std::vector<double> a1 = {2, 2.1, 1.9, 2.05}, b1 = {1, 1.05, 0.95, 1.0};      // ratio ~2
  std::vector<double> a2 = {8, 8.2, 7.9, 8.1}, b2 = {1, 1.02, 0.98, 1.01};      // ratio ~8
  std::vector<Cell> cells = {{a1, b1}, {a2, b2}};
  auto g = geometric_mean_ratio(cells, {2000, 5, 0.95});
  EXPECT_NEAR(g.point, 4.0, 0.1);  // sqrt(2 * 8)
  EXPECT_LT(g.lower, g.point);
  EXPECT_GT(g.upper, g.point);
}

TEST(Planning, SequentialControllerStopsWhenPreciseOrCapped) {
  SequentialController controller(0.05, 3, 20);
  std::vector<double> tight = {100, 101, 99};
  EXPECT_EQ(controller.decide(std::span(tight).first(2)), SequentialController::Decision::more);
  EXPECT_EQ(controller.decide(tight), SequentialController::Decision::enough);
  std::vector<double> noisy = {10, 200, 50};
  EXPECT_EQ(controller.decide(noisy), SequentialController::Decision::more);
  std::vector<double> many(20, 1.0);
  many[0] = 100;
  EXPECT_EQ(controller.decide(many), SequentialController::Decision::cap_reached);
}

TEST(Outliers, TukeyFencesFlagWithoutRemoving) {
  std::vector<double> xs = {10, 11, 12, 11, 10, 12, 11, 14.5, 100};  // quartiles 11 and 12
  auto o = tukey_outliers(xs);
  EXPECT_EQ(o.severe, std::vector<std::size_t>{8});
  EXPECT_EQ(o.mild, std::vector<std::size_t>{7});
  EXPECT_EQ(xs.size(), 9u);
}

// HdrHistogram_c's own test (test/hdr_histogram_test.c): 10,000 values of 1 ms plus one 100 s
// stall, recorded raw and with coordinated-omission correction at a 10 ms expected interval.
class HdrExample : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 10000; ++i) {
      raw.record(1000);
      corrected.record_corrected(1000, 10000);
    }
    raw.record(100000000);
    corrected.record_corrected(100000000, 10000);
  }
  static bool near(std::int64_t actual, double expected) { return std::abs(static_cast<double>(actual) - expected) <= expected * 0.001; }
  HdrHistogram raw{1, INT64_C(3600) * 1000 * 1000, 3};
  HdrHistogram corrected{1, INT64_C(3600) * 1000 * 1000, 3};
};

TEST_F(HdrExample, LayoutAndCounts) {
  EXPECT_EQ(raw.counts_length(), 23552u);
  EXPECT_EQ(raw.total_count(), 10001);
  EXPECT_EQ(corrected.total_count(), 20000);
  EXPECT_EQ(raw.min(), 1000);
  EXPECT_TRUE(raw.equivalent(raw.max(), 100000000));
  EXPECT_TRUE(corrected.equivalent(corrected.max(), 100000000));
}

TEST_F(HdrExample, PercentilesRawAndCorrected) {
  EXPECT_TRUE(near(raw.value_at_percentile(30.0), 1000.0));
  EXPECT_TRUE(near(raw.value_at_percentile(99.0), 1000.0));
  EXPECT_TRUE(near(raw.value_at_percentile(99.99), 1000.0));
  EXPECT_TRUE(near(raw.value_at_percentile(99.999), 100000000.0));
  EXPECT_TRUE(near(raw.value_at_percentile(100.0), 100000000.0));
  EXPECT_TRUE(near(corrected.value_at_percentile(30.0), 1000.0));
  EXPECT_TRUE(near(corrected.value_at_percentile(50.0), 1000.0));
  EXPECT_TRUE(near(corrected.value_at_percentile(75.0), 50000000.0));
  EXPECT_TRUE(near(corrected.value_at_percentile(90.0), 80000000.0));
  EXPECT_TRUE(near(corrected.value_at_percentile(99.0), 98000000.0));
  EXPECT_TRUE(near(corrected.value_at_percentile(99.999), 100000000.0));
  EXPECT_TRUE(near(corrected.value_at_percentile(100.0), 100000000.0));
}

TEST_F(HdrExample, MergeAddsCountsAndRangeIsEnforced) {
  HdrHistogram merged(1, INT64_C(3600) * 1000 * 1000, 3);
  merged.merge(raw);
  merged.merge(corrected);
  EXPECT_EQ(merged.total_count(), 30001);
  EXPECT_EQ(merged.count_at(1000), 20000);
  HdrHistogram small(1, 1000, 4);
  EXPECT_TRUE(small.record(32767));  // the layout covers up to the next power of two
  EXPECT_FALSE(small.record(32768));
  EXPECT_THROW(HdrHistogram(0, 100, 3), std::invalid_argument);
  EXPECT_THROW(HdrHistogram(1, 100, 6), std::invalid_argument);
}

}  // namespace
}  // namespace legion::stats
