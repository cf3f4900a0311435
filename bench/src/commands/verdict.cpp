#include "verdict.hpp"

#include <iostream>

#include "options.hpp"

namespace legion::bench::commands {

void add_verdict_options(CLI::App& command, VerdictOptions& verdict) {
  command.add_option("--format", verdict.format, "table, markdown or json")->capture_default_str();
  command.add_option("--metric", verdict.comparing.metric, "wall, overhead or cpu")->capture_default_str();
  command.add_option("--alpha", verdict.comparing.alpha, "Significance level after Holm's correction")->capture_default_str()->check(number_in(kAlpha));
  command.add_option("--threshold", verdict.comparing.threshold, "Smallest relative change to call, e.g. 0.05")
      ->capture_default_str()
      ->check(number_in({0, 10}));
  command.add_option_function<double>("--margin", [&verdict](double m) { verdict.comparing.margin = m; }, "Relative equivalence margin, e.g. 0.05")
      ->check(number_in({0, 1, true, true}));
  command.add_flag("--fail-on-regression", verdict.fail_on_regression, "Exit with status 1 when a cell got slower");
}

void check_verdict_format(const VerdictOptions& verdict) {
  if (verdict.format != "json" && verdict.format != "markdown" && verdict.format != "table")
    throw std::invalid_argument("unknown --format '" + verdict.format + "' (expected table, markdown or json)");
}

void print_comparison(const VerdictOptions& verdict, const report::RunComparison& result) {
  if (verdict.format == "json") std::cout << report::to_json(result).dump(2) << std::endl;
  else if (verdict.format == "markdown") report::write_comparison_markdown(std::cout, result);
  else report::write_comparison_table(std::cout, result);
}

}  // namespace legion::bench::commands
