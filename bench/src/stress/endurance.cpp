// legion-bench --suite endurance (docs/stress.md): constant load for --duration, with leak and
// degradation verdicts over the samples.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "stress/phases.hpp"

namespace legion::bench::stress {
namespace {

// The smoke long enough for a trend over 10 samples.
double duration_s(const StressOptions& o) { return o.duration_s.value_or(o.smoke ? 12 : 60); }

std::vector<PhasePlan> plan(const StressOptions& o, double scale) {
  std::vector<PhasePlan> out;
  const double d = duration_s(o);
  PhasePlan p;
  const int agents = o.agents.value_or(20);
  const double rate = o.rate.value_or(100 / scale);
  p.name = "endurance";
  p.load_class = "normal";
  p.spec = base_spec(o);
  p.spec.start_agents = agents;
  p.spec.start_rate = rate;
  p.spec.stages = {{d, agents, rate}};
  // The warm-up starts with every agent busy at once, so that what grows to the concurrency and
  // stays (the native engine keeps an event loop and a connection per concurrent caller) is full
  // before the steady state; otherwise the first stall on a busy machine adds to it mid-run and
  // reads as a trend. Ten tasks per agent, queued at once.
  const std::int64_t warm = 10 * static_cast<std::int64_t>(agents);
  p.spec.bursts = {{0.2, warm}};
  p.spec.max_tasks = static_cast<std::int64_t>(std::ceil(rate * d * 1.05)) + 10 + warm;
  p.spec.drain_s = 30;
  p.description = std::to_string(agents) + " agents at " + num(rate) + " tasks/s for " + secs(d) + " (the warm-up opening with " +
                  std::to_string(warm) + " tasks queued at once)";
  out.push_back(p);
  return out;
}

}  // namespace

StressSuite endurance_suite() {
  auto suite = phase_suite("endurance", "constant load for --duration (up to 7 days) with RSS, CPU, threads, fds, latency and errors each second; leak verdicts",
                           plan, duration_s);
  suite.takes_rate_and_agents = true;
  suite.analysis.trends = true;
  return suite;
}

}  // namespace legion::bench::stress
