#include "legion/stats/hdr_histogram.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace legion::stats {

HdrHistogram::HdrHistogram(std::int64_t lowest, std::int64_t highest, int significant_digits)
    : lowest_(lowest), highest_(highest) {
  if (lowest < 1) throw std::invalid_argument("HDR histogram: the lowest trackable value must be at least 1");
  if (highest < 2 * lowest) throw std::invalid_argument("HDR histogram: the highest value must be at least twice the lowest");
  if (significant_digits < 1 || significant_digits > 5)
    throw std::invalid_argument("HDR histogram: significant digits must be within 1-5");
  // Values below 2·10^digits get unit resolution; each bucket above doubles the step.
  std::int64_t largest_single_unit = 2 * static_cast<std::int64_t>(std::pow(10, significant_digits));
  unit_magnitude_ = static_cast<int>(std::floor(std::log2(static_cast<double>(lowest))));
  int sub_bucket_count_magnitude = static_cast<int>(std::ceil(std::log2(static_cast<double>(largest_single_unit))));
  sub_bucket_half_count_magnitude_ = std::max(sub_bucket_count_magnitude, 1) - 1;
  sub_bucket_count_ = std::int64_t{1} << (sub_bucket_half_count_magnitude_ + 1);
  sub_bucket_half_count_ = sub_bucket_count_ / 2;
  sub_bucket_mask_ = (sub_bucket_count_ - 1) << unit_magnitude_;
  std::int64_t smallest_untrackable = sub_bucket_count_ << unit_magnitude_;
  int buckets = 1;
  while (smallest_untrackable <= highest) {
    if (smallest_untrackable > std::numeric_limits<std::int64_t>::max() / 2) {
      ++buckets;
      break;
    }
    smallest_untrackable <<= 1;
    ++buckets;
  }
  counts_.assign(static_cast<std::size_t>((buckets + 1) * sub_bucket_half_count_), 0);
}

std::size_t HdrHistogram::index_of(std::int64_t value) const {
  int pow2ceiling = 64 - std::countl_zero(static_cast<std::uint64_t>(value | sub_bucket_mask_));
  int bucket = pow2ceiling - unit_magnitude_ - (sub_bucket_half_count_magnitude_ + 1);
  std::int64_t sub_bucket = value >> (bucket + unit_magnitude_);
  return static_cast<std::size_t>((static_cast<std::int64_t>(bucket + 1) << sub_bucket_half_count_magnitude_) +
                                  (sub_bucket - sub_bucket_half_count_));
}

std::int64_t HdrHistogram::value_at_index(std::size_t index) const {
  auto i = static_cast<std::int64_t>(index);
  std::int64_t bucket = (i >> sub_bucket_half_count_magnitude_) - 1;
  std::int64_t sub_bucket = (i & (sub_bucket_half_count_ - 1)) + sub_bucket_half_count_;
  if (bucket < 0) {
    sub_bucket -= sub_bucket_half_count_;
    bucket = 0;
  }
  return sub_bucket << (bucket + unit_magnitude_);
}

std::int64_t HdrHistogram::equivalent_range(std::int64_t value) const {
  int pow2ceiling = 64 - std::countl_zero(static_cast<std::uint64_t>(value | sub_bucket_mask_));
  int bucket = pow2ceiling - unit_magnitude_ - (sub_bucket_half_count_magnitude_ + 1);
  std::int64_t sub_bucket = value >> (bucket + unit_magnitude_);
  int adjusted = sub_bucket >= sub_bucket_count_ ? bucket + 1 : bucket;
  return std::int64_t{1} << (unit_magnitude_ + adjusted);
}

std::int64_t HdrHistogram::lowest_equivalent(std::int64_t value) const { return value_at_index(index_of(value)); }

std::int64_t HdrHistogram::highest_equivalent(std::int64_t value) const {
  return lowest_equivalent(value) + equivalent_range(value) - 1;
}

bool HdrHistogram::record(std::int64_t value, std::int64_t count) {
  // As HdrHistogram: the layout may cover a little more than `highest`; beyond it, nothing is recorded.
  if (value < 0) return false;
  auto index = index_of(value);
  if (index >= counts_.size()) return false;
  counts_[index] += count;
  total_ += count;
  return true;
}

bool HdrHistogram::record_corrected(std::int64_t value, std::int64_t expected_interval) {
  if (!record(value)) return false;
  if (expected_interval <= 0 || value <= expected_interval) return true;
  for (std::int64_t missing = value - expected_interval; missing >= expected_interval; missing -= expected_interval)
    if (!record(missing)) return false;
  return true;
}

void HdrHistogram::merge(const HdrHistogram& other) {
  for (std::size_t i = 0; i < other.counts_.size(); ++i)
    if (other.counts_[i] != 0) record(other.value_at_index(i), other.counts_[i]);
}

void HdrHistogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = 0;
}

std::int64_t HdrHistogram::value_at_percentile(double percentile) const {
  if (total_ == 0) return 0;
  double p = std::min(std::max(percentile, 0.0), 100.0);
  auto wanted = static_cast<std::int64_t>(p / 100 * static_cast<double>(total_) + 0.5);
  wanted = std::max<std::int64_t>(wanted, 1);
  std::int64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= wanted) return highest_equivalent(value_at_index(i));
  }
  return 0;
}

std::int64_t HdrHistogram::min() const {
  for (std::size_t i = 0; i < counts_.size(); ++i)
    if (counts_[i] != 0) return lowest_equivalent(value_at_index(i));
  return 0;
}

std::int64_t HdrHistogram::max() const {
  for (std::size_t i = counts_.size(); i-- > 0;)
    if (counts_[i] != 0) return highest_equivalent(value_at_index(i));
  return 0;
}

double HdrHistogram::mean() const {
  if (total_ == 0) return 0;
  double sum = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i)
    if (counts_[i] != 0) {
      auto v = value_at_index(i);
      sum += static_cast<double>(lowest_equivalent(v) + (equivalent_range(v) >> 1)) * static_cast<double>(counts_[i]);
    }
  return sum / static_cast<double>(total_);
}

std::int64_t HdrHistogram::count_at(std::int64_t value) const {
  if (value < 0) return 0;
  auto index = index_of(value);
  return index < counts_.size() ? counts_[index] : 0;
}

}  // namespace legion::stats
