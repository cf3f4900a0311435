// Cell statistics declared once (legion/report/statistics.hpp): a statistic registered from test
// code alone shows in summaries.csv, results.json and the Markdown result table; every format reads
// the analysis in RunResults instead of computing; report.html is built from the shared sections,
// not from the Markdown.
#include "legion/report/statistics.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "legion/report/reporters.hpp"
#include "legion/stats/descriptive.hpp"

namespace legion::report {
namespace {

RunResults two_systems() {
  RunResults r;
  r.context.suite = "coordination";
  r.context.run_id = "statistics-run";
  r.context.systems = {"native", "other"};
  for (const char* system : {"native", "other"})
    for (int rep = 0; rep < 10; ++rep) {
      RunRecord rec;
      rec.system = system;
      rec.scenario = "single-tool";
      rec.repetition = rep;
      rec.wall_ns = (rep + 1) * 1'000'000 * (std::string(system) == "native" ? 1 : 3);
      rec.llm_calls = 2;
      rec.correct = true;
      r.records.push_back(rec);
    }
  summarize_run(r);
  return r;
}

// Registers a statistic for one test and removes it after, so that other tests see the built-in ones.
struct Registered {
  explicit Registered(CellStatistic s) : name(s.name) { register_cell_statistic(std::move(s)); }
  ~Registered() { unregister_cell_statistic(name); }
  std::string name;
};

TEST(CellStatistics, ARegisteredStatisticShowsInSummariesCsvResultsJsonAndTheMarkdownTable) {
  const Registered p90({"wall_p90", "ms", "90th percentile of wall time per task", {},
                        [](const std::vector<const RunRecord*>& records) -> StatisticValue {
                          std::vector<double> wall;
                          for (const auto* r : records)
                            if (!r->error) wall.push_back(static_cast<double>(r->wall_ns) / 1e6);
                          if (wall.empty()) return {};
                          return stats::quantile(wall, 0.9);
                        },
                        true, {""}, {{"wall", "p90 (ms)"}}});
  const auto run = two_systems();  // analysed with the statistic registered
  // 1..10 ms and 3..30 ms: type-7 p90 is 9.1 and 27.3.
  std::ostringstream csv;
  write_summaries_csv(csv, run);
  std::istringstream lines(csv.str());
  std::string header, native, other;
  std::getline(lines, header), std::getline(lines, native), std::getline(lines, other);
  EXPECT_TRUE(header.ends_with(",rss_peak_mb,wall_p90_ms")) << header;
  EXPECT_TRUE(native.ends_with(",9.1")) << native;
  EXPECT_TRUE(other.ends_with(",27.3")) << other;

  const auto json = results_json(run);
  ASSERT_EQ(json["summaries"].size(), 2u);
  EXPECT_NEAR(json["summaries"][0]["wall_p90_ms"].get<double>(), 9.1, 1e-9);
  EXPECT_NEAR(json["summaries"][1]["wall_p90_ms"].get<double>(), 27.3, 1e-9);

  std::ostringstream md;
  write_markdown(md, run);
  EXPECT_NE(md.str().find("| scenario | system | n | correct | median [95% CI] | min | max | p90 (ms) |\n|---|---|---:|---|---:|---:|---:|---:|"),
            std::string::npos)
      << md.str();
  EXPECT_NE(md.str().find("| 1.00 | 10.0 | 9.10 |"), std::string::npos) << md.str();
  EXPECT_NE(md.str().find("| 3.00 | 30.0 | 27.3 |"), std::string::npos) << md.str();
}

TEST(CellStatistics, UnregisteredItLeavesEveryFormat) {
  { const Registered gone({"wall_p90", "ms", "", {}, [](const auto&) { return StatisticValue(1.0); }, true, {""}, {{"wall", "p90 (ms)"}}}); }
  const auto run = two_systems();
  std::ostringstream csv, md;
  write_summaries_csv(csv, run);
  write_markdown(md, run);
  EXPECT_EQ(csv.str().find("wall_p90"), std::string::npos);
  EXPECT_FALSE(results_json(run)["summaries"][0].contains("wall_p90_ms"));
  EXPECT_EQ(md.str().find("p90 (ms)"), std::string::npos);
}

TEST(CellStatistics, ANameIsDeclaredOnceAndEveryStatisticSaysHowItIsHad) {
  EXPECT_THROW(register_cell_statistic({"wall", "ms", "again", [](const CellSummary&) { return StatisticValue(); }}), std::invalid_argument);
  EXPECT_THROW(register_cell_statistic({"nothing", "", "neither reads nor computes"}), std::invalid_argument);
  // The built-in ones stay whatever is unregistered.
  const auto before = cell_statistics().size();
  unregister_cell_statistic("wall");
  EXPECT_EQ(cell_statistics().size(), before);
}

// summaries.csv's header and results.json's summary keys are the declarations, nothing listed by hand.
TEST(CellStatistics, TheCsvHeaderAndTheJsonKeysAreTheDeclarations) {
  const auto run = two_systems();
  std::string expected = "cell,scenario,params,swept,concurrency,system";  // the cell's identity fields
  for (const auto& s : cell_statistics())
    for (const auto& part : s.csv) expected += "," + s.csv_column(part);
  std::ostringstream csv;
  write_summaries_csv(csv, run);
  EXPECT_EQ(csv.str().substr(0, csv.str().find('\n')), expected);
  const auto summary = results_json(run)["summaries"][0];
  std::size_t keys = cell_identity_fields().size();
  for (const auto& s : cell_statistics())
    if (s.json) {
      EXPECT_TRUE(summary.contains(s.key())) << s.key();
      ++keys;
    }
  EXPECT_EQ(summary.size(), keys);
}

// The formats read what the analysis put in RunResults; none computes its own.
TEST(Analysis, EveryFormatReadsTheRunsAnalysis) {
  auto run = two_systems();
  ASSERT_FALSE(run.findings.empty());
  EXPECT_TRUE(run.sweeps.empty());
  EXPECT_TRUE(run.concurrency.empty());
  run.findings.front().text = "a finding the analysis made";
  ConcurrencyLevel level;
  level.scenario = "single-tool", level.system = "native", level.level = 4, level.batches = 3, level.tasks = 12, level.tasks_per_s = 42;
  run.concurrency.push_back(level);
  std::ostringstream md, combined, html;
  write_markdown(md, run);
  write_combined_markdown(combined, {&run});
  write_html(html, run);
  EXPECT_NE(md.str().find("| single-tool | native | 4 | 3 | 0 | 42.0 |"), std::string::npos) << md.str();
  EXPECT_EQ(results_json(run)["concurrency"][0]["tasks_per_s"], 42);
  EXPECT_NE(combined.str().find("a finding the analysis made"), std::string::npos);
  EXPECT_NE(html.str().find("a finding the analysis made"), std::string::npos);
  EXPECT_NE(html.str().find("<td> 42.0 </td>"), std::string::npos);
}

// report.html is built from the sections the Markdown shares, not by reading the Markdown back:
// text from outside reaches the page as it is, emphasis and code marks included.
TEST(Html, TheSharedSectionsShowOutsideTextAsItIs) {
  auto run = two_systems();
  RunRecord failed = run.records.front();
  failed.error = "timed out *after* `30 s` ## Versions";
  run.records.push_back(failed);
  summarize_run(run);
  std::ostringstream html;
  write_html(html, run);
  EXPECT_NE(html.str().find("<p class=\"note\">• single-tool / native: timed out *after* `30 s` ## Versions</p>"), std::string::npos)
      << html.str();
}

}  // namespace
}  // namespace legion::report
