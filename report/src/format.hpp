#pragma once
// Number formats the text reports share (internal to the report library).
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <string>

#include "legion/report/pairwise.hpp"

namespace legion::report::detail {

inline std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

// Three significant figures, without scientific notation for the magnitudes we print.
inline std::string sig3(double v) {
  double a = std::abs(v);
  int digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return fixed(v, digits);
}

// Money with three significant figures however small a task's cost is, never in scientific notation
// (0.000302, 1.51, 25.00).
inline std::string money(double v) {
  if (v == 0) return "0";
  const int magnitude = static_cast<int>(std::floor(std::log10(std::abs(v))));
  return fixed(v, std::clamp(2 - magnitude, 2, 9));
}

// Overhead is undefined for records that ran several tasks at once.
inline std::string overhead(std::size_t n, double value) { return n == 0 ? "n/a" : sig3(value); }

// A confidence level as the reports write it: 0.95 -> "95%", 0.995 -> "99.5%".
inline std::string level_percent(double level) {
  std::ostringstream s;
  s << std::setprecision(6) << level * 100 << "%";
  return s.str();
}

// 10000 -> "10,000".
inline std::string thousands(long long n) {
  auto digits = std::to_string(n < 0 ? -n : n);
  for (auto i = static_cast<long long>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return (n < 0 ? "-" : "") + digits;
}

// A significance level as written: 0.05 -> "0.05".
inline std::string plain(double v) {
  std::ostringstream s;
  s << std::setprecision(6) << v;
  return s.str();
}

}  // namespace legion::report::detail
