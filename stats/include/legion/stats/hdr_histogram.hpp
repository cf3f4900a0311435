#pragma once
// Log-linear latency histogram in the layout of HdrHistogram (Gil Tene): values are kept to a
// fixed number of significant decimal digits over a configurable range, with O(1) recording,
// merging and percentiles, and correction for coordinated omission.
#include <cstdint>
#include <vector>

namespace legion::stats {

class HdrHistogram {
 public:
  // lowest ≥ 1, highest ≥ 2·lowest, significant digits 1–5; std::invalid_argument otherwise.
  HdrHistogram(std::int64_t lowest, std::int64_t highest, int significant_digits = 3);

  // False (and nothing recorded) when the value is negative or beyond the layout's range.
  bool record(std::int64_t value, std::int64_t count = 1);
  // Records the value and, when it exceeds the expected interval between samples, the samples a
  // stalled closed-loop measurement would have taken meanwhile: value − k·interval while ≥ interval.
  bool record_corrected(std::int64_t value, std::int64_t expected_interval);
  // Adds another histogram's counts (it may have a different layout).
  void merge(const HdrHistogram& other);
  void reset();

  // The highest value equivalent to the smallest recorded value covering `percentile` (0–100) of
  // all counts, as HdrHistogram's value_at_percentile. 0 for an empty histogram.
  std::int64_t value_at_percentile(double percentile) const;
  std::int64_t total_count() const { return total_; }
  std::int64_t min() const;
  std::int64_t max() const;
  double mean() const;
  std::int64_t count_at(std::int64_t value) const;
  std::size_t counts_length() const { return counts_.size(); }

  std::int64_t lowest_equivalent(std::int64_t value) const;
  std::int64_t highest_equivalent(std::int64_t value) const;
  bool equivalent(std::int64_t a, std::int64_t b) const { return lowest_equivalent(a) == lowest_equivalent(b); }

 private:
  std::size_t index_of(std::int64_t value) const;
  std::int64_t value_at_index(std::size_t index) const;
  std::int64_t equivalent_range(std::int64_t value) const;

  std::int64_t lowest_, highest_;
  int unit_magnitude_ = 0, sub_bucket_half_count_magnitude_ = 0;
  std::int64_t sub_bucket_count_ = 0, sub_bucket_half_count_ = 0, sub_bucket_mask_ = 0;
  std::vector<std::int64_t> counts_;
  std::int64_t total_ = 0;
};

}  // namespace legion::stats
