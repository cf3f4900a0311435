#pragma once
// Descriptive statistics as pure functions over spans of doubles.
// Empty input is a caller error (std::invalid_argument naming the statistic), never NaN.
#include <span>
#include <string>
#include <vector>

namespace legion::stats {

double mean(std::span<const double> xs);
double median(std::span<const double> xs);
// Quantile with linear interpolation between order statistics (numpy's default, "type 7"):
// h = (n - 1) q, x[floor(h)] + (h - floor(h)) (x[floor(h) + 1] - x[floor(h)]).
double quantile(std::span<const double> xs, double q);
// The same on data already sorted ascending (no copy).
double sorted_quantile(std::span<const double> sorted, double q);
double min(std::span<const double> xs);
double max(std::span<const double> xs);
// Sample standard deviation (n - 1 in the denominator); 0 for a single value.
double stddev(std::span<const double> xs);
// Median absolute deviation from the median, unscaled (scipy.stats.median_abs_deviation, scale=1.0).
double mad(std::span<const double> xs);
double iqr(std::span<const double> xs);  // quantile(.75) - quantile(.25)
// Coefficient of variation stddev / mean; throws when the mean is 0.
double coefficient_of_variation(std::span<const double> xs);

// Tukey's fences: mild outliers lie beyond 1.5 IQR from the quartiles, severe ones beyond 3 IQR.
// Outliers are reported, never removed.
struct Outliers {
  double low_severe = 0, low_mild = 0, high_mild = 0, high_severe = 0;  // the four fences
  std::vector<std::size_t> mild;    // indices beyond 1.5 IQR but within 3 IQR
  std::vector<std::size_t> severe;  // indices beyond 3 IQR
};
Outliers tukey_outliers(std::span<const double> xs);

struct Summary {
  std::size_t n = 0;
  double median = 0, mean = 0, min = 0, max = 0, stddev = 0;
};
Summary summarize(std::span<const double> xs);

}  // namespace legion::stats
