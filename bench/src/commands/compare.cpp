#include <memory>

#include "command.hpp"
#include "exit_status.hpp"
#include "options.hpp"
#include "run.hpp"
#include "store.hpp"
#include "verdict.hpp"

namespace legion::bench::commands {
namespace {

struct CompareOptions {
  std::vector<std::string> positional, old_runs, new_runs;
  VerdictOptions verdict;
};

// A run for `compare`: a run folder, a results.json, or a store entry written FILE.sqlite:RUN_ID.
report::RunResults load_run_argument(const std::string& argument) {
  auto at = argument.find(".sqlite:");
  if (at == std::string::npos) return report::load_run(argument);
  const auto file = argument.substr(0, at + 7), run_id = argument.substr(at + 8);
  Store store(file);
  report::RunResults results;
  bool found = false;
  for (const auto& context : store.runs())
    if (context.run_id == run_id) results.context = context, found = true;
  if (!found) throw std::invalid_argument("no run '" + run_id + "' in " + file);
  results.records = store.records(run_id);
  report::summarize_run(results);
  return results;
}

}  // namespace

Command compare_command() {
  auto o = std::make_shared<CompareOptions>();
  return {"compare", "Compare runs: OLD NEW (one run a side), --old R.. --new R.. (several), or RUN (two versions interleaved in it)",
          [o](CLI::App& cmd) {
            cmd.add_option("runs", o->positional,
                           "OLD NEW, or one run holding NAME@A and NAME@B: run folders, results.json files or store entries FILE.sqlite:RUN_ID")
                ->expected(0, 2);
            cmd.add_option("--old", o->old_runs, "Several baseline runs (the run is then the unit of the comparison)")->expected(1, -1);
            cmd.add_option("--new", o->new_runs, "Several runs to compare with them")->expected(1, -1);
            add_verdict_options(cmd, o->verdict);
            // The same setting as the run option: `legion-bench --calibration X compare ...` reads X too.
            cmd.add_option("--calibration", run_options().calibration_path, "Noise floors (see the run option of that name)");
          },
          [o](const Invocation&) {
            check_verdict_format(o->verdict);
            auto& comparing = o->verdict.comparing;
            comparing.calibration = find_calibration(run_options().calibration_path);
            report::RunComparison result;
            if (!o->old_runs.empty() || !o->new_runs.empty()) {
              if (!o->positional.empty()) throw std::invalid_argument("compare: give runs either as OLD NEW or with --old/--new");
              std::vector<report::RunResults> before, after;
              for (const auto& r : o->old_runs) before.push_back(load_run_argument(r));
              for (const auto& r : o->new_runs) after.push_back(load_run_argument(r));
              result = report::compare_runs(before, after, comparing);
            } else if (o->positional.size() == 2) {
              result = report::compare_runs(load_run_argument(o->positional[0]), load_run_argument(o->positional[1]), comparing);
            } else if (o->positional.size() == 1) {
              result = report::compare_interleaved(load_run_argument(o->positional[0]), comparing);
            } else {
              throw std::invalid_argument("compare needs runs: OLD NEW, --old ... --new ..., or one interleaved run");
            }
            print_comparison(o->verdict, result);
            return o->verdict.fail_on_regression && result.regression() ? 1 : 0;
          }};
}

}  // namespace legion::bench::commands
