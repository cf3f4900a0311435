#include "legion/datasets/sweep.hpp"

#include <algorithm>
#include <stdexcept>

namespace legion::datasets {
namespace {

std::int64_t integer(const std::string& text) {
  std::size_t used = 0;
  std::int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (text.empty() || used != text.size()) throw std::invalid_argument("'" + text + "' is not an integer");
  return value;
}

}  // namespace

Sweep parse_sweep_text(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw std::invalid_argument("expected NAME=A..B[:STEP] or NAME=a,b,c");
  Sweep sweep{text.substr(0, eq), {}};
  const auto values = text.substr(eq + 1);
  if (const auto dots = values.find(".."); dots != std::string::npos) {
    const auto colon = values.find(':', dots);
    const auto from = integer(values.substr(0, dots));
    const auto to = integer(values.substr(dots + 2, colon == std::string::npos ? std::string::npos : colon - dots - 2));
    const auto step = colon == std::string::npos ? 1 : integer(values.substr(colon + 1));
    if (step <= 0) throw std::invalid_argument("the step must be positive, got " + std::to_string(step));
    if (to <= from) throw std::invalid_argument("the range must rise (A..B with A < B), got " + std::to_string(from) + ".." + std::to_string(to));
    if ((to - from) / step + 1 > static_cast<std::int64_t>(kMaxSweepValues))
      throw std::invalid_argument("more than " + std::to_string(kMaxSweepValues) + " values");
    for (auto v = from; v <= to; v += step) sweep.values.push_back(v);
  } else {
    std::size_t start = 0;
    for (std::size_t comma; start <= values.size(); start = comma + 1) {
      comma = values.find(',', start);
      if (comma == std::string::npos) comma = values.size();
      sweep.values.push_back(integer(values.substr(start, comma - start)));
      if (sweep.values.size() > kMaxSweepValues) throw std::invalid_argument("more than " + std::to_string(kMaxSweepValues) + " values");
    }
    std::sort(sweep.values.begin(), sweep.values.end());
    if (auto twice = std::adjacent_find(sweep.values.begin(), sweep.values.end()); twice != sweep.values.end())
      throw std::invalid_argument(std::to_string(*twice) + " is given twice");
  }
  if (sweep.values.size() < 2) throw std::invalid_argument("a sweep needs at least two values");
  return sweep;
}

}  // namespace legion::datasets
