#pragma once
// The verdict options that compare and ab share, and how they print a comparison.
#include <CLI/CLI.hpp>
#include <string>

#include "legion/report/compare.hpp"

namespace legion::bench::commands {

struct VerdictOptions {
  std::string format = "table";
  report::CompareOptions comparing;
  bool fail_on_regression = false;
};
void add_verdict_options(CLI::App& command, VerdictOptions& verdict);
// Refuses a --format other than table, markdown or json.
void check_verdict_format(const VerdictOptions& verdict);
void print_comparison(const VerdictOptions& verdict, const report::RunComparison& result);

}  // namespace legion::bench::commands
