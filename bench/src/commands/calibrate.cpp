#include <iostream>
#include <memory>

#include "command.hpp"
#include "exit_status.hpp"
#include "legion/report/calibration.hpp"
#include "options.hpp"
#include "run.hpp"
#include "store.hpp"

namespace legion::bench::commands {

Command calibrate_command() {
  auto runs = std::make_shared<int>(6);
  return {"calibrate", "Run one configuration several times, each system beside a twin of itself, and measure this machine's drift",
          [runs](CLI::App& cmd) {
            cmd.add_option("--runs", *runs, "Separate runs (at least 3)")->capture_default_str()->transform(integer_in(3, 1000));
            cmd.fallthrough();  // run options after `calibrate` belong to the runs
          },
          [runs](const Invocation& invocation) {
            const Twins twins{"calibration", [](const std::string& s) { return std::vector<std::string>{s, s + "@" + report::kTwinLabel}; }, {}};
            return run_suite(invocation, &twins, [runs](Plan& plan, const std::optional<report::Calibration>&) {
              const auto top = plan.out_dir;
              if (plan.store.empty()) plan.store = top / "results.sqlite";  // every run and the calibration in one store
              std::vector<report::RunResults> complete;
              for (int k = 1; k <= *runs && !interrupt_flag(); ++k) {
                plan.out_dir = top / ("run-" + std::to_string(k));
                std::cerr << "calibration run " << k << " of " << *runs << "\n";
                auto results = Runner(plan, std::cerr, !run_options().quiet).run();
                report::summarize_run(results);
                // Each run keeps its results.json and Markdown (for compare and for reading); the calibration is the result.
                report::write_artifacts(plan.out_dir, results, "json,md");
                if (!results.context.interrupted) complete.push_back(std::move(results));
              }
              if (interrupt_flag()) {
                std::cerr << "interrupted after " << complete.size() << " complete runs: no calibration written (the runs are in "
                          << top.string() << ")\n";
                return interrupted_status();
              }
              auto result = report::calibrate(complete);
              result.command = plan.command;
              Store(plan.store).save_calibration(report::to_json(result));
              const auto written = report::write_document(top, report::calibration_document(), result);
              std::cout << report::render(report::calibration_document(), "markdown", result) << "\n";
              report::print_artifacts(std::cout, std::cerr, written, top);
              if (!written.complete()) return kExitFailed;
              std::cout << "compare and plan read the calibration from there by default when run from this folder\n";
              return kExitOk;
            });
          },
          true};
}

}  // namespace legion::bench::commands
