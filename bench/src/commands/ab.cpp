#include <iostream>
#include <memory>

#include "command.hpp"
#include "exit_status.hpp"
#include "legion/report/compare.hpp"
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
              const auto written = report::write_document(plan.out_dir, report::comparison_document(), result);
              std::cout << "\n";
              print_comparison(o->verdict, result);
              report::print_artifacts(std::cout, std::cerr, written, plan.out_dir);
              if (o->verdict.fail_on_regression && result.regression()) return 1;
              if (!written.complete()) return kExitFailed;
              return run_exit_status(results, artifacts);
            });
          },
          true};
}

}  // namespace legion::bench::commands
