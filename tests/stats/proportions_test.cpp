// Wilson intervals, pass^k and pass@k against reference values computed independently with Python's
// fractions, math.comb and statistics.NormalDist (no scipy):
//   z = NormalDist().inv_cdf(0.975); p = s/n; d = 1 + z*z/n
//   centre = (p + z*z/(2*n))/d; half = z/d*sqrt(p*(1-p)/n + z*z/(4*n*n))
//   pass_hat = Fraction(comb(c, k), comb(n, k)); pass_at = 1 - Fraction(comb(n - c, k), comb(n, k))
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "legion/stats/proportions.hpp"

namespace legion::stats {
namespace {

TEST(Wilson, KnownReferenceValues) {
  struct Case {
    std::size_t s, n;
    double level, lower, upper;
  };
  const Case cases[] = {
      {0, 10, 0.95, 0.0, 0.27753279986288915},
      {10, 10, 0.95, 0.7224672001371109, 1.0},
      {5, 10, 0.95, 0.23659309051256405, 0.763406909487436},
      {1, 20, 0.95, 0.008881448800795375, 0.236131193446742},
      {81, 263, 0.95, 0.2552885198782743, 0.3662095769828001},
      {3, 10, 0.99, 0.07956631652306578, 0.6799753207988973},
  };
  for (const auto& c : cases) {
    const auto e = wilson_interval(c.s, c.n, c.level);
    EXPECT_DOUBLE_EQ(e.point, static_cast<double>(c.s) / static_cast<double>(c.n)) << c.s << "/" << c.n;
    EXPECT_NEAR(e.lower, c.lower, 1e-12) << c.s << "/" << c.n;
    EXPECT_NEAR(e.upper, c.upper, 1e-12) << c.s << "/" << c.n;
    EXPECT_DOUBLE_EQ(e.level, c.level);
  }
  // The bounds at 0/n and n/n are exact.
  EXPECT_EQ(wilson_interval(0, 10).lower, 0.0);
  EXPECT_EQ(wilson_interval(10, 10).upper, 1.0);
}

TEST(Wilson, RefusesWhatIsNotAProportion) {
  EXPECT_THROW(wilson_interval(0, 0), std::invalid_argument);
  EXPECT_THROW(wilson_interval(4, 3), std::invalid_argument);
  EXPECT_THROW(wilson_interval(1, 3, 1.0), std::invalid_argument);
}

TEST(PassK, UnbiasedEstimatorsMatchExactBinomialRatios) {
  struct Case {
    std::size_t n, c, k;
    double hat, at;
  };
  const Case cases[] = {
      {5, 3, 1, 0.6, 0.6},
      {5, 3, 2, 0.3, 0.9},
      {5, 3, 3, 0.1, 1.0},
      {5, 3, 4, 0.0, 1.0},
      {10, 7, 5, 0.08333333333333333, 1.0},
      {300, 150, 3, 0.12374581939799331, 0.8762541806020067},
      {300, 150, 5, 0.030210128036214992, 0.969789871963785},
      {300, 290, 100, 0.016055695809368005, 1.0},
  };
  for (const auto& c : cases) {
    ASSERT_TRUE(pass_hat_k(c.n, c.c, c.k)) << c.n << " " << c.c << " " << c.k;
    EXPECT_NEAR(*pass_hat_k(c.n, c.c, c.k), c.hat, 1e-15) << c.n << " " << c.c << " " << c.k;
    EXPECT_NEAR(*pass_at_k(c.n, c.c, c.k), c.at, 1e-15) << c.n << " " << c.c << " " << c.k;
  }
  // k = 1 is the success rate for both.
  EXPECT_DOUBLE_EQ(*pass_hat_k(7, 2, 1), 2.0 / 7.0);
  EXPECT_DOUBLE_EQ(*pass_at_k(7, 2, 1), 2.0 / 7.0);
}

TEST(PassK, UndefinedBeyondTheTrials) {
  EXPECT_FALSE(pass_hat_k(4, 4, 5));
  EXPECT_FALSE(pass_at_k(4, 4, 5));
  EXPECT_FALSE(pass_hat_k(4, 4, 0));
  EXPECT_THROW(pass_hat_k(4, 5, 1), std::invalid_argument);
}

TEST(PassK, AveragedOverTasksAsTauBench) {
  const std::vector<TaskTrials> tasks{{5, 3}, {5, 5}, {5, 0}};
  EXPECT_NEAR(*mean_pass_hat_k(tasks, 2), 0.43333333333333335, 1e-15);  // (0.3 + 1 + 0) / 3
  EXPECT_NEAR(*mean_pass_at_k(tasks, 2), 0.6333333333333333, 1e-15);    // (0.9 + 1 + 0) / 3
  EXPECT_FALSE(mean_pass_hat_k(tasks, 6));
  const std::vector<TaskTrials> uneven{{5, 3}, {3, 3}};
  EXPECT_FALSE(mean_pass_hat_k(uneven, 4));  // one task has too few trials
  EXPECT_FALSE(mean_pass_hat_k(std::span<const TaskTrials>{}, 1));
}

}  // namespace
}  // namespace legion::stats
