#pragma once
// Why a task failed against a real model, read from what the model was sent and answered
// (the recording proxy's exchanges) and from the record: the classes and their order are defined
// once, with report::kFailureClasses. This is what a scripted model cannot show — which framework
// recovers from a weak model's mistakes, and what those mistakes were.
#include <optional>
#include <string>
#include <vector>

#include "legion/datasets/scenario.hpp"
#include "legion/oracle/recording_proxy.hpp"
#include "legion/report/results.hpp"

namespace legion::bench {

// The class of a failed record (nullopt when it passed or the system cannot express the scenario).
std::optional<std::string> classify_failure(const report::RunRecord& record, const datasets::ScenarioSpec& spec,
                                            const std::vector<oracle::Exchange>& exchanges);

}  // namespace legion::bench
