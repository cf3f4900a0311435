#include "legion/report/trend_verdict.hpp"

#include <algorithm>
#include <cmath>

#include "legion/stats/descriptive.hpp"
#include "legion/stats/trend.hpp"

namespace legion::report {

nlohmann::json trend_verdict(const std::string& series, const std::string& unit, const std::vector<double>& t, const std::vector<double>& y,
                             const TrendRule& rule) {
  nlohmann::json out = {{"series", series}, {"unit", unit}, {"n", y.size()}};
  if (y.size() < 5 || t.size() != y.size()) {
    out["verdict"] = "too few samples";
    return out;
  }
  const double med = stats::median(y);
  const double window = t.back() - t.front();
  const double threshold = std::max(rule.absolute, rule.relative * std::abs(med));
  // The slowest growth this run could call material and see: below it, a longer run is needed.
  const double detectable = std::max(window > 0 ? rule.resolution / window : 0.0, rule.horizon_s > 0 ? threshold / rule.horizon_s : 0.0);
  out.update({{"median", med}, {"window_s", window}, {"threshold", threshold}, {"resolution", rule.resolution},
              {"horizon_s", rule.horizon_s}, {"detectable_per_hour", detectable * 3600}});
  if (std::all_of(y.begin(), y.end(), [&](double v) { return v == y.front(); })) {
    out.update({{"slope_per_hour", 0.0}, {"low_per_hour", 0.0}, {"high_per_hour", 0.0}, {"tau", 0.0}, {"p_value", 1.0},
                {"observed_growth", 0.0}, {"projected_growth", 0.0}, {"verdict", "flat (constant)"}});
    return out;
  }
  const auto ts = stats::theil_sen(t, y);
  const auto mk = stats::mann_kendall(y);
  const double observed = ts.slope * window, projected = ts.slope * rule.horizon_s;
  out.update({{"slope_per_hour", ts.slope * 3600}, {"low_per_hour", ts.low * 3600}, {"high_per_hour", ts.high * 3600},
              {"tau", mk.tau}, {"p_value", mk.p_value}, {"observed_growth", observed}, {"projected_growth", projected}});
  const bool significant = mk.p_value < 0.05 && mk.tau > 0 && ts.low > 0;
  const bool seen = observed >= rule.resolution;
  const bool material = projected > threshold;
  const bool falls = mk.p_value < 0.05 && mk.tau < 0 && ts.high < 0;
  out["verdict"] = significant && seen && material ? "grows"
                   : significant                   ? "rises, below the threshold"
                   : falls                         ? "falls"
                                                   : "no significant trend";
  return out;
}

}  // namespace legion::report
