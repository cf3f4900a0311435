#pragma once
// The endurance suite's verdict on one series over time (RSS, file descriptors, threads, p99, error
// rate): does it grow, and does the growth matter? A series *grows* only when all three hold:
//  - significant: Mann–Kendall finds a rising trend (p < 0.05) and the Theil–Sen slope's 95%
//    interval lies above 0;
//  - seen: the growth within the measured window (slope × window) reaches the series' resolution —
//    RSS moves in pages and the allocator claims and returns memory in 128 KiB steps, so a few pages
//    more in a ten-minute run are a step, not a trend (a leak keeps growing);
//  - material: the growth extrapolated over the horizon (24 h for resources, the run for latency and
//    errors) exceeds both the absolute threshold and the relative one (a share of the median).
// Samples from the warm-up are the caller's to leave out.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace legion::report {

struct TrendRule {
  double relative = 0;    // the projected growth must exceed this share of the series' median...
  double absolute = 0;    // ...and this many units
  double resolution = 0;  // the growth within the window must reach this many units
  double horizon_s = 0;   // over which the slope is projected
};

// {"series", "unit", "n", "median", "slope_per_hour" [low, high], "tau", "p_value", "observed_growth",
//  "projected_growth", "threshold", "detectable_per_hour", "verdict"}; the verdict is "grows", "rises,
// below the threshold", "falls", "flat (constant)", "no significant trend" or "too few samples".
nlohmann::json trend_verdict(const std::string& series, const std::string& unit, const std::vector<double>& t_s,
                             const std::vector<double>& values, const TrendRule& rule);

}  // namespace legion::report
