#pragma once
// Trends over time (endurance runs) and the Universal Scalability Law (scalability runs).
#include <span>

#include "legion/stats/intervals.hpp"

namespace legion::stats {

struct TheilSen {
  double slope = 0, intercept = 0, low = 0, high = 0;  // low/high: the slope's interval
};
// As scipy.stats.theilslopes(y, x, alpha=level, method='separate'): slope = median of pairwise
// slopes, intercept = median(y) − slope·median(x), Sen's (1968) interval with tie-corrected
// variance and numpy's round-half-to-even. Needs 2 points and 2 distinct x values.
TheilSen theil_sen(std::span<const double> x, std::span<const double> y, double level = 0.95);

struct Kendall {
  double tau = 0;  // tau-b
  double p_value = 1;
  bool exact = false;
};
// Kendall's tau-b with its two-sided p value, as scipy.stats.kendalltau (method='auto'): exact when
// there are no ties and n ≤ 33 (or at most one discordant or concordant pair), otherwise the normal
// approximation with tie-corrected variance. A constant x or y is an error.
Kendall kendall_tau(std::span<const double> x, std::span<const double> y);
// Mann–Kendall trend test: Kendall's tau between time 0, 1, 2, … and the values.
Kendall mann_kendall(std::span<const double> values);

// Universal Scalability Law: X(N) = λN / (1 + σ(N − 1) + κN(N − 1)).
struct UslFit {
  Estimate lambda, sigma, kappa;  // intervals: estimate ± t(n − 3) · standard error from s²(JᵀJ)⁻¹
  double residual_sum_of_squares = 0;
  int iterations = 0;
  bool converged = false;
  double predict(double n) const;
  double peak_concurrency() const;  // √((1 − σ)/κ), infinite when κ ≤ 0
};
// Levenberg–Marquardt least squares (Eigen). Needs at least 4 distinct concurrency levels.
UslFit fit_usl(std::span<const double> concurrency, std::span<const double> throughput, double level = 0.95);

}  // namespace legion::stats
