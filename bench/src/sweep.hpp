#pragma once
// A parameter sweep: one scenario parameter run at several values in one run, every value a cell
// of its own (`tool-overhead[extra_tools=10]`), interleaved with the systems as the runner does.
// The report fits how each metric grows with the parameter (report/sweep.hpp).
#include <cstdint>
#include <string>
#include <vector>

namespace legion::bench {

struct Sweep {
  std::string param;
  std::vector<std::int64_t> values;  // ascending, distinct
};

// At most this many values: a sweep is a handful of points, not a grid search.
inline constexpr std::size_t kMaxSweepValues = 100;

// `NAME=A..B` (step 1), `NAME=A..B:STEP` or `NAME=a,b,c`. Throws UsageError naming --sweep for an
// empty or reversed range, a step that is not positive, a value that is not an integer, a value
// given twice, fewer than two values or more than kMaxSweepValues.
Sweep parse_sweep(const std::string& text);

}  // namespace legion::bench
