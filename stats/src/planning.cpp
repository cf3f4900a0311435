#include "legion/stats/planning.hpp"

#include <boost/math/distributions/non_central_t.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <stdexcept>

#include "legion/stats/descriptive.hpp"

namespace legion::stats {
namespace {
double t_quantile(double p, double df) { return boost::math::quantile(boost::math::students_t(df), p); }
}  // namespace

std::size_t repetitions_for_half_width(std::span<const double> pilot, double relative_half_width, double level) {
  if (pilot.size() < 2) throw std::invalid_argument("planning needs a pilot of at least 2 values");
  if (!(relative_half_width > 0)) throw std::invalid_argument("the target half-width must be positive");
  double m = std::abs(mean(pilot)), s = stddev(pilot);
  if (m == 0) throw std::invalid_argument("planning a relative half-width needs a pilot mean other than 0");
  if (s == 0) return 2;
  for (std::size_t n = 2; n < 10'000'000; ++n)
    if (t_quantile(1 - (1 - level) / 2, static_cast<double>(n - 1)) * s / std::sqrt(static_cast<double>(n)) <=
        relative_half_width * m)
      return n;
  throw std::invalid_argument("the target half-width needs more than 10 million repetitions");
}

double two_sample_power(double d, std::size_t n, double alpha) {
  if (n < 2) throw std::invalid_argument("power needs at least 2 values per group");
  double df = 2.0 * static_cast<double>(n) - 2;
  double critical = t_quantile(1 - alpha / 2, df);
  boost::math::non_central_t shifted(df, std::abs(d) * std::sqrt(static_cast<double>(n) / 2));
  return boost::math::cdf(boost::math::complement(shifted, critical)) + boost::math::cdf(shifted, -critical);
}

double paired_power(double d, std::size_t n, double alpha) {
  if (n < 2) throw std::invalid_argument("power needs at least 2 pairs");
  double df = static_cast<double>(n) - 1;
  double critical = t_quantile(1 - alpha / 2, df);
  boost::math::non_central_t shifted(df, std::abs(d) * std::sqrt(static_cast<double>(n)));
  return boost::math::cdf(boost::math::complement(shifted, critical)) + boost::math::cdf(shifted, -critical);
}

std::size_t pairs_for_power(double effect_size, double power, double alpha) {
  if (!(effect_size != 0)) throw std::invalid_argument("power planning needs a non-zero effect size");
  if (!(power > 0 && power < 1) || !(alpha > 0 && alpha < 1)) throw std::invalid_argument("power and alpha must be within (0, 1)");
  constexpr double kSignedRankEfficiency = 3 / 3.14159265358979323846;
  for (std::size_t n = 2; n < 10'000'000; ++n)
    if (paired_power(effect_size, n, alpha) >= power)
      return static_cast<std::size_t>(std::ceil(static_cast<double>(n) / kSignedRankEfficiency));
  throw std::invalid_argument("the effect needs more than 10 million pairs");
}

std::size_t repetitions_for_power(double effect_size, double power, double alpha) {
  if (!(effect_size != 0)) throw std::invalid_argument("power planning needs a non-zero effect size");
  if (!(power > 0 && power < 1) || !(alpha > 0 && alpha < 1)) throw std::invalid_argument("power and alpha must be within (0, 1)");
  for (std::size_t n = 2; n < 10'000'000; ++n)
    if (two_sample_power(effect_size, n, alpha) >= power) return n;
  throw std::invalid_argument("the effect is too small to detect with fewer than 10 million repetitions");
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
