#include "legion/stats/trend.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <map>
#include <numeric>
#include <stdexcept>

#include "legion/stats/descriptive.hpp"

namespace legion::stats {
namespace {

// Sizes of groups of equal values (only groups of 2 or more).
std::vector<double> tie_groups(std::span<const double> xs) {
  std::map<double, double> counts;
  for (double x : xs) ++counts[x];
  std::vector<double> groups;
  for (const auto& [value, count] : counts)
    if (count > 1) groups.push_back(count);
  return groups;
}

// P-value of Kendall's statistic from the exact null distribution of the number of concordant
// pairs c among n! permutations (scipy's _kendall_p_exact, two-sided).
double kendall_exact_p(std::size_t n, std::size_t concordant) {
  const std::size_t total = n * (n - 1) / 2;
  std::size_t c = std::min(concordant, total - concordant);
  if (n <= 1) return 1;
  if (n == 2) return 1;
  if (4 * c == n * (n - 1)) return 1;
  // Share of permutations of size j with at most k inversions, k <= c, built up j by j
  // (Kendall 1970; scipy's recurrence, dividing by j at each step to stay in range).
  std::vector<double> counts(c + 1, 0.0), shifted;
  counts[0] = 1;
  if (c >= 1) counts[1] = 1;
  for (std::size_t j = 3; j <= n; ++j) {
    std::partial_sum(counts.begin(), counts.end(), counts.begin());
    for (auto& v : counts) v /= static_cast<double>(j);
    if (j <= c) {
      shifted = counts;
      for (std::size_t k = j; k <= c; ++k) counts[k] -= shifted[k - j];
    }
  }
  return std::clamp(std::accumulate(counts.begin(), counts.end(), 0.0), 0.0, 1.0);
}

}  // namespace

TheilSen theil_sen(std::span<const double> x, std::span<const double> y, double level) {
  if (x.size() != y.size()) throw std::invalid_argument("Theil-Sen: x and y differ in length");
  if (x.size() < 2) throw std::invalid_argument("Theil-Sen needs at least 2 points");
  if (!(level > 0 && level < 1)) throw std::invalid_argument("confidence level must be within (0, 1)");
  std::vector<double> slopes;
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t j = 0; j < x.size(); ++j)
      if (x[i] - x[j] > 0) slopes.push_back((y[i] - y[j]) / (x[i] - x[j]));
  if (slopes.empty()) throw std::invalid_argument("Theil-Sen: all x values are identical");
  std::sort(slopes.begin(), slopes.end());
  TheilSen r;
  r.slope = sorted_quantile(slopes, 0.5);
  r.intercept = median(y) - r.slope * median(x);
  double alpha = 1 - level;
  double z = boost::math::quantile(boost::math::normal(), alpha / 2);
  const double n = static_cast<double>(y.size());
  double sigsq = n * (n - 1) * (2 * n + 5);
  for (double k : tie_groups(x)) sigsq -= k * (k - 1) * (2 * k + 5);
  for (double k : tie_groups(y)) sigsq -= k * (k - 1) * (2 * k + 5);
  sigsq /= 18;
  const double nt = static_cast<double>(slopes.size());
  double sigma = std::sqrt(sigsq);
  // numpy's round() rounds half to even, as nearbyint does in the default rounding mode.
  auto ru = std::min(static_cast<long long>(std::nearbyint((nt - z * sigma) / 2)), static_cast<long long>(slopes.size()) - 1);
  auto rl = std::max(static_cast<long long>(std::nearbyint((nt + z * sigma) / 2)) - 1, 0LL);
  r.low = slopes[static_cast<std::size_t>(rl)];
  r.high = slopes[static_cast<std::size_t>(ru)];
  return r;
}

Kendall kendall_tau(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size()) throw std::invalid_argument("Kendall's tau: x and y differ in length");
  if (x.size() < 2) throw std::invalid_argument("Kendall's tau needs at least 2 points");
  const std::size_t n = x.size();
  double concordant = 0, discordant = 0, ties_x = 0, ties_y = 0;  // ties only in one variable
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      double dx = x[i] - x[j], dy = y[i] - y[j];
      if (dx == 0 && dy == 0) continue;
      if (dx == 0) ++ties_x;
      else if (dy == 0) ++ties_y;
      else if ((dx > 0) == (dy > 0)) ++concordant;
      else ++discordant;
    }
  const double total = static_cast<double>(n * (n - 1) / 2);
  double x_tied = 0, y_tied = 0, x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  for (double t : tie_groups(x)) x_tied += t * (t - 1) / 2, x0 += t * (t - 1) * (t - 2), x1 += t * (t - 1) * (2 * t + 5);
  for (double t : tie_groups(y)) y_tied += t * (t - 1) / 2, y0 += t * (t - 1) * (t - 2), y1 += t * (t - 1) * (2 * t + 5);
  if (x_tied == total || y_tied == total)
    throw std::invalid_argument("Kendall's tau: one of the variables is constant, so there is no order to correlate");
  Kendall k;
  double s = concordant - discordant;
  k.tau = std::clamp(s / std::sqrt(total - x_tied) / std::sqrt(total - y_tied), -1.0, 1.0);
  bool no_ties = x_tied == 0 && y_tied == 0;
  k.exact = no_ties && (n <= 33 || std::min(discordant, total - discordant) <= 1);
  if (k.exact) {
    k.p_value = kendall_exact_p(n, static_cast<std::size_t>(total - discordant));
  } else {
    double m = static_cast<double>(n) * (static_cast<double>(n) - 1);
    double var = (m * (2 * static_cast<double>(n) + 5) - x1 - y1) / 18 + (2 * x_tied * y_tied) / m +
                 x0 * y0 / (9 * m * (static_cast<double>(n) - 2));
    double z = s / std::sqrt(var);
    k.p_value = std::clamp(2 * boost::math::cdf(boost::math::complement(boost::math::normal(), std::abs(z))), 0.0, 1.0);
  }
  return k;
}

Kendall mann_kendall(std::span<const double> values) {
  std::vector<double> time(values.size());
  std::iota(time.begin(), time.end(), 0.0);
  return kendall_tau(time, values);
}

double UslFit::predict(double n) const {
  return lambda.point * n / (1 + sigma.point * (n - 1) + kappa.point * n * (n - 1));
}

double UslFit::peak_concurrency() const {
  return kappa.point > 0 ? std::sqrt((1 - sigma.point) / kappa.point) : INFINITY;
}

UslFit fit_usl(std::span<const double> concurrency, std::span<const double> throughput, double level) {
  if (concurrency.size() != throughput.size()) throw std::invalid_argument("USL: concurrency and throughput differ in length");
  std::vector<double> distinct(concurrency.begin(), concurrency.end());
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (distinct.size() < 4) throw std::invalid_argument("USL: a fit of 3 parameters needs at least 4 distinct concurrency levels");
  const auto m = concurrency.size();
  Eigen::VectorXd n(m), x(m);
  for (std::size_t i = 0; i < m; ++i) {
    n(static_cast<Eigen::Index>(i)) = concurrency[i];
    x(static_cast<Eigen::Index>(i)) = throughput[i];
  }
  // Start from λ = throughput per unit of concurrency at the lowest level, small contention.
  Eigen::Index lowest = 0;
  n.minCoeff(&lowest);
  Eigen::Vector3d p(x(lowest) / n(lowest), 0.01, 0.0001);
  auto residuals = [&](const Eigen::Vector3d& q) {
    Eigen::VectorXd r(m);
    for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(m); ++i) {
      double d = 1 + q(1) * (n(i) - 1) + q(2) * n(i) * (n(i) - 1);
      r(i) = x(i) - q(0) * n(i) / d;
    }
    return r;
  };
  auto jacobian = [&](const Eigen::Vector3d& q) {  // of the model, ∂X/∂(λ, σ, κ)
    Eigen::MatrixXd J(m, 3);
    for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(m); ++i) {
      double d = 1 + q(1) * (n(i) - 1) + q(2) * n(i) * (n(i) - 1);
      J(i, 0) = n(i) / d;
      J(i, 1) = -q(0) * n(i) * (n(i) - 1) / (d * d);
      J(i, 2) = -q(0) * n(i) * n(i) * (n(i) - 1) / (d * d);
    }
    return J;
  };
  UslFit fit;
  double damping = 1e-3;
  double cost = residuals(p).squaredNorm();
  for (fit.iterations = 0; fit.iterations < 500; ++fit.iterations) {
    Eigen::MatrixXd J = jacobian(p);
    Eigen::VectorXd r = residuals(p);
    Eigen::Matrix3d A = J.transpose() * J;
    Eigen::Vector3d g = J.transpose() * r;
    Eigen::Matrix3d D = A.diagonal().asDiagonal();
    Eigen::Vector3d step = (A + damping * D).ldlt().solve(g);
    Eigen::Vector3d candidate = p + step;
    double candidate_cost = residuals(candidate).squaredNorm();
    if (candidate_cost < cost) {
      bool small = step.norm() <= 1e-12 * (p.norm() + 1e-12) || (cost - candidate_cost) <= 1e-15 * cost;
      p = candidate;
      cost = candidate_cost;
      damping = std::max(damping / 10, 1e-12);
      if (small) {
        fit.converged = true;
        break;
      }
    } else {
      damping *= 10;
      if (damping > 1e12) {
        fit.converged = true;  // no step improves the fit: a minimum at machine precision
        break;
      }
    }
  }
  fit.residual_sum_of_squares = cost;
  const double dof = static_cast<double>(m) - 3;
  Eigen::MatrixXd J = jacobian(p);
  Eigen::Matrix3d covariance = (J.transpose() * J).inverse() * (dof > 0 ? cost / dof : 0);
  double t = dof > 0 ? boost::math::quantile(boost::math::students_t(dof), 1 - (1 - level) / 2) : 0;
  auto estimate = [&](int i) {
    double se = std::sqrt(std::max(0.0, covariance(i, i)));
    return Estimate{p(i), p(i) - t * se, p(i) + t * se, level, dof > 0};
  };
  fit.lambda = estimate(0);
  fit.sigma = estimate(1);
  fit.kappa = estimate(2);
  return fit;
}

}  // namespace legion::stats
