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

double sorted_quantile(std::span<const double> sorted, double q) {
  require_values(sorted, "quantile");
  if (!(q >= 0 && q <= 1)) throw std::invalid_argument("quantile level must be within [0, 1]");
  double h = static_cast<double>(sorted.size() - 1) * q;
  auto lo = static_cast<std::size_t>(std::floor(h));
  auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double quantile(std::span<const double> xs, double q) {
  require_values(xs, "quantile");
  std::vector<double> sorted(xs.begin(), xs.end());
  std::sort(sorted.begin(), sorted.end());
  return sorted_quantile(sorted, q);
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

double mad(std::span<const double> xs) {
  double m = median(xs);
  std::vector<double> deviations;
  deviations.reserve(xs.size());
  for (double x : xs) deviations.push_back(std::abs(x - m));
  return median(deviations);
}

double iqr(std::span<const double> xs) {
  std::vector<double> sorted(xs.begin(), xs.end());
  std::sort(sorted.begin(), sorted.end());
  return sorted_quantile(sorted, 0.75) - sorted_quantile(sorted, 0.25);
}

double coefficient_of_variation(std::span<const double> xs) {
  double m = mean(xs);
  if (m == 0) throw std::invalid_argument("coefficient of variation of a sample whose mean is 0");
  return stddev(xs) / m;
}

Outliers tukey_outliers(std::span<const double> xs) {
  std::vector<double> sorted(xs.begin(), xs.end());
  std::sort(sorted.begin(), sorted.end());
  double q1 = sorted_quantile(sorted, 0.25), q3 = sorted_quantile(sorted, 0.75), range = q3 - q1;
  Outliers o{q1 - 3 * range, q1 - 1.5 * range, q3 + 1.5 * range, q3 + 3 * range, {}, {}};
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (xs[i] < o.low_severe || xs[i] > o.high_severe) o.severe.push_back(i);
    else if (xs[i] < o.low_mild || xs[i] > o.high_mild) o.mild.push_back(i);
  }
  return o;
}

Summary summarize(std::span<const double> xs) {
  return {xs.size(), median(xs), mean(xs), min(xs), max(xs), stddev(xs)};
}

}  // namespace legion::stats
