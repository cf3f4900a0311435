#pragma once
// What the load, spike and endurance suites share: phases of load-generator load on the chosen
// systems. Each system runs against the scripted model server, started as a child process of its
// own on loopback (so /proc shows the system's memory apart from the server's); the generator drives
// it, and the task ledger and a sample a second go to the results store. A suite of this kind is its
// plan: a function from the options and a system's scale to its phases.
#include <functional>
#include <string>
#include <vector>

#include "stress/generator.hpp"
#include "stress/options.hpp"
#include "stress/suite.hpp"

namespace legion::bench::stress {

struct PhasePlan {
  std::string name;
  std::string load_class;  // normal | extreme: which error-rate criterion applies
  LoadSpec spec;
  std::string description;
  bool bus_burst = false;  // spike: 1,000 messages a second on the engine's bus during the hold
  double bus_at_s = 0, bus_seconds = 0;
};

// The phases for a system whose tasks and rates are the native engine's divided by `scale`.
using PhasePlanner = std::function<std::vector<PhasePlan>(const StressOptions&, double scale)>;

// The load every phase starts from: --mode, --arrival and --seed.
LoadSpec base_spec(const StressOptions& options);

// What a system's load levels are divided by: the native engine 1, a Python framework
// kFrameworkScale, and with --full-length every system 1 (the seeds' counts).
double load_scale(const StressOptions& options, const std::string& system);

// A number and a duration as the phases' descriptions write them.
std::string num(double v);
std::string secs(double s);

// The planned phases (scale 1) refused when they need more agents than --max-agents, an open-loop
// rate of zero, or more threads than the machine allows.
void validate_phases(const std::vector<PhasePlan>& phases, int max_agents);

// The phases as the registry's plan shows them.
std::vector<PlannedPhase> planned(const std::vector<PhasePlan>& phases);

// Runs the phases on every system of `options`, the systems taking turns phase by phase, into the
// store `options.out_dir`/results.sqlite; `duration_s` is recorded as the run's. Returns the run id.
std::string run_phases(const StressOptions& options, double duration_s, const PhasePlanner& plan);

// A suite made of such phases: its checks, plan and run from the planner.
StressSuite phase_suite(std::string name, std::string description, PhasePlanner plan, std::function<double(const StressOptions&)> duration_s);

}  // namespace legion::bench::stress
