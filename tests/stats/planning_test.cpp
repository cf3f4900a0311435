#include "legion/stats/planning.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace legion::stats {
namespace {

// The search answers with the smallest count that is enough, as counting up one by one would.
TEST(Planning, TheCountFoundIsTheSmallestThatReachesThePower) {
  for (const double effect : {2.0, 0.5, 0.1, 0.02}) {
    const auto n = repetitions_for_power(effect, 0.9, 0.01);
    EXPECT_GE(two_sample_power(effect, n, 0.01), 0.9) << effect;
    if (n > 2) {
      EXPECT_LT(two_sample_power(effect, n - 1, 0.01), 0.9) << effect;
    }
  }
  for (const double effect : {1.0, 0.05}) {
    const auto pairs = pairs_for_power(effect, 0.95, 0.001);
    EXPECT_GT(pairs, 2u);
  }
}

// An effect too small for 10 million repetitions is said so; the search does not count up to
// there one by one (`plan --change 1e-4` ran for hours that way).
TEST(Planning, AnEffectBeyondTenMillionRepetitionsEndsWithTheReason) {
  const double tiny = 1e-4 / 0.03;  // a 0.01% change against 3% run-to-run drift
  const auto n = repetitions_for_power(tiny, 0.95, 0.05 / 12);
  EXPECT_GT(n, 1'000'000u);
  EXPECT_GE(two_sample_power(tiny, n, 0.05 / 12), 0.95);
  try {
    repetitions_for_power(1e-6, 0.95, 0.05);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "the effect is too small to detect with fewer than 10 million repetitions");
  }
  EXPECT_THROW(pairs_for_power(1e-6, 0.95, 0.05), std::invalid_argument);
}

// A change against a drift of (nearly) zero: found with the fewest repetitions, not an error from
// the noncentral t's series.
TEST(Planning, AnEffectTooLargeToComputeNeedsTheFewestRepetitions) {
  for (const double effect : {1e300, std::numeric_limits<double>::infinity()}) {
    EXPECT_EQ(repetitions_for_power(effect, 0.95, 1e-6), 2u);
    EXPECT_EQ(two_sample_power(effect, 2, 1e-6), 1.0);
    EXPECT_EQ(pairs_for_power(effect, 0.95, 1e-6), 3u);  // 2 pairs, over the signed-rank test's efficiency
  }
}

}  // namespace
}  // namespace legion::stats
