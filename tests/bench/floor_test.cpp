// The machine's floor probes (bench/src/floor.hpp): each times every exchange it was asked for and
// refuses a probe of nothing. Their speed is the machine's, so no figure is asserted beyond sense.
#include "floor.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <stdexcept>

namespace legion::bench {
namespace {

TEST(Floor, TheBareRoundTripTimesEveryExchangeInEitherPlacement) {
  for (auto placement : {Placement::floating, Placement::one_cpu}) {
    const auto probe = loopback_round_trip(200, placement);
    EXPECT_EQ(probe.exchanges, 200);
    EXPECT_GT(probe.median_us, 0);
    EXPECT_GE(probe.p99_us, probe.median_us);
  }
}

TEST(Floor, TheNoWorkHttpExchangeTimesEveryExchangeWhateverTheBodySize) {
  for (std::size_t body : {0u, 512u, 100'000u}) {
    const auto probe = no_work_http_exchange(100, Placement::one_cpu, body);
    EXPECT_EQ(probe.exchanges, 100) << body;
    EXPECT_GT(probe.median_us, 0) << body;
    EXPECT_GE(probe.p99_us, probe.median_us) << body;
  }
}

TEST(Floor, AOneCpuProbeLeavesTheCallersCpusAsTheyWere) {
  cpu_set_t before, after;
  ASSERT_EQ(::sched_getaffinity(0, sizeof before, &before), 0);
  loopback_round_trip(100, Placement::one_cpu);
  ASSERT_EQ(::sched_getaffinity(0, sizeof after, &after), 0);
  EXPECT_TRUE(CPU_EQUAL(&before, &after));
}

TEST(Floor, AProbeOfNothingIsAnError) {
  EXPECT_THROW(loopback_round_trip(0), std::invalid_argument);
  EXPECT_THROW(no_work_http_exchange(-1), std::invalid_argument);
}

}  // namespace
}  // namespace legion::bench
