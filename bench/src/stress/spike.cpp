// legion-bench --suite spike (docs/stress.md): a ramp to 100 agents, a bus burst and a queued burst,
// and the time the p99 takes to come back.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "stress/phases.hpp"

namespace legion::bench::stress {
namespace {

double duration_s(const StressOptions& o) { return o.duration_s.value_or(o.smoke ? 7 : 70); }

std::vector<PhasePlan> plan(const StressOptions& o, double scale) {
  std::vector<PhasePlan> out;
  const double d = duration_s(o);
  // Baseline 10 agents at 50/s; 10 → 100 agents and 50 → 500/s in 10 s; 100 agents at 500/s with
  // 1,000 bus messages a second; 10,000 tasks queued at once; back to 50/s to watch the recovery.
  const double f = d / 70.0;
  const auto burst = std::max<std::int64_t>(1, std::llround((o.smoke ? 1000 : 10000) / scale));
  const double base = 50 / scale, peak = 500 / scale;
  PhasePlan p;
  p.name = "spike";
  p.load_class = "extreme";
  p.spec = base_spec(o);
  p.spec.start_agents = 10;
  p.spec.start_rate = base;
  p.spec.stages = {{10 * f, 10, base}, {10 * f, 100, peak}, {10 * f, 100, peak}, {0.001, 100, base}, {40 * f, 100, base}};
  p.spec.bursts = {{30 * f, burst}};
  p.spec.max_tasks = static_cast<std::int64_t>(base * 10 * f + (base + peak) / 2 * 10 * f + peak * 10 * f + base * 40 * f) + burst + 100;
  p.spec.drain_s = 30;
  p.bus_burst = true;
  p.bus_at_s = 20 * f;
  p.bus_seconds = 10 * f;
  p.description = "baseline 10 agents at " + num(base) + "/s for " + secs(10 * f) + "; to 100 agents and " + num(peak) + "/s in " +
                  secs(10 * f) + "; held " + secs(10 * f) +
                  " with 1,000 bus messages/s; " + std::to_string(burst) + " tasks queued at once; " + num(base) + "/s for " +
                  secs(40 * f) + " of recovery";
  out.push_back(p);
  return out;
}

}  // namespace

StressSuite spike_suite() {
  auto suite = phase_suite("spike", "10 → 100 agents in 10 s, 1,000 bus messages/s, 10,000 tasks queued at once; recovery time and queue depth",
                           plan, duration_s);
  suite.analysis.spike_recovery = true;
  return suite;
}

}  // namespace legion::bench::stress
