#pragma once
// The findings a decision maker reads first, written from a run's numbers: which system is
// fastest, which uses the fewest tokens and the least memory, what each cannot do, and how sure
// the run is. Plain text (each format escapes it); internal to the report library.
#include <string>
#include <vector>

#include "legion/report/summary.hpp"

namespace legion::report::detail {

using Finding = legion::report::Finding;

// Computed once per run by summarize_run (RunResults::findings); formats read them there.
std::vector<Finding> key_findings(const RunResults& results);

}  // namespace legion::report::detail
