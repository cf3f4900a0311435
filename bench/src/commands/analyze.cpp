#include <iostream>
#include <memory>

#include "command.hpp"
#include "legion/report/analysis.hpp"
#include "legion/report/escape.hpp"
#include "options.hpp"

namespace legion::bench::commands {
namespace {

struct AnalyzeOptions {
  std::vector<std::string> files;
  std::string trend_file;
  bool json = false;
  report::AnalysisOptions analysis;
};

void add_analyze_options(CLI::App& cmd, AnalyzeOptions& o) {
  auto& analysis = o.analysis;
  cmd.add_option("files", o.files, "Files with one number per line ('#' comments)");
  cmd.add_option("--trend", o.trend_file, "Theil-Sen slope and Mann-Kendall test of one file over time");
  cmd.add_flag("--json", o.json, "Print one JSON object");
  cmd.add_option("--alpha", analysis.alpha, "Significance level after Holm correction")->capture_default_str()->check(number_in(kAlpha));
  cmd.add_option("--level", analysis.level, "Confidence level of the intervals")
      ->capture_default_str()
      ->check(number_in({0.5, 0.999999}));
  cmd.add_option("--seed", analysis.seed, "Bootstrap seed")->capture_default_str()->transform(any_seed);
  cmd.add_option("--resamples", analysis.resamples, "Bootstrap resamples")->capture_default_str()->transform(integer_in(1, 1000000));
  cmd.add_option("--correction", analysis.correction, "Adjustment across comparisons: holm or bh")->capture_default_str();
  cmd.add_option_function<double>(
         "--margin", [&analysis](double m) { analysis.margin = m; }, "Equivalence margin (TOST), in the data's units")
      ->check(number_in({0, kUnbounded, true}));
}

int analyze(const AnalyzeOptions& o) {
  if (!o.trend_file.empty()) {
    auto trend = report::trend_json(report::read_sample_file(o.trend_file), o.analysis.level);
    if (o.json) {
      std::cout << trend.dump(2) << std::endl;
    } else {
      const auto& t = trend["theil_sen"];
      const auto& k = trend["kendall"];
      std::cout << report::printable(o.trend_file) << ": n = " << trend["n"] << ", Theil-Sen slope " << t["slope"].get<double>()
                << " per line [" << t["low"].get<double>() << ", " << t["high"].get<double>() << "], Mann-Kendall tau "
                << k["tau"].get<double>() << ", p = " << k["p_value"].get<double>() << std::endl;
    }
    return 0;
  }
  if (o.files.empty()) throw std::invalid_argument("analyze needs at least one file (or --trend FILE)");
  std::vector<report::NamedSample> samples;
  for (const auto& f : o.files) samples.push_back(report::read_sample_file(f));
  auto result = report::analyze(samples, o.analysis);
  if (o.json) std::cout << report::to_json(result).dump(2) << std::endl;
  else report::write_analysis_table(std::cout, result);
  return 0;
}

}  // namespace

Command analyze_command() {
  auto o = std::make_shared<AnalyzeOptions>();
  return {"analyze", "Statistics on files of numbers: each later file against the first",
          [o](CLI::App& cmd) { add_analyze_options(cmd, *o); }, [o](const Invocation&) { return analyze(*o); }};
}

}  // namespace legion::bench::commands
