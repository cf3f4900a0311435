// The document registry: every document is listed with its files and has a golden file for each
// text rendering, and a new output format joins the run document from outside the library.
#include "legion/report/document.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "legion/report/reporters.hpp"
#include "legion/report/reproduce.hpp"
#include "test_support.hpp"

namespace legion::report {
namespace {

RunResults small_run() {
  RunResults r;
  r.context.run_id = "documents-test";
  r.context.systems = {"native"};
  r.context.scenarios = {"single-tool"};
  for (int rep = 0; rep < 3; ++rep) {
    RunRecord rec;
    rec.system = "native";
    rec.scenario = "single-tool";
    rec.repetition = rep;
    rec.wall_ns = 1'000'000 + 1000 * rep;
    rec.correct = true;
    r.records.push_back(rec);
  }
  summarize_run(r);
  return r;
}

// A golden file is named after its file, under DOCUMENT/ when an earlier document writes a file of
// that name (golden_test.cpp holds the tests that compare them).
TEST(Documents, EachHasRenderingsAndAGoldenFileForEveryTextRendering) {
  const auto all = documents();
  ASSERT_FALSE(all.empty());
  std::set<std::string> names;
  std::map<std::string, std::string> first_writer;  // file name -> document
  for (const auto& document : all) {
    EXPECT_TRUE(names.insert(document.name).second) << "two documents named " << document.name;
    EXPECT_FALSE(document.description.empty()) << document.name;
    const auto text = std::count_if(document.files.begin(), document.files.end(), [](const auto& f) { return f.format != "pdf"; });
    EXPECT_GE(text, 1) << document.name << " has no rendering";
    std::set<std::string> files;
    for (const auto& f : document.files) {
      EXPECT_TRUE(files.insert(f.file_name).second) << document.name << " writes " << f.file_name << " twice";
      if (f.format == "pdf") continue;  // its HTML rendering printed: covered by the HTML's golden file
      const auto writer = first_writer.emplace(f.file_name, document.name).first->second;
      const auto golden = std::filesystem::path(LEGION_TEST_DATA) / "golden" /
                          (writer == document.name ? f.file_name : document.name + "/" + f.file_name);
      EXPECT_TRUE(std::filesystem::is_regular_file(golden))
          << "document " << document.name << ": no golden file " << golden.string() << " for " << f.file_name;
    }
  }
}

TEST(Documents, ListTheRunsFilesInTheOrderARunWritesThem) {
  const auto all = documents();
  ASSERT_EQ(all.front().name, "run");
  std::vector<std::string> files;
  for (const auto& f : all.front().files) files.push_back(f.file_name);
  EXPECT_EQ(files, (std::vector<std::string>{"results.json", "BENCHMARK_RESULTS.md", "results.csv", "summaries.csv",
                                             "real_model.csv", "traces.jsonl", "FEATURE_MATRIX.md", "report.html", "report.pdf"}));
}

// While it lives, the run document has one more format: tab-separated records.
class TsvFormat {
 public:
  TsvFormat() {
    run_document().renderings.push_back({"tsv", "tsv", "results.tsv", "one tab-separated row per record",
                                         [](std::ostream& out, const RunResults& results) {
                                           out << "system\tscenario\twall_ns\n";
                                           for (const auto& r : results.records) out << r.system << "\t" << r.scenario << "\t" << r.wall_ns << "\n";
                                         }});
  }
  ~TsvFormat() {
    auto& renderings = run_document().renderings;
    renderings.erase(std::remove_if(renderings.begin(), renderings.end(), [](const auto& r) { return r.name == "tsv"; }), renderings.end());
  }
};

TEST(RunDocument, AFormatRegisteredFromOutsideIsListedSelectedAndWritten) {
  const auto dir = legion::testing::scratch_dir();
  {
    const TsvFormat tsv;
    const auto run = documents().front();
    EXPECT_TRUE(std::any_of(run.files.begin(), run.files.end(), [](const auto& f) { return f.file_name == "results.tsv"; }));
    // By its format or its name, as `legion-bench report --format` selects, and alone.
    for (const std::string formats : {"tsv", "TSV", "csv,tsv"}) {
      std::filesystem::remove_all(dir);
      const auto artifacts = write_artifacts(dir, small_run(), formats);
      EXPECT_TRUE(artifacts.complete()) << formats;
      EXPECT_NE(std::find(artifacts.written.begin(), artifacts.written.end(), "results.tsv"), artifacts.written.end()) << formats;
      EXPECT_FALSE(std::filesystem::exists(dir / "results.json")) << formats;
    }
    std::ifstream in(dir / "results.tsv");
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), "system\tscenario\twall_ns\nnative\tsingle-tool\t1000000\nnative\tsingle-tool\t1001000\nnative\tsingle-tool\t1002000\n");
    // Every format, the new one among them.
    std::filesystem::remove_all(dir);
    const auto artifacts = write_artifacts(dir, small_run(), "csv,json,tsv");
    EXPECT_EQ(artifacts.written, (std::vector<std::string>{"results.json", "results.csv", "summaries.csv", "real_model.csv", "results.tsv"}));
  }
  // Gone with its registration: an unknown format again.
  EXPECT_THROW(write_artifacts(dir, small_run(), "tsv"), std::invalid_argument);
}

TEST(CombinedDocument, WritesOnlyItsOwnFormatsAmongThoseSelected) {
  const auto dir = legion::testing::scratch_dir();
  EXPECT_TRUE(write_combined_artifacts(dir, {small_run()}, {}, "csv").written.empty());
  EXPECT_EQ(write_combined_artifacts(dir, {small_run()}, {}, "json,markdown").written, std::vector<std::string>{"BENCHMARK_REPORT.md"});
  EXPECT_THROW(write_combined_artifacts(dir, {small_run()}, {}, "docx"), std::invalid_argument);
}

TEST(PublishedComparisonDocument, ShowsTheStartUpOfEachSystemWhenTheSuiteRan) {
  PublishedReport report;
  report.comparison.title = "Published figures";
  report.comparison.command = "legion-bench --suite published";
  const auto without = render(published_comparison_document(), "markdown", report);
  EXPECT_EQ(without.find("Start-up of each system"), std::string::npos);
  auto run = small_run();
  run.context.cold_start_ns = {{"native", 8'000'000}, {"other", 950'000'000}};
  run.context.cold_start_parts = {{"other", {{"import", 800'000'000}}}};
  report.startup = startup_table({&run, &run});
  const auto with = render(published_comparison_document(), "markdown", report);
  EXPECT_NE(with.find("one sample per run of the suite (2 runs)"), std::string::npos) << with;
  EXPECT_NE(with.find("| native | 8.00 [8.00, 8.00] | — | 2 |\n"), std::string::npos) << with;
  EXPECT_NE(with.find("| other | 950 [950, 950] | 800 | 2 |\n"), std::string::npos) << with;
}

}  // namespace
}  // namespace legion::report
