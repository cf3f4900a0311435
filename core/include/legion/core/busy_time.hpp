#pragma once
// How long something was busy, given the intervals in which it worked: the length of their union,
// so that time covered by two overlapping intervals (two model calls in flight at once) counts
// once. Overhead is wall time minus this union for the model's intervals (docs/methodology.md).
#include <cstdint>
#include <span>
#include <vector>

namespace legion::core {

// [start_ns, end_ns) on one clock; an interval with end_ns <= start_ns is empty.
struct TimeSpan {
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
};

// The union of the spans, in any order: disjoint, non-empty spans sorted by start, overlapping
// and touching ones joined.
std::vector<TimeSpan> merged(std::span<const TimeSpan> spans);
// The length of the union of the spans, in any order; 0 for none.
std::int64_t union_length_ns(std::span<const TimeSpan> spans);

}  // namespace legion::core
