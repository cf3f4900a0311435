#pragma once
// Two-sample comparisons, effect sizes, equivalence and multiple-comparison adjustment.
// Conventions (so results can be checked against scipy): `a` is the baseline; differences are
// a − b; the Welch statistic is positive when a's mean is larger; U is a's statistic.
#include <span>
#include <string_view>
#include <vector>

#include "legion/stats/intervals.hpp"

namespace legion::stats {

struct TTest {
  double statistic = 0, df = 0, p_value = 1;
};
// Welch's t test (unequal variances), two-sided, Welch–Satterthwaite degrees of freedom, as
// scipy.stats.ttest_ind(a, b, equal_var=False). Needs 2 values per sample; two constant samples
// are an error (no variance to test against).
TTest welch_t(std::span<const double> a, std::span<const double> b);

struct MannWhitney {
  double u = 0;  // U of a: R_a − n_a(n_a + 1)/2 with average ranks
  double p_value = 1;
  bool exact = false;
};
// Two-sided Mann–Whitney U with scipy.stats.mannwhitneyu's rules (method='auto'): the exact
// distribution when either sample has at most 8 values and there are no ties; otherwise the normal
// approximation with tie correction and continuity correction.
MannWhitney mann_whitney_u(std::span<const double> a, std::span<const double> b);

// P(a > b) − P(a < b) over all pairs, in [−1, 1].
double cliffs_delta(std::span<const double> a, std::span<const double> b);
// P(a > b) + ½ P(a = b), in [0, 1].
double vargha_delaney_a(std::span<const double> a, std::span<const double> b);
// Romano et al. (2006) thresholds on |δ|: 0.147, 0.33, 0.474.
std::string_view cliffs_delta_magnitude(double delta);
// Vargha & Delaney (2000) thresholds on |A − ½|: 0.06, 0.14, 0.21.
std::string_view vargha_delaney_magnitude(double a);

// Hodges–Lehmann shift: median of all a_i − b_j, with the distribution-free interval from the
// Mann–Whitney distribution: [D(k), D(mn+1−k)] over the sorted differences, k the largest rank
// with P(U ≤ k − 1) ≤ α/2 (exact distribution when m·n ≤ 10,000, normal approximation beyond).
Estimate hodges_lehmann(std::span<const double> a, std::span<const double> b, double level = 0.95);
// The same on log scale, reported as a ratio a/b (all values must be positive).
Estimate hodges_lehmann_ratio(std::span<const double> a, std::span<const double> b, double level = 0.95);

// Paired designs (two builds interleaved in one run): tests and intervals on the differences d_i.
struct SignedRank {
  double statistic = 0;  // min(W+, W−), as scipy reports it for two-sided tests
  double w_plus = 0;     // sum of the ranks of |d| over the positive differences
  double p_value = 1;
  std::size_t n = 0;     // non-zero differences (zeros are dropped, Wilcoxon's method)
  std::string_view method;  // exact | permutation | asymptotic
};
// Two-sided Wilcoxon signed-rank test of d against 0 with scipy.stats.wilcoxon's defaults
// (zero_method='wilcox', correction=False, method='auto'): the exact distribution when there are
// no ties and no zeros (normal approximation beyond 400 values, where scipy still enumerates);
// with ties or zeros, the exact permutation distribution of W+ over every sign flip when n ≤ 13,
// else the normal approximation with tie correction. Needs one non-zero difference.
SignedRank wilcoxon_signed_rank(std::span<const double> d);
// Exact null distribution of W+ for n values without ties: P(W+ = w), w = 0 … n(n+1)/2.
std::vector<double> signed_rank_distribution(std::size_t n);
// Hodges–Lehmann estimate of the centre of d (symmetric about it): median of the Walsh averages
// (d_i + d_j)/2, i ≤ j, with the distribution-free interval [W(k), W(M+1−k)], M = n(n+1)/2, k the
// largest rank with P(W+ ≤ k − 1) ≤ α/2 (exact distribution up to 400 values, normal beyond).
Estimate hodges_lehmann_paired(std::span<const double> d, double level = 0.95);

// mean(a) / mean(b) with Fieller's interval for independent samples:
//   g = t² v_b / m_b²,  bounds = (r ∓ (t/|m_b|) √(v_a (1 − g) + r² v_b)) / (1 − g)
// with v = s²/n and t on the Welch–Satterthwaite df of v_a + r² v_b. When g ≥ 1 the interval is
// unbounded (mean(b) is not distinguishable from 0) and `bounded` is false.
Estimate ratio_of_means_fieller(std::span<const double> a, std::span<const double> b, double level = 0.95);
// mean(a) / mean(b) with a percentile bootstrap interval, resampling each sample independently.
Estimate ratio_of_means_bootstrap(std::span<const double> a, std::span<const double> b, const BootstrapOptions& options = {});

struct Equivalence {
  double p_value = 1;       // max of the two one-sided p values
  double p_lower = 1, p_upper = 1;
  bool equivalent = false;  // p_value < alpha: the difference lies within ±margin
};
// Two one-sided Welch t tests (TOST) for |mean(a) − mean(b)| < margin, margin > 0 in data units.
Equivalence tost(std::span<const double> a, std::span<const double> b, double margin, double alpha = 0.05);

// Adjusted p values for a family of comparisons, in the input order.
std::vector<double> holm(std::span<const double> p_values);                // step-down, controls FWER
std::vector<double> benjamini_hochberg(std::span<const double> p_values);  // step-up, controls FDR

// Suite-wide summary: geometric mean over scenarios of median(a)/median(b), with a percentile
// bootstrap interval that resamples within each scenario's samples.
struct Cell {
  std::span<const double> a, b;
};
Estimate geometric_mean_ratio(std::span<const Cell> cells, const BootstrapOptions& options = {});

// Exact null distribution of U for sample sizes m and n without ties: P(U = u), u = 0 … m·n.
std::vector<double> mann_whitney_distribution(std::size_t m, std::size_t n);

}  // namespace legion::stats
