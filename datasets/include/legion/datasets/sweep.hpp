#pragma once
// A parameter sweep's values as text: `NAME=A..B`, `NAME=A..B:STEP` or `NAME=a,b,c` — the one reader
// of what `--sweep` takes and what a suite's `sweeps` declare in datasets/suites.yaml.
#include <cstdint>
#include <string>
#include <vector>

namespace legion::datasets {

struct Sweep {
  std::string param;
  std::vector<std::int64_t> values;  // ascending, distinct
};

// At most this many values: a sweep is a handful of points, not a grid search.
inline constexpr std::size_t kMaxSweepValues = 100;

// Throws std::invalid_argument saying what is wrong (without naming where the text came from) for
// an empty or reversed range, a step that is not positive, a value that is not an integer, a value
// given twice, fewer than two values or more than kMaxSweepValues.
Sweep parse_sweep_text(const std::string& text);

}  // namespace legion::datasets
