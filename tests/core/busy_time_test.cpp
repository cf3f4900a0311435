#include "legion/core/busy_time.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace legion::core {
namespace {

std::int64_t length(std::vector<TimeSpan> spans) { return union_length_ns(spans); }

TEST(BusyTime, NoSpansOrEmptyOnesAreNoTime) {
  EXPECT_EQ(length({}), 0);
  EXPECT_EQ(length({{5, 5}, {9, 3}}), 0);  // zero-length and reversed spans hold no time
}

TEST(BusyTime, DisjointSpansAdd) { EXPECT_EQ(length({{0, 10}, {20, 25}}), 15); }

TEST(BusyTime, ASpanInsideAnotherCountsOnce) { EXPECT_EQ(length({{0, 100}, {10, 20}, {30, 40}}), 100); }

TEST(BusyTime, TouchingSpansJoinWithoutGapOrDoubleCount) { EXPECT_EQ(length({{0, 10}, {10, 30}, {30, 31}}), 31); }

TEST(BusyTime, OverlappingSpansCountTheirUnion) {
  // Five calls in flight at once, as a consensus round sends them: 60 ns of service time in all,
  // 20 ns of the clock.
  EXPECT_EQ(length({{0, 12}, {2, 14}, {4, 16}, {6, 18}, {8, 20}}), 20);
  EXPECT_EQ(length({{0, 10}, {5, 15}, {40, 50}, {45, 46}}), 25);
}

TEST(BusyTime, OrderOfTheSpansDoesNotMatter) {
  EXPECT_EQ(length({{40, 50}, {5, 15}, {0, 10}, {45, 60}}), 35);
  EXPECT_EQ(length({{45, 60}, {0, 10}, {40, 50}, {5, 15}}), 35);
}

TEST(BusyTime, MergedGivesTheDisjointStretchesInOrder) {
  const std::vector<TimeSpan> spans = {{40, 50}, {0, 10}, {10, 12}, {45, 60}, {70, 70}};
  const auto out = merged(spans);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].start_ns, 0);
  EXPECT_EQ(out[0].end_ns, 12);
  EXPECT_EQ(out[1].start_ns, 40);
  EXPECT_EQ(out[1].end_ns, 60);
}

}  // namespace
}  // namespace legion::core
