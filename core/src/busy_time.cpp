#include "legion/core/busy_time.hpp"

#include <algorithm>

namespace legion::core {

std::vector<TimeSpan> merged(std::span<const TimeSpan> spans) {
  std::vector<TimeSpan> sorted;
  sorted.reserve(spans.size());
  for (const auto& s : spans)
    if (s.end_ns > s.start_ns) sorted.push_back(s);
  std::sort(sorted.begin(), sorted.end(), [](const TimeSpan& a, const TimeSpan& b) { return a.start_ns < b.start_ns; });
  std::vector<TimeSpan> out;
  for (const auto& s : sorted) {
    if (!out.empty() && s.start_ns <= out.back().end_ns) out.back().end_ns = std::max(out.back().end_ns, s.end_ns);
    else out.push_back(s);
  }
  return out;
}

std::int64_t union_length_ns(std::span<const TimeSpan> spans) {
  std::int64_t total = 0;
  for (const auto& s : merged(spans)) total += s.end_ns - s.start_ns;
  return total;
}

}  // namespace legion::core
