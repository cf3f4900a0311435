#include "legion/stats/descriptive.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace legion::stats {
namespace {

// Reference values from numpy 1.x (np.quantile default "linear", np.std(ddof=1)).
TEST(Descriptive, MatchesNumpy) {
  std::vector<double> xs = {3.1, 1.0, 4.1, 1.5, 9.2, 6.5, 2.6};
  EXPECT_DOUBLE_EQ(median(xs), 3.1);
  EXPECT_NEAR(quantile(xs, 0.25), 2.05, 1e-12);
  EXPECT_NEAR(quantile(xs, 0.9), 7.58, 1e-12);
  EXPECT_NEAR(mean(xs), 4.0, 1e-12);
  EXPECT_NEAR(stddev(xs), 2.924608235872513, 1e-12);
  EXPECT_DOUBLE_EQ(min(xs), 1.0);
  EXPECT_DOUBLE_EQ(max(xs), 9.2);
  std::vector<double> even = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(median(even), 2.5);
}

TEST(Descriptive, SmallAndEmptySamples) {
  std::vector<double> one = {5};
  EXPECT_DOUBLE_EQ(median(one), 5);
  EXPECT_DOUBLE_EQ(stddev(one), 0);
  std::vector<double> none;
  EXPECT_THROW(median(none), std::invalid_argument);
  EXPECT_THROW(quantile(one, 1.5), std::invalid_argument);
}

}  // namespace
}  // namespace legion::stats
