#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>

#include "command.hpp"
#include "legion/stats/planning.hpp"
#include "options.hpp"
#include "run.hpp"

namespace legion::bench::commands {
namespace {

struct PlanOptions {
  double change = 0.10, power = 0.95, alpha = 0.05;
};

void add_plan_options(CLI::App& cmd, PlanOptions& o) {
  cmd.add_option("--change", o.change, "The relative change to detect, e.g. 0.1 for 10% (at most 10: 1000%)")
      ->capture_default_str()
      ->check(number_in({0, 10, true}));
  cmd.add_option("--power", o.power, "Probability of finding it")->capture_default_str()->check(number_in({0, 1, true, true}));
  cmd.add_option("--alpha", o.alpha, "Significance level for the whole table (Bonferroni across its cells)")
      ->capture_default_str()
      ->check(number_in(kAlpha));
  // The same setting as the run option: `legion-bench --calibration X plan` reads X too.
  cmd.add_option("--calibration", run_options().calibration_path, "The calibration to plan from (default results/calibration/)");
}

// The repetitions (interleaved) and runs (separate) each cell of the calibration needs.
int print_plan(const PlanOptions& o) {
  auto calibration = find_calibration(run_options().calibration_path);
  if (!calibration) throw std::invalid_argument("plan needs a calibration: run legion-bench calibrate first (or give --calibration)");
  const double effect = std::log1p(o.change);
  const double alpha = o.alpha / static_cast<double>(calibration->cells.size());
  std::cout << "To find a change of " << o.change * 100 << "% with power " << o.power << " at alpha " << o.alpha << " across "
            << calibration->cells.size() << " cells (Bonferroni: " << alpha << " each); " << calibration->describe() << ":\n\n"
            << std::left << std::setw(26) << "scenario" << std::setw(17) << "system" << std::setw(34) << "interleaved (legion-bench ab)"
            << std::setw(36) << "separate runs (compare --old --new)"
            << "one run a side\n";
  // A count beyond the planner's search (10 million) is that cell's answer, not the end of the table.
  auto counted = [](const auto& search, const std::string& unit, const std::string& detail = "") {
    try {
      return std::to_string(search()) + " " + unit + detail;
    } catch (const std::invalid_argument&) {
      return "more than 10 million " + unit;
    }
  };
  for (const auto& cell : calibration->cells) {
    std::string paired = "2 repetitions", runs = "2 runs a side";
    if (cell.within_run_floor >= o.change) paired = "below the within-run floor";
    else if (cell.sigma_pair > 0)
      paired = counted([&] { return stats::pairs_for_power(effect / cell.sigma_pair, o.power, alpha); }, "repetitions");
    if (cell.sigma_run > 0)
      runs = counted([&] { return stats::repetitions_for_power(effect / cell.sigma_run, o.power, alpha); }, "runs a side",
                     " of " + std::to_string(static_cast<int>(cell.repetitions)) + " reps");
    std::string single = cell.between_runs_floor >= o.change
                             ? "cannot: drift ±" + std::to_string(static_cast<int>(std::lround(cell.between_runs_floor * 100))) + "%"
                             : "can, when the change is real";
    std::cout << std::left << std::setw(26) << cell.scenario << std::setw(17) << cell.system << std::setw(34) << paired << std::setw(36)
              << runs << single << "\n";
  }
  return 0;
}

}  // namespace

Command plan_command() {
  auto o = std::make_shared<PlanOptions>();
  return {"plan", "How many repetitions and runs a comparison needs to find a given change",
          [o](CLI::App& cmd) { add_plan_options(cmd, *o); }, [o](const Invocation&) { return print_plan(*o); }};
}

}  // namespace legion::bench::commands
