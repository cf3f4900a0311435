#include "legion/stats/descriptive.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace legion::stats {
namespace {
void require_values(std::span<const double> xs, const char* what) {
  if (xs.empty()) throw std::invalid_argument(std::string(what) + " of an empty sample");
}
}  // namespace

double mean(std::span<const double> xs) {
  require_values(xs, "mean");
  return std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(xs.size());
}

double quantile(std::span<const double> xs, double q) {
  require_values(xs, "quantile");
  if (!(q >= 0 && q <= 1)) throw std::invalid_argument("quantile level must be within [0, 1]");
  std::vector<double> sorted(xs.begin(), xs.end());
  std::sort(sorted.begin(), sorted.end());
  // h = (n - 1) q; interpolate between x[floor(h)] and x[floor(h) + 1].
  double h = static_cast<double>(sorted.size() - 1) * q;
  auto lo = static_cast<std::size_t>(std::floor(h));
  auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double median(std::span<const double> xs) { return quantile(xs, 0.5); }

double min(std::span<const double> xs) {
  require_values(xs, "min");
  return *std::min_element(xs.begin(), xs.end());
}

double max(std::span<const double> xs) {
  require_values(xs, "max");
  return *std::max_element(xs.begin(), xs.end());
}

double stddev(std::span<const double> xs) {
  require_values(xs, "standard deviation");
  if (xs.size() == 1) return 0;
  double m = mean(xs);
  double ss = 0;
  for (double x : xs) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(xs.size() - 1));
}

Summary summarize(std::span<const double> xs) {
  return {xs.size(), median(xs), mean(xs), min(xs), max(xs), stddev(xs)};
}

}  // namespace legion::stats
