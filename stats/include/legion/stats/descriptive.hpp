#pragma once
// Descriptive statistics as pure functions over spans of doubles.
// Empty input is a caller error (std::invalid_argument), never NaN.
#include <span>
#include <string>
#include <vector>

namespace legion::stats {

double mean(std::span<const double> xs);
double median(std::span<const double> xs);
// Quantile with linear interpolation between order statistics (numpy's default, "type 7").
double quantile(std::span<const double> xs, double q);
double min(std::span<const double> xs);
double max(std::span<const double> xs);
// Sample standard deviation (n - 1 in the denominator); 0 for a single value.
double stddev(std::span<const double> xs);

struct Summary {
  std::size_t n = 0;
  double median = 0, mean = 0, min = 0, max = 0, stddev = 0;
};
Summary summarize(std::span<const double> xs);

}  // namespace legion::stats
