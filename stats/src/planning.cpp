#include "legion/stats/planning.hpp"

#include <boost/math/distributions/non_central_t.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "legion/stats/descriptive.hpp"

namespace legion::stats {
namespace {
double t_quantile(double p, double df) { return boost::math::quantile(boost::math::students_t(df), p); }

// P(|T'| > critical) for T' noncentral t. A noncentrality 50 times the critical value is beyond it
// with certainty (short of 1 by less than a double can hold), and beyond what Boost's series can
// sum: an infinite one (a change against a zero drift) throws there.
double two_sided_power(double df, double critical, double noncentrality) {
  if (!(noncentrality < 50 * critical)) return 1;
  boost::math::non_central_t shifted(df, noncentrality);
  return boost::math::cdf(boost::math::complement(shifted, critical)) + boost::math::cdf(shifted, -critical);
}

constexpr std::size_t kMostRepetitions = 10'000'000;

// The smallest n from 2 up to kMostRepetitions for which `enough(n)` holds, where once it holds it
// holds for every larger n (power grows with n, an interval's width shrinks): doubling, then
// halving the gap, about 50 evaluations where counting up would take millions. Nothing when even
// kMostRepetitions is not enough.
template <typename Enough>
std::optional<std::size_t> smallest_enough(Enough enough) {
  std::size_t low = 1, high = 2;  // enough(low) is false (or n = 1 is no design), enough(high) to be found
  while (!enough(high)) {
    if (high >= kMostRepetitions) return std::nullopt;
    low = high;
    high = std::min(2 * high, kMostRepetitions);
  }
  while (high - low > 1) {
    const auto middle = low + (high - low) / 2;
    (enough(middle) ? high : low) = middle;
  }
  return high;
}
}  // namespace

std::size_t repetitions_for_half_width(std::span<const double> pilot, double relative_half_width, double level) {
  if (pilot.size() < 2) throw std::invalid_argument("planning needs a pilot of at least 2 values");
  if (!(relative_half_width > 0)) throw std::invalid_argument("the target half-width must be positive");
  double m = std::abs(mean(pilot)), s = stddev(pilot);
  if (m == 0) throw std::invalid_argument("planning a relative half-width needs a pilot mean other than 0");
  if (s == 0) return 2;
  const auto found = smallest_enough([&](std::size_t n) {
    return t_quantile(1 - (1 - level) / 2, static_cast<double>(n - 1)) * s / std::sqrt(static_cast<double>(n)) <= relative_half_width * m;
  });
  if (!found) throw std::invalid_argument("the target half-width needs more than 10 million repetitions");
  return *found;
}

double two_sample_power(double d, std::size_t n, double alpha) {
  if (n < 2) throw std::invalid_argument("power needs at least 2 values per group");
  double df = 2.0 * static_cast<double>(n) - 2;
  return two_sided_power(df, t_quantile(1 - alpha / 2, df), std::abs(d) * std::sqrt(static_cast<double>(n) / 2));
}

double paired_power(double d, std::size_t n, double alpha) {
  if (n < 2) throw std::invalid_argument("power needs at least 2 pairs");
  double df = static_cast<double>(n) - 1;
  return two_sided_power(df, t_quantile(1 - alpha / 2, df), std::abs(d) * std::sqrt(static_cast<double>(n)));
}

std::size_t pairs_for_power(double effect_size, double power, double alpha) {
  if (!(effect_size != 0)) throw std::invalid_argument("power planning needs a non-zero effect size");
  if (!(power > 0 && power < 1) || !(alpha > 0 && alpha < 1)) throw std::invalid_argument("power and alpha must be within (0, 1)");
  constexpr double kSignedRankEfficiency = 3 / 3.14159265358979323846;
  const auto found = smallest_enough([&](std::size_t n) { return paired_power(effect_size, n, alpha) >= power; });
  if (!found) throw std::invalid_argument("the effect needs more than 10 million pairs");
  return static_cast<std::size_t>(std::ceil(static_cast<double>(*found) / kSignedRankEfficiency));
}

std::size_t repetitions_for_power(double effect_size, double power, double alpha) {
  if (!(effect_size != 0)) throw std::invalid_argument("power planning needs a non-zero effect size");
  if (!(power > 0 && power < 1) || !(alpha > 0 && alpha < 1)) throw std::invalid_argument("power and alpha must be within (0, 1)");
  const auto found = smallest_enough([&](std::size_t n) { return two_sample_power(effect_size, n, alpha) >= power; });
  if (!found) throw std::invalid_argument("the effect is too small to detect with fewer than 10 million repetitions");
  return *found;
}

SequentialController::SequentialController(double relative_half_width, std::size_t min_repetitions,
                                           std::size_t max_repetitions, double level)
    : target_(relative_half_width), level_(level), min_(std::max<std::size_t>(2, min_repetitions)), max_(max_repetitions) {
  if (!(target_ > 0)) throw std::invalid_argument("the target half-width must be positive");
  if (max_ < min_) throw std::invalid_argument("the repetition cap is below the minimum");
}

SequentialController::Decision SequentialController::decide(std::span<const double> xs) const {
  if (xs.size() >= max_) return Decision::cap_reached;
  if (xs.size() < min_) return Decision::more;
  double m = std::abs(mean(xs));
  double half = t_quantile(1 - (1 - level_) / 2, static_cast<double>(xs.size() - 1)) * stddev(xs) /
                std::sqrt(static_cast<double>(xs.size()));
  return half <= target_ * m ? Decision::enough : Decision::more;
}

}  // namespace legion::stats
