// legion-bench --suite load (docs/stress.md): the seeds' load levels on every system.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "stress/phases.hpp"

namespace legion::bench::stress {
namespace {

// --full-length: the seeds' minutes (the longest level 60 of them); else --duration, or a minute.
double duration_s(const StressOptions& o) { return o.full_length ? 3600 : o.duration_s.value_or(o.smoke ? 2 : 60); }

std::vector<PhasePlan> plan(const StressOptions& o, double scale) {
  std::vector<PhasePlan> out;
  const double d = duration_s(o);
  // The seeds' levels; their 5/15/30/60 minutes in proportion, the longest lasting --duration.
  const struct {
    int agents;
    std::int64_t tasks;
    double share;
  } levels[] = {{10, 1000, 5.0 / 60}, {50, 5000, 15.0 / 60}, {100, 10000, 30.0 / 60}, {200, 20000, 1.0}};
  for (const auto& l : levels) {
    PhasePlan p;
    const auto scaled = static_cast<std::int64_t>(std::llround(static_cast<double>(l.tasks) / scale));
    const std::int64_t tasks = std::max<std::int64_t>(o.smoke ? scaled / 100 : scaled, 1);
    const double seconds = d * l.share;
    p.name = std::to_string(l.agents) + " agents, " + std::to_string(tasks) + " tasks";
    p.load_class = l.agents >= 200 ? "extreme" : "normal";
    p.spec = base_spec(o);
    p.spec.start_agents = l.agents;
    p.spec.start_rate = static_cast<double>(tasks) / seconds;
    p.spec.stages = {{seconds, l.agents, p.spec.start_rate}};
    p.spec.max_tasks = tasks;
    p.spec.drain_s = std::max(5.0, seconds);
    p.description = std::to_string(tasks) + " tasks over " + secs(seconds) + " (" +
                    num(p.spec.start_rate) + "/s) by " + std::to_string(l.agents) + " agents";
    out.push_back(p);
  }
  return out;
}

}  // namespace

StressSuite load_suite() {
  auto suite = phase_suite("load", "the seeds' load levels: 10/50/100/200 agents with 1,000/5,000/10,000/20,000 tasks, open loop (docs/stress.md)",
                           plan, duration_s);
  suite.every_system_by_default = true;  // load is compared across every system
  suite.analysis.load_levels = true;
  return suite;
}

}  // namespace legion::bench::stress
