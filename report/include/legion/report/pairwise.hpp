#pragma once
// The one pairwise comparison every report makes — the run summary against its baseline,
// `legion-bench analyze`, and `compare` with one run a side: Mann–Whitney U, a correction across
// the family of pairs (Holm or Benjamini–Hochberg), Cliff's delta and a Hodges–Lehmann interval.
// Its options travel with the results, so each report states the settings it was made with.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "legion/stats/compare.hpp"
#include "legion/stats/intervals.hpp"

namespace legion::report {

struct StatisticsOptions {
  double alpha = 0.05;               // significance level, after the correction
  double level = 0.95;               // confidence level of every interval
  int resamples = 10000;             // bootstrap resamples
  std::uint64_t seed = 1;            // bootstrap seed
  std::string correction = "holm";   // holm | bh
};
// Throws std::invalid_argument naming the option that is out of range.
void check(const StatisticsOptions& options);
// "Holm" or "Benjamini–Hochberg", as the reports name the correction.
std::string correction_name(const StatisticsOptions& options);

// Two samples compared as a against b (the stats module's convention: differences a − b).
struct SamplePair {
  std::span<const double> a, b;
};

enum class Interval {
  ratio,  // Hodges–Lehmann ratio a/b on log scale (positive values only)
  shift,  // Hodges–Lehmann shift a − b
};

struct PairwiseComparison {
  std::optional<stats::MannWhitney> test;  // absent when every value is tied: nothing to test, p = 1
  double p_value = 1;
  double p_adjusted = 1;  // corrected across the pairs of one call
  bool significant = false;
  double cliffs_delta = 0;                 // P(a > b) − P(a < b)
  std::optional<stats::Estimate> interval;
  std::vector<std::string> notes;          // why something could not be computed
  // Without an interval the pair is not comparable and stays out of the correction's family.
  bool comparable() const { return interval.has_value(); }
};

// One result per pair, in order. The family of the correction is every comparable pair.
std::vector<PairwiseComparison> compare_pairs(std::span<const SamplePair> pairs, const StatisticsOptions& options,
                                              Interval interval);

}  // namespace legion::report
