#pragma once
// How many repetitions a measurement needs.
#include <cstddef>
#include <span>

namespace legion::stats {

// Smallest n whose t interval for the mean, with the pilot's standard deviation, has a half-width
// of at most `relative_half_width` × |pilot mean|: t(1 − α/2, n − 1) s/√n ≤ h |m|. Needs a pilot of
// 2 or more values with a non-zero mean. Returns at least 2.
std::size_t repetitions_for_half_width(std::span<const double> pilot, double relative_half_width, double level = 0.95);

// Smallest n per group for a two-sided two-sample t test to detect the standardised effect
// d = Δ/σ with the given power: power = P(|T'| > t(1 − α/2, 2n − 2)) with T' noncentral t,
// noncentrality d √(n/2) (Boost.Math's non_central_t).
std::size_t repetitions_for_power(double effect_size, double power = 0.8, double alpha = 0.05);
double two_sample_power(double effect_size, std::size_t n_per_group, double alpha = 0.05);

// Paired designs (two versions interleaved in one run): power of the two-sided one-sample t test on
// the differences for the standardised effect d = Δ/σ_d with n pairs (noncentral t, n − 1 df,
// noncentrality d √n), and the smallest n reaching `power`, divided by 3/π — the asymptotic
// relative efficiency of the Wilcoxon signed-rank test to the t test for normal differences —
// since that is the test `compare` uses.
double paired_power(double effect_size, std::size_t pairs, double alpha = 0.05);
std::size_t pairs_for_power(double effect_size, double power = 0.8, double alpha = 0.05);

// Decides after each repetition whether a cell has enough: its mean's t interval half-width is at
// most the target share of the mean and at least `min_repetitions` ran; it stops at the cap.
class SequentialController {
 public:
  enum class Decision { more, enough, cap_reached };
  SequentialController(double relative_half_width, std::size_t min_repetitions, std::size_t max_repetitions,
                       double level = 0.95);
  Decision decide(std::span<const double> so_far) const;

 private:
  double target_, level_;
  std::size_t min_, max_;
};

}  // namespace legion::stats
