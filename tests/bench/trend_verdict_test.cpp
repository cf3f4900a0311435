// The endurance suite's leak and degradation rule (report/include/legion/report/trend_verdict.hpp)
// on synthetic series: what a ten-minute run sees once a second after its warm-up.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "legion/report/trend_verdict.hpp"

namespace {

using legion::report::TrendRule;
using legion::report::trend_verdict;

const TrendRule kRss{0.10, 1.0, 1.0, 24 * 3600};  // as the endurance analysis calls it for RSS (MB)
constexpr double kPage = 4096.0 / (1024 * 1024);  // MB

// The steady state of a 600 s run with the first third left out: t = 200 … 599 s.
std::vector<double> seconds() {
  std::vector<double> t;
  for (int s = 200; s < 600; ++s) t.push_back(s);
  return t;
}

TEST(TrendVerdict, PageSizedStepsInAFlatSeriesAreNoLeak) {
  // Two pages more in the second half: significant by Mann–Kendall, a steep slope projected over a
  // day (the old rule's "leak"), but 8 KB is a step, not growth the run saw.
  const auto t = seconds();
  std::vector<double> rss;
  for (double s : t) rss.push_back(16.0 + (s >= 400 ? kPage : 0) + (s >= 500 ? kPage : 0));
  const auto v = trend_verdict("RSS", "MB", t, rss, kRss);
  EXPECT_EQ(v["verdict"], "rises, below the threshold") << v.dump();
  EXPECT_LT(v["p_value"].get<double>(), 0.05);
  EXPECT_GT(v["projected_growth"].get<double>(), v["threshold"].get<double>());  // what made the old rule say leak
  EXPECT_LT(v["observed_growth"].get<double>(), 0.05);
}

TEST(TrendVerdict, SteadyMegabyteAMinuteIsALeak) {
  const auto t = seconds();
  std::vector<double> rss;
  for (double s : t) rss.push_back(16.0 + s / 60.0 + (static_cast<int>(s) % 7) * kPage);  // a page or two of jitter
  const auto v = trend_verdict("RSS", "MB", t, rss, kRss);
  EXPECT_EQ(v["verdict"], "grows") << v.dump();
  EXPECT_NEAR(v["slope_per_hour"].get<double>(), 60.0, 1.0);
  EXPECT_GT(v["low_per_hour"].get<double>(), 0);
}

TEST(TrendVerdict, NoiseWithoutTrendIsNoLeak) {
  const auto t = seconds();
  std::vector<double> rss;
  for (double s : t) rss.push_back(16.0 + std::sin(s * 0.7) * 0.2);
  EXPECT_EQ(trend_verdict("RSS", "MB", t, rss, kRss)["verdict"], "no significant trend");
}

TEST(TrendVerdict, GrowthTooSlowToSeeInTheWindowSaysWhatTheRunCouldDetect) {
  // 60 KB/min: 0.4 MB over the window, 86 MB a day — real, but under the resolution of this run.
  const auto t = seconds();
  std::vector<double> rss;
  for (double s : t) rss.push_back(16.0 + s * 0.001);
  const auto v = trend_verdict("RSS", "MB", t, rss, kRss);
  EXPECT_EQ(v["verdict"], "rises, below the threshold");
  EXPECT_NEAR(v["detectable_per_hour"].get<double>(), 3600.0 / 399, 0.01);  // 1 MB over the 399 s window
}

TEST(TrendVerdict, ConstantFallingAndShortSeries) {
  const auto t = seconds();
  EXPECT_EQ(trend_verdict("threads", "threads", t, std::vector<double>(t.size(), 24), {0, 0.5, 2, 86400})["verdict"], "flat (constant)");
  std::vector<double> falling;
  for (double s : t) falling.push_back(100 - s / 10);
  EXPECT_EQ(trend_verdict("RSS", "MB", t, falling, kRss)["verdict"], "falls");
  EXPECT_EQ(trend_verdict("RSS", "MB", {1, 2, 3}, {1, 2, 3}, kRss)["verdict"], "too few samples");
}

TEST(TrendVerdict, DescriptorLeakCountsWholeDescriptors) {
  // One descriptor opened once is a step; one every 30 s keeps growing.
  const auto t = seconds();
  std::vector<double> once, steady;
  for (double s : t) once.push_back(s >= 300 ? 13 : 12), steady.push_back(12 + std::floor((s - 200) / 30));
  const TrendRule fds{0, 0.5, 2, 86400};
  EXPECT_NE(trend_verdict("fds", "fds", t, once, fds)["verdict"], "grows");
  EXPECT_EQ(trend_verdict("fds", "fds", t, steady, fds)["verdict"], "grows");
}

}  // namespace
