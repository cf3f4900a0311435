#pragma once
// The failure suite's broker fault phases in STRESS_TEST_RESULTS.md: memory exhaustion of an
// engine and a network partition between engines and the broker (bench/src/stress/broker_faults.*).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace legion::report {

struct FaultRecovery {
  bool ok;  // recovered in under 30 s
  std::string measured, from;
};
// One entry per phase that ran (skipped phases have none), for the "recovery under 30 s" criterion.
std::vector<FaultRecovery> broker_fault_recoveries(const nlohmann::json& extra);
// The two sections, or "" when the run has neither.
std::string broker_faults_markdown(const nlohmann::json& extra);

}  // namespace legion::report
