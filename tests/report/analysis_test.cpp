#include "legion/report/analysis.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

#include <fstream>

namespace legion::report {
namespace {

std::filesystem::path write(const std::string& name, const std::string& text) {
  auto dir = legion::testing::scratch_dir();
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name) << text;
  return dir / name;
}

TEST(Analyze, JsonFollowsTheDocumentedShapeAndConventions) {
  std::vector<NamedSample> samples = {{"a", {12.1, 11.8, 12.6, 13.0, 12.2}},
                                      {"b", {13.4, 13.9, 12.9, 14.2, 13.6, 13.1}},
                                      {"c", {12.0, 12.5, 12.3, 11.9, 12.7}}};
  AnalysisOptions options;
  options.seed = 3;
  options.resamples = 2000;
  auto j = to_json(analyze(samples, options));
  ASSERT_EQ(j["samples"].size(), 3u);
  for (const char* key : {"name", "n", "mean", "median", "stddev", "min", "max", "mean_ci", "median_ci"})
    EXPECT_TRUE(j["samples"][0].contains(key)) << key;
  EXPECT_EQ(j["samples"][0]["mean_ci"].size(), 2u);
  ASSERT_EQ(j["comparisons"].size(), 2u);
  const auto& ab = j["comparisons"][0];
  EXPECT_EQ(ab["a"], "a");
  EXPECT_EQ(ab["b"], "b");
  // a's mean is smaller: Welch's statistic is negative, Cliff's delta and the shift too.
  EXPECT_LT(ab["welch_t"]["statistic"].get<double>(), 0);
  EXPECT_LT(ab["cliffs_delta"].get<double>(), 0);
  EXPECT_LT(ab["hodges_lehmann"]["estimate"].get<double>(), 0);
  EXPECT_LT(ab["ratio_of_means"]["estimate"].get<double>(), 1);
  // scipy.stats.mannwhitneyu(a, b): U = 1, exact p = 0.008658 (tests/data/stats_reference.json).
  EXPECT_EQ(ab["mann_whitney_u"]["statistic"], 1.0);
  EXPECT_NEAR(ab["mann_whitney_u"]["p_value"].get<double>(), 0.008658008658008658, 1e-12);
  // Holm over two comparisons doubles the smaller p.
  EXPECT_NEAR(ab["p_value_adjusted"].get<double>(), 2 * 0.008658008658008658, 1e-12);
  EXPECT_TRUE(ab["significant"].get<bool>());
  EXPECT_FALSE(j["comparisons"][1]["significant"].get<bool>());
}

TEST(Analyze, EquivalenceTellsNoDifferenceFromNoEvidence) {
  std::vector<NamedSample> samples = {{"a", {}}, {"same", {}}, {"few", {10.0, 10.4}}};
  for (int i = 0; i < 200; ++i) {
    samples[0].values.push_back(10.0 + 0.01 * (i % 7));
    samples[1].values.push_back(10.0 + 0.01 * ((i + 3) % 7));
  }
  AnalysisOptions options;
  options.margin = 0.1;
  options.resamples = 500;
  auto result = analyze(samples, options);
  ASSERT_TRUE(result.comparisons[0].equivalence.has_value());
  EXPECT_TRUE(result.comparisons[0].equivalence->equivalent);   // evidence of no difference
  EXPECT_FALSE(result.comparisons[1].equivalence->equivalent);  // two values: no evidence either way
  EXPECT_FALSE(result.comparisons[1].significant);
  options.correction = "bonferroni";
  EXPECT_THROW(analyze(samples, options), std::invalid_argument);
}

TEST(Analyze, ConstantAndTinySamplesGiveNotesNotNaN) {
  std::vector<NamedSample> samples = {{"flat", {5, 5, 5}}, {"flat2", {5, 5}}, {"one", {7}}};
  AnalysisOptions options;
  options.resamples = 500;
  auto j = to_json(analyze(samples, options));
  auto text = j.dump();
  EXPECT_EQ(text.find("NaN"), std::string::npos);
  EXPECT_EQ(text.find("nan"), std::string::npos);
  EXPECT_TRUE(j["comparisons"][0]["welch_t"].is_null());
  EXPECT_FALSE(j["comparisons"][0]["notes"].empty());
  EXPECT_TRUE(j["samples"][2]["mean_ci"].is_null());
  EXPECT_NE(j["samples"][2]["notes"][0].get<std::string>().find("at least 2 values"), std::string::npos);
  EXPECT_FALSE(j["comparisons"][1]["significant"].get<bool>());
}

TEST(Analyze, SampleFilesSkipCommentsAndNameBadLines) {
  auto good = read_sample_file(write("good.txt", "# header\n1.5\n\n  2.5  \n# more\n3\n"));
  EXPECT_EQ(good.values, (std::vector<double>{1.5, 2.5, 3}));
  EXPECT_EQ(good.name, "good.txt");
  try {
    read_sample_file(write("bad.txt", "1\n2\nthree\n"));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.txt:3: not a number: 'three'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_sample_file(write("empty.txt", "# nothing\n")), std::runtime_error);
}

TEST(Analyze, TrendOfARisingSeries) {
  NamedSample rising{"rss", {}};
  for (int i = 0; i < 50; ++i) rising.values.push_back(100 + 2.0 * i + (i % 3));
  auto j = trend_json(rising);
  EXPECT_NEAR(j["theil_sen"]["slope"].get<double>(), 2.0, 0.1);
  EXPECT_GT(j["kendall"]["tau"].get<double>(), 0.9);
  EXPECT_LT(j["kendall"]["p_value"].get<double>(), 1e-6);
  EXPECT_EQ(j["n"], 50);
}

}  // namespace
}  // namespace legion::report
