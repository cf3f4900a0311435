#include <iostream>
#include <memory>
#include <sstream>

#include "command.hpp"
#include "exit_status.hpp"
#include "legion/report/reporters.hpp"
#include "run.hpp"
#include "verdict.hpp"

namespace legion::bench::commands {
namespace {

struct AbOptions {
  std::string old_build, new_build;
  VerdictOptions verdict;
};

}  // namespace

Command ab_command() {
  auto o = std::make_shared<AbOptions>();
  return {"ab", "Run two builds interleaved repetition by repetition in one run and compare them (the way to check a change)",
          [o](CLI::App& cmd) {
            cmd.add_option("old", o->old_build, "The baseline build folder (or installed prefix, or legion-bench executable)")->required();
            cmd.add_option("new", o->new_build, "The build to compare with it")->required();
            add_verdict_options(cmd, o->verdict);
            cmd.fallthrough();  // run options (--systems, -n, --scenario, ...) after `ab` belong to the run
          },
          [o](const Invocation& invocation) {
            check_verdict_format(o->verdict);
            const Twins twins{"ab", [](const std::string& s) { return std::vector<std::string>{s + "@old", s + "@new"}; },
                              {"old=" + o->old_build, "new=" + o->new_build}};
            return run_suite(invocation, &twins, [o](Plan& plan, const std::optional<report::Calibration>& calibration) {
              const auto [results, artifacts] = measure_and_publish(plan);
              if (results.context.interrupted) return interrupted_status();
              auto& comparing = o->verdict.comparing;
              comparing.calibration = calibration;
              auto result = report::compare_interleaved(results, comparing);
              report::write_file_atomically(plan.out_dir / "comparison.json", report::to_json(result).dump(2) + "\n");
              std::ostringstream md;
              report::write_comparison_markdown(md, result);
              report::write_file_atomically(plan.out_dir / "COMPARISON.md", md.str());
              std::cout << "\n";
              print_comparison(o->verdict, result);
              if (o->verdict.fail_on_regression && result.regression()) return 1;
              return run_exit_status(results, artifacts);
            });
          }};
}

}  // namespace legion::bench::commands
