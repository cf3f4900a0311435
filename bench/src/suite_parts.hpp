#pragma once
// A suite's parts beyond its scenarios (datasets/suites.yaml: `sweeps` and `concurrency`), added to
// the plan of `legion-bench --suite NAME` so that they run in the same run, interleaved with the rest.
#include <ostream>

#include "legion/datasets/suites.hpp"
#include "runner.hpp"

namespace legion::bench {

// Adds the suite's parts to a plan that runs the whole suite. With `quick`, each sweep keeps its
// first and last values and each concurrency part its two lowest levels. A run given --scenario,
// --sweep or --concurrency (`own_cells`) chose its own cells: the parts are left out, and
// `progress` says so.
void add_suite_parts(Plan& plan, const datasets::Suite& suite, bool quick, bool own_cells, std::ostream& progress);

}  // namespace legion::bench
