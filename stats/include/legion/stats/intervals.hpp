#pragma once
// Confidence intervals for one sample. Small-sample behaviour is documented per function; a
// sample too small for an interval is a std::invalid_argument with a message, never NaN.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace legion::stats {

struct Estimate {
  double point = 0, lower = 0, upper = 0;
  double level = 0.95;
  bool bounded = true;  // false: the data cannot bound the interval at this level (it is infinite)
};

// Student t interval for the mean: mean ± t(1 - α/2, n - 1) s / √n. Needs n ≥ 2; a constant
// sample gives the zero-width interval [mean, mean].
Estimate t_interval_mean(std::span<const double> xs, double level = 0.95);

// Distribution-free interval for the median from order statistics: [x(l), x(n-l+1)] with l the
// largest rank such that P(Binomial(n, 1/2) ≤ l - 1) ≤ α/2, so coverage is at least the level.
// For n too small to reach the level (n ≤ 5 at 95%) the interval is the sample range, unbounded.
Estimate median_order_statistic_interval(std::span<const double> xs, double level = 0.95);

using Statistic = std::function<double(std::span<const double>)>;

struct BootstrapOptions {
  int resamples = 10000;
  std::uint64_t seed = 1;  // recorded with every result
  double level = 0.95;
};

struct BootstrapResult {
  Estimate percentile;  // quantiles α/2 and 1 - α/2 of the replicates
  Estimate bca;         // bias-corrected and accelerated (Efron 1987), as scipy.stats.bootstrap
  double bias_correction = 0;  // z0
  double acceleration = 0;     // a, from the jackknife
  std::uint64_t seed = 0;
  int resamples = 0;
};

// Resamples with replacement (seeded mt19937_64, unbiased bounded draws) and evaluates the
// statistic on each resample; the jackknife gives the acceleration. Needs n ≥ 2.
BootstrapResult bootstrap(std::span<const double> xs, const Statistic& statistic, const BootstrapOptions& options = {});
// The same for the median and the mean, computed without sorting each resample (fast paths).
BootstrapResult bootstrap_median(std::span<const double> xs, const BootstrapOptions& options = {});
BootstrapResult bootstrap_mean(std::span<const double> xs, const BootstrapOptions& options = {});

// The BCa formula on given replicates and jackknife values, exactly as scipy's _bca_interval:
//   z0 = Φ⁻¹((#{θ*_b < θ̂} + #{θ*_b ≤ θ̂}) / 2B)
//   U_i = (n - 1)(mean(θ_(·)) - θ_(i)),  a = Σ U_i³ / (6 (Σ U_i²)^{3/2})
//   α1 = Φ(z0 + (z0 + z_α)/(1 - a (z0 + z_α))),  α2 likewise with z_{1-α}
//   interval = type-7 quantiles of the replicates at α1 and α2.
struct BcaParts {
  Estimate interval;
  double z0 = 0, acceleration = 0, alpha1 = 0, alpha2 = 0;
};
BcaParts bca_interval(double theta_hat, std::span<const double> replicates, std::span<const double> jackknife,
                      double level = 0.95);

namespace detail {
// Deterministic random stream: xoshiro256** (Blackman & Vigna), seeded through splitmix64, with
// the distributions written out (the standard library's are implementation-defined), so a seed
// gives the same resamples with every compiler and library. Fast: bootstraps draw millions.
class Random {
 public:
  explicit Random(std::uint64_t seed);
  std::uint64_t next();
  std::uint64_t below(std::uint64_t n);  // uniform in [0, n), Lemire's unbiased method
  double uniform();                       // [0, 1), 53 random bits
  double normal();                        // standard normal, Box-Muller

 private:
  std::uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0;
};
}  // namespace detail

}  // namespace legion::stats
