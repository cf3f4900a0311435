#include "legion/stats/compare.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "legion/stats/descriptive.hpp"

namespace legion::stats {
namespace {

void require(std::span<const double> xs, std::size_t n, const char* what) {
  if (xs.size() < n)
    throw std::invalid_argument(std::string(what) + " needs at least " + std::to_string(n) + " values per sample, got " +
                                std::to_string(xs.size()));
}

double t_sf(double t, double df) { return boost::math::cdf(boost::math::complement(boost::math::students_t(df), t)); }
double t_cdf(double t, double df) { return boost::math::cdf(boost::math::students_t(df), t); }
double normal_sf(double z) { return boost::math::cdf(boost::math::complement(boost::math::normal(), z)); }

struct Welch {
  double diff, se, df;
};
Welch welch_parts(std::span<const double> a, std::span<const double> b, const char* what) {
  require(a, 2, what);
  require(b, 2, what);
  double va = std::pow(stddev(a), 2) / static_cast<double>(a.size());
  double vb = std::pow(stddev(b), 2) / static_cast<double>(b.size());
  if (va + vb == 0) throw std::invalid_argument(std::string(what) + ": both samples are constant, so there is no variance to test against");
  double df = (va + vb) * (va + vb) /
              (va * va / static_cast<double>(a.size() - 1) + vb * vb / static_cast<double>(b.size() - 1));
  return {mean(a) - mean(b), std::sqrt(va + vb), df};
}

// Average ranks of a then b pooled; also the tie group sizes.
std::vector<double> pooled_ranks(std::span<const double> a, std::span<const double> b, std::vector<double>& ties) {
  std::vector<std::pair<double, std::size_t>> all;
  for (std::size_t i = 0; i < a.size(); ++i) all.emplace_back(a[i], i);
  for (std::size_t i = 0; i < b.size(); ++i) all.emplace_back(b[i], a.size() + i);
  std::sort(all.begin(), all.end());
  std::vector<double> ranks(all.size());
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    double average = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (std::size_t k = i; k < j; ++k) ranks[all[k].second] = average;
    ties.push_back(static_cast<double>(j - i));
    i = j;
  }
  return ranks;
}

// Largest k with P(U <= k - 1) <= alpha, from the exact distribution or the normal approximation.
std::size_t mann_whitney_critical(std::size_t m, std::size_t n, double alpha) {
  if (m * n <= 10000) {
    auto pmf = mann_whitney_distribution(m, n);
    double cdf = 0;
    std::size_t k = 0;
    while (k < pmf.size() && cdf + pmf[k] <= alpha) cdf += pmf[k++];
    return k;
  }
  double mn = static_cast<double>(m * n);
  double z = boost::math::quantile(boost::math::normal(), alpha);
  double k = std::floor(mn / 2 + z * std::sqrt(mn * static_cast<double>(m + n + 1) / 12));
  return k < 0 ? 0 : static_cast<std::size_t>(k);
}

}  // namespace

TTest welch_t(std::span<const double> a, std::span<const double> b) {
  auto w = welch_parts(a, b, "Welch's t test");
  double t = w.diff / w.se;
  return {t, w.df, std::min(1.0, 2 * t_sf(std::abs(t), w.df))};
}

std::vector<double> mann_whitney_distribution(std::size_t m, std::size_t n) {
  // Generating function of U: prod_{i=1..m} (1 - q^{n+i}) / (1 - q^i), normalised by C(m+n, m).
  // Built in the smaller sample size; multiplication by (1 - q^{n+i}) then division by (1 - q^i).
  if (m > n) std::swap(m, n);
  const std::size_t top = m * n;
  std::vector<double> c(top + 1, 0.0);
  c[0] = 1;
  for (std::size_t i = 1; i <= m; ++i) {
    for (std::size_t u = top; u >= n + i && u <= top; --u) c[u] -= c[u - n - i];
    for (std::size_t u = i; u <= top; ++u) c[u] += c[u - i];
  }
  double total = std::accumulate(c.begin(), c.end(), 0.0);
  for (auto& v : c) v /= total;
  return c;
}

MannWhitney mann_whitney_u(std::span<const double> a, std::span<const double> b) {
  require(a, 1, "Mann-Whitney U");
  require(b, 1, "Mann-Whitney U");
  std::vector<double> ties;
  auto ranks = pooled_ranks(a, b, ties);
  const double n1 = static_cast<double>(a.size()), n2 = static_cast<double>(b.size());
  double r1 = std::accumulate(ranks.begin(), ranks.begin() + static_cast<std::ptrdiff_t>(a.size()), 0.0);
  MannWhitney r;
  r.u = r1 - n1 * (n1 + 1) / 2;
  const double u = std::max(r.u, n1 * n2 - r.u);  // two-sided: the upper tail of the larger U, doubled
  bool has_ties = std::any_of(ties.begin(), ties.end(), [](double t) { return t > 1; });
  r.exact = (a.size() <= 8 || b.size() <= 8) && !has_ties;
  if (r.exact) {
    auto pmf = mann_whitney_distribution(a.size(), b.size());
    double sf = 0;
    for (auto k = static_cast<std::size_t>(std::llround(u)); k < pmf.size(); ++k) sf += pmf[k];
    r.p_value = std::clamp(2 * sf, 0.0, 1.0);
  } else {
    double n = n1 + n2, tie_term = 0;
    for (double t : ties) tie_term += t * t * t - t;
    double s = std::sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))));
    if (s == 0) throw std::invalid_argument("Mann-Whitney U: every value is tied, so there is no variance to test against");
    double z = (u - n1 * n2 / 2 - 0.5) / s;
    r.p_value = std::clamp(2 * normal_sf(z), 0.0, 1.0);
  }
  return r;
}

double cliffs_delta(std::span<const double> a, std::span<const double> b) {
  require(a, 1, "Cliff's delta");
  require(b, 1, "Cliff's delta");
  // Counting with b sorted: O((m + n) log n).
  std::vector<double> sb(b.begin(), b.end());
  std::sort(sb.begin(), sb.end());
  double greater = 0, less = 0;
  for (double x : a) {
    greater += static_cast<double>(std::lower_bound(sb.begin(), sb.end(), x) - sb.begin());
    less += static_cast<double>(sb.end() - std::upper_bound(sb.begin(), sb.end(), x));
  }
  return (greater - less) / (static_cast<double>(a.size()) * static_cast<double>(b.size()));
}

double vargha_delaney_a(std::span<const double> a, std::span<const double> b) { return (cliffs_delta(a, b) + 1) / 2; }

std::string_view cliffs_delta_magnitude(double delta) {
  double d = std::abs(delta);
  return d < 0.147 ? "negligible" : d < 0.33 ? "small" : d < 0.474 ? "medium" : "large";
}

std::string_view vargha_delaney_magnitude(double a) {
  double d = std::abs(a - 0.5);
  return d < 0.06 ? "negligible" : d < 0.14 ? "small" : d < 0.21 ? "medium" : "large";
}

Estimate hodges_lehmann(std::span<const double> a, std::span<const double> b, double level) {
  require(a, 1, "Hodges-Lehmann");
  require(b, 1, "Hodges-Lehmann");
  if (!(level > 0 && level < 1)) throw std::invalid_argument("confidence level must be within (0, 1)");
  std::vector<double> d;
  d.reserve(a.size() * b.size());
  for (double x : a)
    for (double y : b) d.push_back(x - y);
  std::sort(d.begin(), d.end());
  Estimate e{sorted_quantile(d, 0.5), d.front(), d.back(), level, false};
  auto k = mann_whitney_critical(a.size(), b.size(), (1 - level) / 2);
  if (k >= 1 && k <= d.size() / 2 + 1) {
    e.lower = d[k - 1];
    e.upper = d[d.size() - k];
    e.bounded = true;
  }
  return e;
}

Estimate hodges_lehmann_ratio(std::span<const double> a, std::span<const double> b, double level) {
  auto logs = [](std::span<const double> xs) {
    std::vector<double> out;
    for (double x : xs) {
      if (!(x > 0)) throw std::invalid_argument("a ratio on log scale needs positive values");
      out.push_back(std::log(x));
    }
    return out;
  };
  auto la = logs(a), lb = logs(b);
  auto e = hodges_lehmann(la, lb, level);
  return {std::exp(e.point), std::exp(e.lower), std::exp(e.upper), level, e.bounded};
}

std::vector<double> signed_rank_distribution(std::size_t n) {
  // Generating function prod_{i=1..n} (1 + q^i) / 2^n, built one factor at a time.
  const std::size_t top = n * (n + 1) / 2;
  std::vector<double> c(top + 1, 0.0);
  c[0] = 1;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t w = std::min(top, i * (i + 1) / 2); w >= i; --w) c[w] += c[w - i];
    for (std::size_t w = 0; w <= std::min(top, i * (i + 1) / 2); ++w) c[w] /= 2;
  }
  return c;
}

namespace {
constexpr std::size_t kExactSignedRankLimit = 400;  // n(n+1)/2 × n work: ~32 million steps at most

// Largest k with P(W+ <= k - 1) <= alpha.
std::size_t signed_rank_critical(std::size_t n, double alpha) {
  if (n <= kExactSignedRankLimit) {
    auto pmf = signed_rank_distribution(n);
    double cdf = 0;
    std::size_t k = 0;
    while (k < pmf.size() && cdf + pmf[k] <= alpha) cdf += pmf[k++];
    return k;
  }
  double nn = static_cast<double>(n);
  double z = boost::math::quantile(boost::math::normal(), alpha);
  double k = std::floor(nn * (nn + 1) / 4 + z * std::sqrt(nn * (nn + 1) * (2 * nn + 1) / 24));
  return k < 0 ? 0 : static_cast<std::size_t>(k);
}
}  // namespace

SignedRank wilcoxon_signed_rank(std::span<const double> d) {
  std::vector<double> nonzero;
  for (double x : d)
    if (x != 0) nonzero.push_back(x);
  if (nonzero.empty()) throw std::invalid_argument("Wilcoxon signed-rank: every difference is 0, so there is nothing to test");
  std::vector<double> magnitudes, ties;
  for (double x : nonzero) magnitudes.push_back(std::abs(x));
  auto ranks = pooled_ranks(magnitudes, {}, ties);
  SignedRank r;
  r.n = nonzero.size();
  double total = 0;
  for (std::size_t i = 0; i < r.n; ++i) {
    total += ranks[i];
    if (nonzero[i] > 0) r.w_plus += ranks[i];
  }
  r.statistic = std::min(r.w_plus, total - r.w_plus);
  const bool has_ties = std::any_of(ties.begin(), ties.end(), [](double t) { return t > 1; });
  const bool has_zeros = nonzero.size() < d.size();
  const double nn = static_cast<double>(r.n);
  if (!has_ties && !has_zeros && r.n <= kExactSignedRankLimit) {
    r.method = "exact";
    auto pmf = signed_rank_distribution(r.n);
    auto w = static_cast<std::size_t>(std::llround(r.w_plus));
    double cdf = 0, sf = 0;
    for (std::size_t k = 0; k <= w; ++k) cdf += pmf[k];
    for (std::size_t k = w; k < pmf.size(); ++k) sf += pmf[k];
    r.p_value = std::clamp(2 * std::min(cdf, sf), 0.0, 1.0);
  } else if ((has_ties || has_zeros) && r.n <= 13) {
    // Every sign flip of the non-zero differences is equally likely under the null.
    r.method = "permutation";
    const std::size_t flips = std::size_t{1} << r.n;
    std::size_t at_most = 0, at_least = 0;
    const double eps = 1e-14 * std::max(1.0, r.w_plus);  // scipy's tolerance for equal statistics
    for (std::size_t mask = 0; mask < flips; ++mask) {
      double w = 0;
      for (std::size_t i = 0; i < r.n; ++i)
        if (mask >> i & 1) w += ranks[i];
      at_most += w <= r.w_plus + eps;
      at_least += w >= r.w_plus - eps;
    }
    r.p_value = std::clamp(2 * static_cast<double>(std::min(at_most, at_least)) / static_cast<double>(flips), 0.0, 1.0);
  } else {
    r.method = "asymptotic";
    double tie_term = 0;
    for (double t : ties) tie_term += t * t * t - t;
    double se = std::sqrt((nn * (nn + 1) * (2 * nn + 1) - tie_term / 2) / 24);
    double z = (r.w_plus - nn * (nn + 1) / 4) / se;
    r.p_value = std::clamp(2 * normal_sf(std::abs(z)), 0.0, 1.0);
  }
  return r;
}

Estimate hodges_lehmann_paired(std::span<const double> d, double level) {
  require(d, 1, "Hodges-Lehmann (paired)");
  if (!(level > 0 && level < 1)) throw std::invalid_argument("confidence level must be within (0, 1)");
  std::vector<double> walsh;
  walsh.reserve(d.size() * (d.size() + 1) / 2);
  for (std::size_t i = 0; i < d.size(); ++i)
    for (std::size_t j = i; j < d.size(); ++j) walsh.push_back((d[i] + d[j]) / 2);
  std::sort(walsh.begin(), walsh.end());
  Estimate e{sorted_quantile(walsh, 0.5), walsh.front(), walsh.back(), level, false};
  auto k = signed_rank_critical(d.size(), (1 - level) / 2);
  if (k >= 1 && k <= walsh.size() / 2 + 1) {
    e.lower = walsh[k - 1];
    e.upper = walsh[walsh.size() - k];
    e.bounded = true;
  }
  return e;
}

Estimate ratio_of_means_fieller(std::span<const double> a, std::span<const double> b, double level) {
  require(a, 2, "Fieller's interval");
  require(b, 2, "Fieller's interval");
  double ma = mean(a), mb = mean(b);
  if (mb == 0) throw std::invalid_argument("ratio of means: the mean of the second sample is 0");
  double va = std::pow(stddev(a), 2) / static_cast<double>(a.size());
  double vb = std::pow(stddev(b), 2) / static_cast<double>(b.size());
  double r = ma / mb;
  Estimate e{r, -INFINITY, INFINITY, level, false};
  double wa = va, wb = r * r * vb;
  if (wa + wb == 0) return {r, r, r, level, true};
  double df = (wa + wb) * (wa + wb) / (wa * wa / static_cast<double>(a.size() - 1) + wb * wb / static_cast<double>(b.size() - 1));
  double t = boost::math::quantile(boost::math::students_t(df), 1 - (1 - level) / 2);
  double g = t * t * vb / (mb * mb);
  if (g >= 1) return e;
  double half = (t / std::abs(mb)) * std::sqrt(va * (1 - g) + r * r * vb);
  e.lower = (r - half) / (1 - g);
  e.upper = (r + half) / (1 - g);
  e.bounded = true;
  return e;
}

Estimate ratio_of_means_bootstrap(std::span<const double> a, std::span<const double> b, const BootstrapOptions& options) {
  require(a, 2, "a bootstrap ratio");
  require(b, 2, "a bootstrap ratio");
  detail::Random random(options.seed);
  std::vector<double> replicates;
  replicates.reserve(static_cast<std::size_t>(options.resamples));
  auto resampled_mean = [&](std::span<const double> xs) {
    double sum = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) sum += xs[random.below(xs.size())];
    return sum / static_cast<double>(xs.size());
  };
  for (int i = 0; i < options.resamples; ++i) {
    double ma = resampled_mean(a), mb = resampled_mean(b);
    replicates.push_back(ma / mb);
  }
  std::sort(replicates.begin(), replicates.end());
  double alpha = (1 - options.level) / 2;
  bool finite = std::isfinite(replicates.front()) && std::isfinite(replicates.back());
  return {mean(a) / mean(b), sorted_quantile(replicates, alpha), sorted_quantile(replicates, 1 - alpha), options.level, finite};
}

Equivalence tost(std::span<const double> a, std::span<const double> b, double margin, double alpha) {
  if (!(margin > 0)) throw std::invalid_argument("an equivalence margin must be positive");
  auto w = welch_parts(a, b, "an equivalence test");
  Equivalence e;
  e.p_lower = t_sf((w.diff + margin) / w.se, w.df);  // H0: difference <= -margin
  e.p_upper = t_cdf((w.diff - margin) / w.se, w.df);  // H0: difference >= +margin
  e.p_value = std::max(e.p_lower, e.p_upper);
  e.equivalent = e.p_value < alpha;
  return e;
}

std::vector<double> holm(std::span<const double> p) {
  const auto m = p.size();
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto i, auto j) { return p[i] < p[j]; });
  std::vector<double> adjusted(m);
  double running = 0;
  for (std::size_t k = 0; k < m; ++k) {
    running = std::max(running, std::min(1.0, static_cast<double>(m - k) * p[order[k]]));
    adjusted[order[k]] = running;
  }
  return adjusted;
}

std::vector<double> benjamini_hochberg(std::span<const double> p) {
  const auto m = p.size();
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto i, auto j) { return p[i] < p[j]; });
  std::vector<double> adjusted(m);
  double running = 1;
  for (std::size_t k = m; k-- > 0;) {
    running = std::min(running, std::min(1.0, static_cast<double>(m) / static_cast<double>(k + 1) * p[order[k]]));
    adjusted[order[k]] = running;
  }
  return adjusted;
}

Estimate geometric_mean_ratio(std::span<const Cell> cells, const BootstrapOptions& options) {
  if (cells.empty()) throw std::invalid_argument("a geometric mean of ratios needs at least one scenario");
  auto log_ratio = [](std::span<const double> a, std::span<const double> b) {
    double ra = median(a), rb = median(b);
    if (!(ra > 0 && rb > 0)) throw std::invalid_argument("a geometric mean of ratios needs positive medians");
    return std::log(ra / rb);
  };
  double point = 0;
  for (const auto& c : cells) point += log_ratio(c.a, c.b);
  point /= static_cast<double>(cells.size());
  detail::Random random(options.seed);
  std::vector<double> replicates, ra, rb;
  for (int i = 0; i < options.resamples; ++i) {
    double sum = 0;
    for (const auto& c : cells) {
      ra.resize(c.a.size());
      rb.resize(c.b.size());
      for (auto& v : ra) v = c.a[random.below(c.a.size())];
      for (auto& v : rb) v = c.b[random.below(c.b.size())];
      sum += log_ratio(ra, rb);
    }
    replicates.push_back(sum / static_cast<double>(cells.size()));
  }
  std::sort(replicates.begin(), replicates.end());
  double alpha = (1 - options.level) / 2;
  return {std::exp(point), std::exp(sorted_quantile(replicates, alpha)), std::exp(sorted_quantile(replicates, 1 - alpha)),
          options.level, true};
}

}  // namespace legion::stats
