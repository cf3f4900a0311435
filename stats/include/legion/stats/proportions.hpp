#pragma once
// Proportions of successes among trials: an interval for one cell's success rate, and the
// repeated-trial estimators agent benchmarks report (pass^k, pass@k).
#include <cstddef>
#include <optional>
#include <span>

#include "legion/stats/intervals.hpp"

namespace legion::stats {

// Wilson score interval for a binomial proportion (Wilson 1927): with p = s/n and z = Φ⁻¹(1 − α/2),
//   centre = (p + z²/2n) / (1 + z²/n),  half-width = z / (1 + z²/n) · √(p(1 − p)/n + z²/4n²).
// Unlike the Wald interval it stays inside [0, 1] and is not empty at 0/n or n/n (0/10 at 95%:
// [0, 0.278]). The point is s/n. Needs n ≥ 1 and s ≤ n (std::invalid_argument otherwise).
Estimate wilson_interval(std::size_t successes, std::size_t n, double level = 0.95);

// One task tried n times with c successes. Both are unbiased estimators over the n trials, computed
// as products of ratios no greater than one (exact to long double for n in the thousands); absent
// (nullopt) when k > n or k = 0.
//   pass^k = C(c, k) / C(n, k): the chance that k trials drawn without replacement ALL succeed
//            (τ-bench, Yao et al. 2024) — how reliably a system succeeds.
//   pass@k = 1 − C(n − c, k) / C(n, k): the chance that AT LEAST ONE of k trials succeeds (Chen et
//            al. 2021) — whether it can succeed at all.
std::optional<double> pass_hat_k(std::size_t n, std::size_t c, std::size_t k);
std::optional<double> pass_at_k(std::size_t n, std::size_t c, std::size_t k);

// Averaged over tasks, as τ-bench reports pass^k (each task weighs the same); absent when there is
// no task or any task has fewer than k trials.
struct TaskTrials {
  std::size_t n = 0, successes = 0;
};
std::optional<double> mean_pass_hat_k(std::span<const TaskTrials> tasks, std::size_t k);
std::optional<double> mean_pass_at_k(std::span<const TaskTrials> tasks, std::size_t k);

}  // namespace legion::stats
