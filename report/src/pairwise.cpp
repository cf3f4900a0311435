#include "legion/report/pairwise.hpp"

#include <stdexcept>

namespace legion::report {

void check(const StatisticsOptions& o) {
  if (!(o.alpha > 0 && o.alpha < 1)) throw std::invalid_argument("alpha must be within (0, 1)");
  if (!(o.level > 0 && o.level < 1)) throw std::invalid_argument("the confidence level must be within (0, 1)");
  if (o.resamples < 1) throw std::invalid_argument("resamples must be at least 1");
  if (o.correction != "holm" && o.correction != "bh")
    throw std::invalid_argument("unknown correction '" + o.correction + "' (expected holm or bh)");
}

std::string correction_name(const StatisticsOptions& o) { return o.correction == "bh" ? "Benjamini–Hochberg" : "Holm"; }

std::vector<PairwiseComparison> compare_pairs(std::span<const SamplePair> pairs, const StatisticsOptions& options,
                                              Interval interval) {
  check(options);
  std::vector<PairwiseComparison> out(pairs.size());
  std::vector<double> p_values;
  std::vector<std::size_t> family;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const auto [a, b] = pairs[i];
    auto& c = out[i];
    try {
      c.test = stats::mann_whitney_u(a, b);
      c.p_value = c.test->p_value;
    } catch (const std::invalid_argument& e) {  // identical samples have no difference to test: p = 1
      c.notes.push_back(e.what());
    }
    try {
      c.interval = interval == Interval::ratio ? stats::hodges_lehmann_ratio(a, b, options.level)
                                               : stats::hodges_lehmann(a, b, options.level);
    } catch (const std::invalid_argument& e) {
      c.notes.push_back(e.what());
    }
    c.cliffs_delta = stats::cliffs_delta(a, b);
    if (!c.comparable()) continue;
    p_values.push_back(c.p_value);
    family.push_back(i);
  }
  const auto adjusted = options.correction == "bh" ? stats::benjamini_hochberg(p_values) : stats::holm(p_values);
  for (std::size_t k = 0; k < family.size(); ++k) {
    out[family[k]].p_adjusted = adjusted[k];
    out[family[k]].significant = adjusted[k] < options.alpha;
  }
  return out;
}

}  // namespace legion::report
