#include "legion/stats/intervals.hpp"

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "legion/stats/descriptive.hpp"

namespace legion::stats {
namespace {

void check_level(double level) {
  if (!(level > 0 && level < 1)) throw std::invalid_argument("confidence level must be within (0, 1)");
}

void require_two(std::span<const double> xs, const char* what) {
  if (xs.size() < 2) throw std::invalid_argument(std::string(what) + " needs at least 2 values, got " + std::to_string(xs.size()));
}

double normal_quantile(double p) { return boost::math::quantile(boost::math::normal(), p); }
double normal_cdf(double z) { return boost::math::cdf(boost::math::normal(), z); }

// Leave-one-out values of a statistic.
std::vector<double> jackknife(std::span<const double> xs, const Statistic& statistic) {
  std::vector<double> values(xs.size()), rest(xs.size() - 1);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    std::copy(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(i), rest.begin());
    std::copy(xs.begin() + static_cast<std::ptrdiff_t>(i) + 1, xs.end(), rest.begin() + static_cast<std::ptrdiff_t>(i));
    values[i] = statistic(rest);
  }
  return values;
}

BootstrapResult finish(double theta_hat, std::vector<double> replicates, std::span<const double> jack,
                       const BootstrapOptions& options) {
  BootstrapResult r;
  r.seed = options.seed;
  r.resamples = options.resamples;
  auto bca = bca_interval(theta_hat, replicates, jack, options.level);
  r.bca = bca.interval;
  r.bias_correction = bca.z0;
  r.acceleration = bca.acceleration;
  std::sort(replicates.begin(), replicates.end());
  double alpha = (1 - options.level) / 2;
  r.percentile = {theta_hat, sorted_quantile(replicates, alpha), sorted_quantile(replicates, 1 - alpha), options.level, true};
  return r;
}

void check_options(std::span<const double> xs, const BootstrapOptions& options) {
  require_two(xs, "a bootstrap interval");
  check_level(options.level);
  if (options.resamples < 100) throw std::invalid_argument("a bootstrap needs at least 100 resamples");
}

}  // namespace

namespace detail {

__extension__ typedef unsigned __int128 uint128;

Random::Random(std::uint64_t seed) {
  for (auto& word : s_) {  // splitmix64
    seed += 0x9e3779b97f4a7c15ull;
    std::uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    word = z ^ (z >> 31);
  }
}

std::uint64_t Random::next() {
  auto rotl = [](std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Random::below(std::uint64_t n) {
  // Lemire (2019): multiply-shift with rejection of the biased low region.
  uint128 m = static_cast<uint128>(next()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<uint128>(next()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double Random::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Random::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1 = 0;
  while (u1 <= 0) u1 = uniform();
  double u2 = uniform();
  double radius = std::sqrt(-2 * std::log(u1));
  spare_ = radius * std::sin(2 * M_PI * u2);
  has_spare_ = true;
  return radius * std::cos(2 * M_PI * u2);
}

}  // namespace detail

Estimate t_interval_mean(std::span<const double> xs, double level) {
  require_two(xs, "a t interval");
  check_level(level);
  double m = mean(xs), s = stddev(xs), n = static_cast<double>(xs.size());
  double t = boost::math::quantile(boost::math::students_t(n - 1), 1 - (1 - level) / 2);
  double half = t * s / std::sqrt(n);
  return {m, m - half, m + half, level, true};
}

Estimate median_order_statistic_interval(std::span<const double> xs, double level) {
  require_two(xs, "an order-statistic interval");
  check_level(level);
  std::vector<double> sorted(xs.begin(), xs.end());
  std::sort(sorted.begin(), sorted.end());
  const auto n = sorted.size();
  boost::math::binomial binomial(static_cast<double>(n), 0.5);
  const double alpha = (1 - level) / 2;
  std::size_t l = 0;  // largest rank with P(B <= l - 1) <= alpha
  while (l + 1 <= n / 2 && boost::math::cdf(binomial, static_cast<double>(l)) <= alpha) ++l;
  Estimate e{sorted_quantile(sorted, 0.5), sorted.front(), sorted.back(), level, false};
  if (l >= 1) {
    e.lower = sorted[l - 1];
    e.upper = sorted[n - l];
    e.bounded = true;
  }
  return e;
}

BcaParts bca_interval(double theta_hat, std::span<const double> replicates, std::span<const double> jack, double level) {
  check_level(level);
  if (replicates.empty() || jack.size() < 2) throw std::invalid_argument("BCa needs replicates and at least 2 jackknife values");
  BcaParts p;
  double below = 0, at_or_below = 0;
  for (double b : replicates) {
    below += b < theta_hat;
    at_or_below += b <= theta_hat;
  }
  double share = (below + at_or_below) / (2.0 * static_cast<double>(replicates.size()));
  p.z0 = (share <= 0 || share >= 1) ? std::copysign(INFINITY, share - 0.5) : normal_quantile(share);
  double jack_mean = std::accumulate(jack.begin(), jack.end(), 0.0) / static_cast<double>(jack.size());
  double n = static_cast<double>(jack.size()), num = 0, den = 0;
  for (double v : jack) {
    double u = (n - 1) * (jack_mean - v);
    num += u * u * u / (n * n * n);
    den += u * u / (n * n);
  }
  p.acceleration = den > 0 ? num / (6 * std::pow(den, 1.5)) : 0;
  double alpha = (1 - level) / 2;
  double z_alpha = normal_quantile(alpha);
  auto adjusted = [&](double z) {
    double s = p.z0 + z;
    return normal_cdf(p.z0 + s / (1 - p.acceleration * s));
  };
  p.alpha1 = adjusted(z_alpha);
  p.alpha2 = adjusted(-z_alpha);
  std::vector<double> sorted(replicates.begin(), replicates.end());
  std::sort(sorted.begin(), sorted.end());
  p.interval.point = theta_hat;
  p.interval.level = level;
  if (!std::isfinite(p.z0) || std::isnan(p.alpha1) || std::isnan(p.alpha2)) {
    // Every replicate on one side of the estimate (a degenerate bootstrap distribution).
    p.interval.lower = sorted.front();
    p.interval.upper = sorted.back();
    p.interval.bounded = false;
    return p;
  }
  p.interval.lower = sorted_quantile(sorted, p.alpha1);
  p.interval.upper = sorted_quantile(sorted, p.alpha2);
  return p;
}

BootstrapResult bootstrap(std::span<const double> xs, const Statistic& statistic, const BootstrapOptions& options) {
  check_options(xs, options);
  detail::Random random(options.seed);
  std::vector<double> replicates(static_cast<std::size_t>(options.resamples)), resample(xs.size());
  for (auto& r : replicates) {
    for (auto& v : resample) v = xs[random.below(xs.size())];
    r = statistic(resample);
  }
  return finish(statistic(xs), std::move(replicates), jackknife(xs, statistic), options);
}

BootstrapResult bootstrap_median(std::span<const double> xs, const BootstrapOptions& options) {
  check_options(xs, options);
  // A resample of sorted data is a vector of counts; its median is found by walking the counts.
  std::vector<double> sorted(xs.begin(), xs.end());
  std::sort(sorted.begin(), sorted.end());
  const auto n = sorted.size();
  detail::Random random(options.seed);
  std::vector<std::uint32_t> counts(n);
  std::vector<double> replicates(static_cast<std::size_t>(options.resamples));
  const std::size_t lo_rank = (n - 1) / 2, hi_rank = n / 2;  // 0-based ranks averaged for even n
  for (auto& r : replicates) {
    std::fill(counts.begin(), counts.end(), 0u);
    for (std::size_t i = 0; i < n; ++i) ++counts[random.below(n)];
    std::size_t seen = 0, i = 0;
    while (seen + counts[i] <= lo_rank) seen += counts[i++];
    double lo = sorted[i];
    while (seen + counts[i] <= hi_rank) seen += counts[i++];
    r = (lo + sorted[i]) / 2;
  }
  // Leave-one-out medians straight from the sorted data: the middle ranks of the n - 1 values left.
  std::vector<double> jack(n);
  const std::size_t k1 = (n - 2) / 2, k2 = (n - 1) / 2;
  auto at = [&](std::size_t k, std::size_t removed) { return k < removed ? sorted[k] : sorted[k + 1]; };
  for (std::size_t i = 0; i < n; ++i) jack[i] = (at(k1, i) + at(k2, i)) / 2;
  double center = sorted_quantile(sorted, 0.5);
  return finish(center, std::move(replicates), jack, options);
}

BootstrapResult bootstrap_mean(std::span<const double> xs, const BootstrapOptions& options) {
  check_options(xs, options);
  detail::Random random(options.seed);
  const auto n = xs.size();
  std::vector<double> replicates(static_cast<std::size_t>(options.resamples));
  for (auto& r : replicates) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += xs[random.below(n)];
    r = sum / static_cast<double>(n);
  }
  double total = std::accumulate(xs.begin(), xs.end(), 0.0);
  std::vector<double> jack(n);
  for (std::size_t i = 0; i < n; ++i) jack[i] = (total - xs[i]) / static_cast<double>(n - 1);
  return finish(total / static_cast<double>(n), std::move(replicates), jack, options);
}

}  // namespace legion::stats
