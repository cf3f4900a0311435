#pragma once
// `legion-bench analyze`: summaries of samples and comparisons of each against the first, built
// from the statistics module, as JSON and as a ministat/benchstat-style table.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "legion/report/pairwise.hpp"
#include "legion/stats/compare.hpp"
#include "legion/stats/intervals.hpp"
#include "legion/stats/trend.hpp"

namespace legion::report {

struct NamedSample {
  std::string name;
  std::vector<double> values;
};

// One number per line; blank lines and lines starting with '#' are skipped. Errors name file:line.
NamedSample read_sample_file(const std::filesystem::path& file);

struct AnalysisOptions : StatisticsOptions {
  std::optional<double> margin;     // TOST equivalence margin, in the data's units
};

struct SampleSummary {
  std::string name;
  std::size_t n = 0;
  double mean = 0, median = 0, stddev = 0, min = 0, max = 0;
  std::optional<stats::Estimate> mean_ci, median_ci;  // t interval; BCa bootstrap
  std::size_t mild_outliers = 0, severe_outliers = 0;
  std::vector<std::string> notes;  // why something could not be computed
};

struct Comparison {
  std::string a, b;
  std::optional<stats::TTest> welch;
  std::optional<stats::MannWhitney> mann_whitney;
  double cliffs_delta = 0, vargha_delaney_a = 0;
  std::optional<stats::Estimate> hodges_lehmann, ratio_of_means;
  double p_value_adjusted = 1;  // Holm (or BH) over the Mann–Whitney p values of the table
  bool significant = false;
  std::optional<stats::Equivalence> equivalence;  // with a margin: "evidence of no difference"
  std::vector<std::string> notes;
};

struct Analysis {
  AnalysisOptions options;
  std::vector<SampleSummary> samples;
  std::vector<Comparison> comparisons;  // every later sample against the first
};

Analysis analyze(const std::vector<NamedSample>& samples, const AnalysisOptions& options = {});
nlohmann::json to_json(const Analysis& analysis);
void write_analysis_table(std::ostream& out, const Analysis& analysis);

// `--trend`: Theil–Sen slope and Mann–Kendall test with time = 0, 1, 2, … by line.
nlohmann::json trend_json(const NamedSample& sample, double level = 0.95);

}  // namespace legion::report
