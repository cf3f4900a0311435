#include "sweep.hpp"

#include <algorithm>

#include "checks.hpp"

namespace legion::bench {
namespace {

std::int64_t integer(const std::string& text, const std::string& flag) {
  std::size_t used = 0;
  std::int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (text.empty() || used != text.size()) throw UsageError(flag + ": '" + text + "' is not an integer");
  return value;
}

}  // namespace

Sweep parse_sweep(const std::string& text) {
  const std::string flag = "--sweep " + text;
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw UsageError(flag + ": expected NAME=A..B[:STEP] or NAME=a,b,c");
  Sweep sweep{text.substr(0, eq), {}};
  const auto values = text.substr(eq + 1);
  if (const auto dots = values.find(".."); dots != std::string::npos) {
    const auto colon = values.find(':', dots);
    const auto from = integer(values.substr(0, dots), flag);
    const auto to = integer(values.substr(dots + 2, colon == std::string::npos ? std::string::npos : colon - dots - 2), flag);
    const auto step = colon == std::string::npos ? 1 : integer(values.substr(colon + 1), flag);
    if (step <= 0) throw UsageError(flag + ": the step must be positive, got " + std::to_string(step));
    if (to <= from) throw UsageError(flag + ": the range must rise (A..B with A < B), got " + std::to_string(from) + ".." + std::to_string(to));
    if ((to - from) / step + 1 > static_cast<std::int64_t>(kMaxSweepValues))
      throw UsageError(flag + ": more than " + std::to_string(kMaxSweepValues) + " values");
    for (auto v = from; v <= to; v += step) sweep.values.push_back(v);
  } else {
    std::size_t start = 0;
    for (std::size_t comma; start <= values.size(); start = comma + 1) {
      comma = values.find(',', start);
      if (comma == std::string::npos) comma = values.size();
      sweep.values.push_back(integer(values.substr(start, comma - start), flag));
      if (sweep.values.size() > kMaxSweepValues) throw UsageError(flag + ": more than " + std::to_string(kMaxSweepValues) + " values");
    }
    std::sort(sweep.values.begin(), sweep.values.end());
    if (auto twice = std::adjacent_find(sweep.values.begin(), sweep.values.end()); twice != sweep.values.end())
      throw UsageError(flag + ": " + std::to_string(*twice) + " is given twice");
  }
  if (sweep.values.size() < 2) throw UsageError(flag + ": a sweep needs at least two values");
  return sweep;
}

}  // namespace legion::bench
