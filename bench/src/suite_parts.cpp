#include "suite_parts.hpp"

namespace legion::bench {

void add_suite_parts(Plan& plan, const datasets::Suite& suite, bool quick, bool own_cells, std::ostream& progress) {
  if (suite.sweeps.empty() && suite.concurrency.empty()) return;
  if (own_cells) {
    progress << "suite '" << suite.name << "': its sweeps and concurrency levels (datasets/suites.yaml) are left out, as --scenario, "
             << "--sweep or --concurrency chose the cells\n";
    return;
  }
  for (const auto& part : suite.sweeps) {
    auto sweep = part.sweep;
    if (quick) sweep.values = {sweep.values.front(), sweep.values.back()};
    plan.sweep_parts.push_back({datasets::resolve_scenario(part.scenario), std::move(sweep), part.where});
  }
  for (const auto& part : suite.concurrency) {
    auto levels = part.levels;
    if (quick && levels.size() > 2) levels.resize(2);
    plan.concurrency_parts.push_back({datasets::resolve_scenario(part.scenario), std::move(levels), part.where});
  }
}

}  // namespace legion::bench
