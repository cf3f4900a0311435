#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "checks.hpp"
#include "command.hpp"
#include "exit_status.hpp"
#include "legion/report/published.hpp"
#include "legion/report/reporters.hpp"
#include "recovery.hpp"
#include "stress/suite.hpp"

namespace legion::bench::commands {
namespace {

struct ReportOptions {
  std::vector<std::string> dirs;
  std::string formats = "all", out;
};

void add_report_options(CLI::App& cmd, ReportOptions& o) {
  cmd.add_option("dir", o.dirs,
                 "Run folder(s) (holding results.json and results.sqlite); for a combined report also folders "
                 "written by zero-io (zero_io.json) or --suite published (published_comparison.json), shown under "
                 "Published numbers")
      ->required();
  cmd.add_option("--out", o.out, "Folder for the combined report of several runs (BENCHMARK_REPORT.md, report.html, report.pdf)");
  cmd.add_option("--format", o.formats,
                 "Which reports: a comma-separated list of formats (md, csv, json, html, pdf) or names of the run "
                 "document's renderings (see `legion-bench list`)")
      ->capture_default_str();
}

// One report across several runs, with the published-figure verdicts among the folders.
int combined_report(const ReportOptions& o) {
  if (o.out.empty()) throw std::invalid_argument("several run folders make one combined report: name its folder with --out");
  check_distinct_folders(o.dirs);  // a run given twice would count twice in every table and test
  if (int status = 0; stress::publish_stress_combined(o.dirs, o.out, status)) return status;
  std::vector<report::RunResults> runs;
  std::vector<report::PublishedComparison> published;
  std::map<std::string, std::string> folder_of_run;  // run id -> the folder given for it
  for (const auto& dir : o.dirs) {
    // A folder of published-figure verdicts (legion-bench zero-io, or --suite published), or a run's.
    auto verdicts = std::filesystem::path(dir) / "zero_io.json";
    if (!std::filesystem::exists(verdicts)) verdicts = std::filesystem::path(dir) / "published_comparison.json";
    if (std::filesystem::exists(verdicts) && !std::filesystem::exists(std::filesystem::path(dir) / "results.json")) {
      std::ifstream in(verdicts);
      try {
        const auto j = nlohmann::json::parse(in);
        published.push_back(report::published_comparison_from_json(j.contains("comparison") ? j.at("comparison") : j));
      } catch (const std::exception& e) {
        throw std::invalid_argument(verdicts.string() + ": " + e.what());
      }
      continue;
    }
    runs.push_back(results_to_publish(dir, std::cerr));
    // A copy of a run's folder holds the same run.
    const auto& run_id = runs.back().context.run_id;
    if (auto [at, added] = folder_of_run.emplace(run_id, dir); !added && !run_id.empty())
      throw UsageError("report: '" + at->second + "' and '" + dir + "' hold the same run (" + run_id + "); give each run once");
  }
  auto artifacts = report::write_combined_artifacts(o.out, runs, published, o.formats);
  std::cout << "Combined report of " << runs.size() << " run(s) and " << published.size() << " comparison(s) with published figures. ";
  report::print_artifacts(std::cout, std::cerr, artifacts, o.out);
  return artifacts.complete() ? kExitOk : kExitFailed;
}

int write_reports(const ReportOptions& o) {
  report::select_files(report::describe(report::run_document()), o.formats);  // an unknown format is refused before anything
  if (o.dirs.size() > 1 || !o.out.empty()) return combined_report(o);
  const auto& dir = o.dirs.front();
  if (!std::filesystem::exists(std::filesystem::path(dir) / "results.json")) {
    int status = 0;
    if (stress::publish_stress(dir, status)) return status;
  }
  auto results = results_to_publish(dir, std::cerr);
  auto artifacts = report::write_artifacts(dir, results, o.formats);
  report::write_terminal_table(std::cout, results);
  std::cout << "\n" << results.records.size() << " records" << (results.context.interrupted ? " (interrupted run)" : "") << ". ";
  report::print_artifacts(std::cout, std::cerr, artifacts, dir);
  return artifacts.complete() ? kExitOk : kExitFailed;
}

}  // namespace

Command report_command() {
  auto o = std::make_shared<ReportOptions>();
  return {"report",
          "Regenerate a run's reports from its results.json (or its store, when the run was killed), without running anything; "
          "with several run folders, one combined report across them (--out)",
          [o](CLI::App& cmd) { add_report_options(cmd, *o); }, [o](const Invocation&) { return write_reports(*o); }};
}

}  // namespace legion::bench::commands
