#include "legion/stats/proportions.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <stdexcept>
#include <string>

namespace legion::stats {
namespace {

// C(a, k) / C(n, k) = Π_{i<k} (a − i)/(n − i) for a ≤ n: every factor is in [0, 1], so the product
// neither overflows nor loses the small values that a ratio of two huge binomials would.
long double binomial_ratio(std::size_t a, std::size_t n, std::size_t k) {
  if (a < k) return 0;
  long double product = 1;
  for (std::size_t i = 0; i < k; ++i)
    product *= static_cast<long double>(a - i) / static_cast<long double>(n - i);
  return product;
}

bool defined(std::size_t n, std::size_t c, std::size_t k) {
  if (c > n) throw std::invalid_argument("pass^k/pass@k: " + std::to_string(c) + " successes in " + std::to_string(n) + " trials");
  return k >= 1 && k <= n;
}

template <typename Estimator>
std::optional<double> mean_over(std::span<const TaskTrials> tasks, std::size_t k, Estimator estimator) {
  if (tasks.empty()) return std::nullopt;
  long double sum = 0;
  for (const auto& t : tasks) {
    const auto value = estimator(t.n, t.successes, k);
    if (!value) return std::nullopt;
    sum += *value;
  }
  return static_cast<double>(sum / static_cast<long double>(tasks.size()));
}

}  // namespace

Estimate wilson_interval(std::size_t successes, std::size_t n, double level) {
  if (n == 0) throw std::invalid_argument("Wilson interval: no trials");
  if (successes > n) throw std::invalid_argument("Wilson interval: more successes than trials");
  if (!(level > 0 && level < 1)) throw std::invalid_argument("Wilson interval: the level must be in (0, 1)");
  const double z = boost::math::quantile(boost::math::normal(), 1 - (1 - level) / 2);
  const double N = static_cast<double>(n), p = static_cast<double>(successes) / N, z2 = z * z;
  const double denominator = 1 + z2 / N;
  const double centre = (p + z2 / (2 * N)) / denominator;
  const double half = z / denominator * std::sqrt(p * (1 - p) / N + z2 / (4 * N * N));
  // At 0/n and n/n the bound is exactly 0 or 1 (the formula gives it up to rounding).
  const double lower = successes == 0 ? 0.0 : std::max(0.0, centre - half);
  const double upper = successes == n ? 1.0 : std::min(1.0, centre + half);
  return {p, lower, upper, level, true};
}

std::optional<double> pass_hat_k(std::size_t n, std::size_t c, std::size_t k) {
  if (!defined(n, c, k)) return std::nullopt;
  return static_cast<double>(binomial_ratio(c, n, k));
}

std::optional<double> pass_at_k(std::size_t n, std::size_t c, std::size_t k) {
  if (!defined(n, c, k)) return std::nullopt;
  return static_cast<double>(1.0L - binomial_ratio(n - c, n, k));
}

std::optional<double> mean_pass_hat_k(std::span<const TaskTrials> tasks, std::size_t k) { return mean_over(tasks, k, pass_hat_k); }
std::optional<double> mean_pass_at_k(std::span<const TaskTrials> tasks, std::size_t k) { return mean_over(tasks, k, pass_at_k); }

}  // namespace legion::stats
