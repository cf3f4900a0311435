#pragma once
// A parameter sweep: one scenario parameter run at several values in one run, every value a cell
// of its own (`tool-overhead[extra_tools=10]`), interleaved with the systems as the runner does.
// The report fits how each metric grows with the parameter (report/sweep.hpp).
#include <string>

#include "legion/datasets/sweep.hpp"

namespace legion::bench {

using datasets::kMaxSweepValues;
using datasets::Sweep;

// `NAME=A..B` (step 1), `NAME=A..B:STEP` or `NAME=a,b,c` (datasets::parse_sweep_text). Throws
// UsageError naming --sweep and what is wrong.
Sweep parse_sweep(const std::string& text);

}  // namespace legion::bench
