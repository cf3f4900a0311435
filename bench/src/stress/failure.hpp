#pragma once
// legion-bench --suite failure (docs/stress.md): model-server faults on every system, and a worker
// killed with SIGKILL mid-task.
#include "stress/suites.hpp"

namespace legion::bench::stress {

int run_failure(const StressOptions& options);

}  // namespace legion::bench::stress
