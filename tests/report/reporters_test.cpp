#include "legion/report/reporters.hpp"

#include <sys/wait.h>
#include <unistd.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace legion::report {
namespace {

RunRecord record(std::string scenario, int rep, std::int64_t wall_us, bool correct, std::optional<std::string> error = {}) {
  RunRecord r;
  r.system = "native";
  r.scenario = std::move(scenario);
  r.repetition = rep;
  r.wall_ns = wall_us * 1000;
  r.oracle_ns = wall_us * 100;
  r.llm_calls = 2;
  r.prompt_tokens = 100;
  r.correct = correct;
  r.error = std::move(error);
  return r;
}

RunResults sample() {
  RunResults r;
  r.context.suite = "coordination";
  r.context.run_id = "test-run";
  r.context.command = "legion-bench --quick";
  r.context.versions["legion-bench"] = "0.1.0";
  r.records = {record("single-tool", 0, 1000, true), record("single-tool", 1, 3000, true),
               record("single-tool", 2, 2000, false),
               record("<script>alert(1)</script>|x", 0, 500, false, "timeout: no answer"),
               record("single-tool", 0, 99999, true)};
  r.records.back().warmup = true;
  r.summaries = summarize(r.records);
  return r;
}

TEST(Summary, ExcludesWarmupsAndKeepsFailures) {
  auto s = sample().summaries;
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].runs, 3u);
  EXPECT_EQ(s[0].correct, 2u);
  EXPECT_DOUBLE_EQ(s[0].wall_ms.median, 2.0);
  EXPECT_DOUBLE_EQ(s[0].wall_ms.max, 3.0);
  EXPECT_DOUBLE_EQ(s[0].overhead_ms.median, 1.8);
  EXPECT_DOUBLE_EQ(s[0].overhead_per_call_us, 900.0);
  EXPECT_EQ(s[1].errors, 1u);
  EXPECT_EQ(s[1].error_messages, std::vector<std::string>{"timeout: no answer"});
}

TEST(Markdown, TablesEscapeWhatCameFromOutside) {
  std::ostringstream out;
  write_markdown(out, sample());
  auto md = out.str();
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_NE(md.find("&lt;script&gt;alert(1)&lt;/script&gt;\\|x"), std::string::npos);
  EXPECT_NE(md.find("| single-tool | native | 3 | 2/3 | 2.00 [1.00, 3.00] | 1.00 | 3.00 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| single-tool | native | baseline | — | — |"), std::string::npos) << md;
  EXPECT_NE(md.find("Only `native` ran"), std::string::npos) << md;
  EXPECT_NE(md.find("## Threats to validity"), std::string::npos);
  EXPECT_NE(md.find("legion-bench --quick"), std::string::npos);
  EXPECT_NE(md.find("timeout: no answer"), std::string::npos);
}

TEST(Markdown, RatiosToTheBaselineAndTheSuiteSummary) {
  RunResults r;
  r.context.suite = "coordination";
  r.context.seed = 3;
  for (const char* scenario : {"one", "two"})
    for (int i = 0; i < 8; ++i) {
      auto base = record(scenario, i, 1000 + 10 * i, true);
      auto slow = record(scenario, i, 2000 + 20 * i, true);
      slow.system = "slowsys";
      r.records.push_back(base);
      r.records.push_back(slow);
    }
  summarize_run(r);
  ASSERT_EQ(r.suite.size(), 1u);
  EXPECT_NEAR(r.suite[0].geometric_mean.point, 2.0, 0.05);
  const auto& cell = r.summaries[1];
  ASSERT_EQ(cell.system, "slowsys");
  EXPECT_NEAR(cell.ratio_to_baseline->point, 2.0, 0.05);
  EXPECT_LT(*cell.p_adjusted, 0.01);
  EXPECT_EQ(*cell.cliffs_delta, 1.0);
  std::ostringstream out;
  write_markdown(out, r);
  auto md = out.str();
  EXPECT_NE(md.find("`slowsys` took 2.00× the wall time of `native`"), std::string::npos) << md;
  EXPECT_NE(md.find("significantly slower on 2, faster on 0, no significant difference on 0"), std::string::npos) << md;
  EXPECT_NE(md.find("## Suite-wide"), std::string::npos);
}

// Tasks with a knowledge base get a table of their own: ingestion and retrieval apart from the rest
// of the wall time, and the embeddings the model server counted; runs without one do not.
TEST(Markdown, KnowledgeBaseTasksGetTheirOwnTable) {
  RunResults r = sample();
  std::ostringstream without;
  write_markdown(without, r);
  EXPECT_EQ(without.str().find("Knowledge base"), std::string::npos);
  for (int i = 0; i < 3; ++i) {
    auto k = record("memory-retrieval", i, 10000, true);
    k.ingest_ns = (6 + i) * 1'000'000;  // 6, 7, 8 ms
    k.retrieval_ns = 1'000'000;
    k.embedding_calls = 2;
    k.embedding_tokens = 1234;
    r.records.push_back(k);
  }
  r.summaries = summarize(r.records);
  ASSERT_TRUE(r.summaries.back().ingest_ms);
  EXPECT_DOUBLE_EQ(*r.summaries.back().ingest_ms, 7.0);
  std::ostringstream out;
  write_markdown(out, r);
  EXPECT_NE(out.str().find("| memory-retrieval | native | 7.00 | 1.00 | 2.00 | 2.00 | 1234 |"), std::string::npos) << out.str();
}

TEST(ResultsJson, HasTheDocumentedKeysAndRoundTrips) {
  auto results = sample();
  auto j = results_json(results);
  for (const char* key : {"start_time", "host", "cpu_model", "cores", "build_type", "git_revision", "versions", "seed",
                          "latency_profile", "schema_version"})
    EXPECT_TRUE(j["run"].contains(key)) << key;
  for (const char* key : {"system", "scenario", "repetition", "wall_ns", "cpu_user_ns", "cpu_sys_ns", "rss_peak_bytes",
                          "llm_calls", "prompt_tokens", "completion_tokens", "oracle_ns", "correct", "error"})
    EXPECT_TRUE(j["records"][0].contains(key)) << key;
  EXPECT_TRUE(j["records"][0]["error"].is_null());
  EXPECT_EQ(j["records"][3]["error"], "timeout: no answer");

  auto dir = legion::testing::scratch_dir();
  std::filesystem::remove_all(dir);
  write_artifacts(dir, results);
  EXPECT_TRUE(std::filesystem::exists(dir / "BENCHMARK_RESULTS.md"));
  auto back = read_results_json(dir / "results.json");
  ASSERT_EQ(back.records.size(), results.records.size());
  EXPECT_EQ(back.records[2].wall_ns, results.records[2].wall_ns);
  EXPECT_EQ(back.records[4].warmup, true);
  EXPECT_EQ(back.context.run_id, "test-run");
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << "temporary file left behind";
}

TEST(Csv, OneRowPerRecordWithQuotingAndOnePerSummary) {
  auto results = sample();
  results.records[3].error = "said \"no\", twice";
  results.records[1].reported_prompt_tokens = 97;  // a system's own count, when it keeps one
  results.records[1].reported_completion_tokens = 0;
  std::ostringstream records, summaries;
  write_records_csv(records, results);
  write_summaries_csv(summaries, results);
  auto text = records.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + static_cast<long>(results.records.size()));
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "system,scenario,params,swept,cell,repetition,warmup,tasks,wall_ns,cpu_user_ns,cpu_sys_ns,rss_peak_bytes,llm_calls,prompt_tokens,"
            "completion_tokens,request_bytes,oracle_ns,model_busy_ns,overhead_ns,reported_llm_calls,reported_prompt_tokens,reported_completion_tokens,"
            "human_wait_ns,ingest_ns,retrieval_ns,embedding_calls,embedding_tokens,correct,unsupported,error,cached_prompt_tokens,sampling_seed,"
            "failure");
  // Records without the model's busy time (from before it was kept): an empty cell, and overhead from the sum.
  EXPECT_NE(text.find("native,single-tool,{},,single-tool,0,false,1,1000000,0,0,0,2,100,0,0,100000,,900000,0,,,,,,,,true,false,,,,\n"), std::string::npos) << text;
  EXPECT_NE(text.find("native,single-tool,{},,single-tool,1,false,1,3000000,0,0,0,2,100,0,0,300000,,2700000,0,97,0,,,,,,true,false,,,,\n"), std::string::npos) << text;
  EXPECT_NE(text.find(",false,false,\"said \"\"no\"\", twice\",,,\n"), std::string::npos) << text;  // RFC 4180 quoting
  auto s = summaries.str();
  EXPECT_NE(s.find("single-tool,single-tool,{},,1,native,3,2,0,2,1,3,1.8,0.9,2.7,900,450,1350,,,,2,100,0,0\n"), std::string::npos) << s;
}

TEST(Markdown, ALineBreakInANameCannotEndTheHeading) {
  auto results = sample();
  for (auto& r : results.records)
    if (r.scenario == "single-tool") r.scenario = "evil\r# Injected\nheading";
  results.summaries = summarize(results.records);
  std::ostringstream out;
  write_markdown(out, results);
  EXPECT_NE(out.str().find("| evil # Injected heading | native |"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find('\r'), std::string::npos);
}

TEST(Markdown, TheReproduceCommandStaysInsideItsCodeBlock) {
  auto results = sample();
  results.context.command = "legion-bench --out 'x\n```\n<img src=x onerror=alert(1)>\n````'";
  std::ostringstream out;
  write_markdown(out, results);
  EXPECT_NE(out.str().find("Reproduce:\n\n`````\nlegion-bench --out 'x\n```\n<img"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("````'\n`````\n"), std::string::npos);
}

TEST(Csv, ACellThatASpreadsheetWouldEvaluateIsNeutralised) {
  auto results = sample();
  results.records[0].scenario = "=1+2";
  results.records[0].error = "@SUM(1)";
  std::ostringstream records;
  write_records_csv(records, results);
  EXPECT_NE(records.str().find("native,\"'=1+2\",{},,\"'=1+2\",0,"), std::string::npos) << records.str();
  EXPECT_NE(records.str().find(",\"'@SUM(1)\",,,\n"), std::string::npos) << records.str();
}

// Bytes that would act on a terminal showing the file (`cat results.csv`): C0 controls other than
// tab and line feed, DEL, and the C1 controls as UTF-8.
std::string first_control(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool c1 = c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xA0;
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F || c1)
      return "byte " + std::to_string(c) + " at " + std::to_string(i) + ": " + text.substr(i < 40 ? 0 : i - 40, 80);
  }
  return {};
}

TEST(EveryFormat, OutsideTextCannotControlATerminalOrMakeALink) {
  auto results = sample();
  const std::string hostile = "evil\x1b]0;owned\x07 [click](http://evil.example) \xc2\x9b" "31m\x7f\xff|x";
  for (auto& rec : results.records)
    if (rec.scenario != "single-tool") rec.scenario = hostile, rec.error = "boom\x1b[2J\r\x1b]8;;http://evil.example\x07";
  results.context.host = "host\x1b[31m";
  results.summaries = summarize(results.records);
  std::ostringstream records, summaries, md, combined, html, terminal;
  write_records_csv(records, results);
  write_summaries_csv(summaries, results);
  write_markdown(md, results);
  write_combined_markdown(combined, {&results});
  write_html(html, results);
  write_terminal_table(terminal, results);
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"results.csv", records.str()}, {"summaries.csv", summaries.str()}, {"BENCHMARK_RESULTS.md", md.str()},
           {"BENCHMARK_REPORT.md", combined.str()}, {"report.html", html.str()}, {"terminal", terminal.str()},
           {"results.json", json_text(results_json(results), 2)}})
    EXPECT_EQ(first_control(text), "") << name;
  EXPECT_NE(records.str().find("evil\xEF\xBF\xBD]0;owned\xEF\xBF\xBD [click](http://evil.example) \xEF\xBF\xBD"), std::string::npos)
      << records.str();
  EXPECT_NE(terminal.str().find("evil\\x1B]0;owned\\x07 [click](http://evil.example) \\xC2\\x9B31m\\x7F\\xFF|x"), std::string::npos)
      << terminal.str();
  for (const auto& text : {md.str(), combined.str()}) {
    EXPECT_NE(text.find("\\[click\\](http://evil.example)"), std::string::npos) << text;
    EXPECT_EQ(text.find(" [click]"), std::string::npos) << text;
  }
  EXPECT_EQ(html.str().find("<a href=\"http://evil"), std::string::npos);
  EXPECT_NE(json_text(results_json(results)).find("evil\\u001b]0;owned\\u0007 [click](http://evil.example) \\u009b31m\\u007f"),
            std::string::npos);
}

TEST(WriteFileAtomically, AFailedWriteSaysWhyAndLeavesNoTemporaryFile) {
  auto dir = legion::testing::scratch_dir();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "report.html") << "the previous report";
  try {
    legion::testing::FileSizeLimit limit(100);
    write_file_atomically(dir / "report.html", std::string(10000, 'x'));
    FAIL() << "the write should fail beyond the file-size limit";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write " + (dir / "report.html").string() + ": writing report.html.tmp"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find(std::strerror(EFBIG)), std::string::npos) << e.what();
  }
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) left.push_back(entry.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"report.html"});
  std::ifstream in(dir / "report.html");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "the previous report");
}

// A writer killed outright leaves its temporary behind; the next write of that file removes it,
// and leaves alone the temporaries of processes still running and files that only look alike.
TEST(WriteFileAtomically, TemporariesOfWritersThatAreGoneAreRemoved) {
  auto dir = legion::testing::scratch_dir();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);  // reaped: its pid names no process now
  const auto stale = "report.html.tmp" + std::to_string(gone);
  const auto live = "report.html.tmp" + std::to_string(::getppid());
  for (const auto& name : {stale, live, std::string("report.html.tmpnotes"), std::string("other.html.tmp") + std::to_string(gone)})
    std::ofstream(dir / name) << "half";
  write_file_atomically(dir / "report.html", "whole");
  std::set<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) left.insert(entry.path().filename().string());
  EXPECT_EQ(left, (std::set<std::string>{"report.html", live, "report.html.tmpnotes", "other.html.tmp" + std::to_string(gone)}));
}

// A stand-in for Chromium that writes `pdf` where it was asked to print and exits with `status`:
// what Chromium does when the disk fills up under it is to exit 0 with a truncated file.
std::filesystem::path fake_chromium(const std::filesystem::path& dir, const std::string& pdf, int status) {
  static int made = 0;
  const auto name = "chromium-" + std::to_string(++made);
  std::ofstream(dir / (name + ".pdf"), std::ios::binary) << pdf;
  std::ofstream(dir / name) << "#!/bin/sh\nfor a; do case \"$a\" in --print-to-pdf=*) cat '" << (dir / (name + ".pdf")).string()
                            << "' > \"${a#--print-to-pdf=}\";; esac; done\nexit " << status << "\n";
  std::filesystem::permissions(dir / name, std::filesystem::perms::owner_all);
  return dir / name;
}

std::vector<std::string> files_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(Pdf, OnlyAWholePdfIsWrittenAndNothingTemporaryStays) {
  const auto scratch = legion::testing::scratch_dir();
  const auto dir = scratch / "run";
  struct Case {
    std::string pdf;
    int status;
    std::string why;
  };
  const std::vector<Case> broken = {
      {"%PDF-1.7\n1 0 obj << /Type /Catalog", 0, "Chromium failed to print the report (its PDF is incomplete: 34 bytes without the %%EOF trailer)"},
      {"", 0, "Chromium failed to print the report (it wrote no PDF)"},
      {"%PDF-1.7\n1 0 obj", 1, "Chromium failed to print the report (exit status 1)"}};
  for (const auto& c : broken) {
    // Both documents with a PDF: a run's and the combined report.
    for (bool combined : {false, true}) {
      std::filesystem::remove_all(dir);
      std::filesystem::create_directories(dir);
      std::ofstream(dir / "report.pdf") << "the previous report";
      ::setenv("LEGION_CHROMIUM", fake_chromium(scratch, c.pdf, c.status).c_str(), 1);
      auto artifacts = combined ? write_combined_artifacts(dir, {sample()}, {}, "pdf") : write_artifacts(dir, sample(), "pdf");
      ::unsetenv("LEGION_CHROMIUM");
      EXPECT_TRUE(artifacts.written.empty()) << c.pdf;
      ASSERT_EQ(artifacts.missing.size(), 1u) << c.pdf;
      EXPECT_EQ(artifacts.missing[0], std::make_pair(std::string("report.pdf"), c.why));
      EXPECT_EQ(files_in(dir), std::vector<std::string>{"report.pdf"}) << c.pdf;
      std::ifstream in(dir / "report.pdf");
      EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "the previous report") << c.pdf;
    }
  }
  for (bool combined : {false, true}) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    ::setenv("LEGION_CHROMIUM", fake_chromium(scratch, "%PDF-1.7\n%%EOF\n", 0).c_str(), 1);
    auto artifacts = combined ? write_combined_artifacts(dir, {sample()}, {}, "pdf") : write_artifacts(dir, sample(), "pdf");
    ::unsetenv("LEGION_CHROMIUM");
    EXPECT_EQ(artifacts.written, std::vector<std::string>{"report.pdf"});
    EXPECT_EQ(files_in(dir), std::vector<std::string>{"report.pdf"});
    std::ifstream in(dir / "report.pdf");
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "%PDF-1.7\n%%EOF\n");
  }
}

TEST(WriteArtifacts, ReportsWhatWasNotWrittenAndPrintsOnlyWhatWas) {
  auto dir = legion::testing::scratch_dir();
  std::filesystem::remove_all(dir);
  ::setenv("LEGION_CHROMIUM", "/bin/false", 1);
  auto artifacts = write_artifacts(dir, sample());
  ::unsetenv("LEGION_CHROMIUM");
  EXPECT_FALSE(artifacts.complete());
  ASSERT_EQ(artifacts.missing.size(), 1u);
  EXPECT_EQ(artifacts.missing[0].first, "report.pdf");
  EXPECT_EQ(artifacts.missing[0].second, "Chromium failed to print the report (exit status 1)");
  EXPECT_EQ(artifacts.written, (std::vector<std::string>{"results.json", "BENCHMARK_RESULTS.md", "results.csv", "summaries.csv",
                                                         "real_model.csv", "traces.jsonl", "FEATURE_MATRIX.md", "report.html"}));
  std::ostringstream out, errors;
  print_artifacts(out, errors, artifacts, dir);
  EXPECT_EQ(out.str().find("report.pdf"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("results.json, BENCHMARK_RESULTS.md, results.csv, summaries.csv, real_model.csv, traces.jsonl, FEATURE_MATRIX.md and report.html"),
            std::string::npos)
      << out.str();
  EXPECT_EQ(errors.str(), "Not written: report.pdf (Chromium failed to print the report (exit status 1))\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "report.pdf"));
}

// The error for a results.json, which must name the file.
std::string results_error(const std::string& text) {
  auto file = legion::testing::scratch_dir() / "results.json";
  std::ofstream(file) << text;
  try {
    read_results_json(file);
  } catch (const std::exception& e) {
    std::string message = e.what();
    EXPECT_EQ(message.rfind(file.string() + ": ", 0), 0u) << message;
    return message.substr(file.string().size() + 2);
  }
  return "no error";
}

TEST(ResultsJson, AnUnreadableFieldIsNamedWithItsRecord) {
  auto j = results_json(sample());
  j["records"][2]["wall_ns"] = "fast";
  EXPECT_EQ(results_error(j.dump()), "record 2: field 'wall_ns': expected an integer, got \"fast\"");
  j = results_json(sample());
  j["records"][1]["llm_calls"] = -4;
  EXPECT_EQ(results_error(j.dump()), "record 1: field 'llm_calls': expected a count (not negative), got -4");
  j = results_json(sample());
  j["records"][0]["repetition"] = 1e12;
  EXPECT_EQ(results_error(j.dump()), "record 0: field 'repetition': expected an integer, got 1000000000000.0");
  j = results_json(sample());
  j["run"]["versions"] = {{"x", 1}};
  EXPECT_EQ(results_error(j.dump()).rfind("run: field 'versions': ", 0), 0u);
  j = results_json(sample());
  j["records"][0].erase("system");
  EXPECT_EQ(results_error(j.dump()), "record 0: a record needs 'system' and 'scenario'");
}

TEST(ResultsJson, ANewerSchemaIsRefused) {
  auto j = results_json(sample());
  j["run"]["schema_version"] = 999;
  EXPECT_EQ(results_error(j.dump()), "run: schema_version 999 is newer than this legion-bench reads (2); use a newer legion-bench");
}

}  // namespace
}  // namespace legion::report

namespace legion::report {
namespace {

// Two systems, so that the summary compares them; the statistics' options come out in the text.
RunResults two_systems(const SummaryOptions& options) {
  RunResults r;
  r.context.suite = "coordination";
  r.context.seed = 3;
  for (int rep = 0; rep < 6; ++rep)
    for (const char* system : {"native", "other"}) {
      auto rec = record("single-tool", rep, (std::string(system) == "native" ? 1000 : 3000) + rep * 10, true);
      rec.system = system;
      r.records.push_back(rec);
    }
  r.options = options;
  summarize_run(r);
  return r;
}

TEST(Markdown, StatesTheStatisticsOptionsItWasMadeWith) {
  SummaryOptions options;
  options.alpha = 0.01;
  options.level = 0.9;
  options.resamples = 2500;
  options.correction = "bh";
  std::ostringstream out;
  write_markdown(out, two_systems(options));
  const auto md = out.str();
  for (const char* expected : {"BCa bootstrap 90% interval (2,500 resamples, seed 3)", "Benjamini–Hochberg-adjusted, α = 0.01",
                               "90% bootstrap interval", "median [90% CI]", "p (Benjamini–Hochberg)"})
    EXPECT_NE(md.find(expected), std::string::npos) << expected << "\n" << md;
  EXPECT_EQ(md.find("95%"), std::string::npos);
  EXPECT_EQ(md.find("10,000"), std::string::npos);
}

TEST(ResultsJson, TheStatisticsOptionsTravelWithTheResults) {
  SummaryOptions options;
  options.alpha = 0.01;
  options.level = 0.9;
  options.resamples = 2500;
  const auto results = two_systems(options);
  auto file = legion::testing::scratch_dir() / "results.json";
  std::ofstream(file) << results_json(results).dump(2);
  const auto back = read_results_json(file);
  EXPECT_EQ(back.options.alpha, 0.01);
  EXPECT_EQ(back.options.level, 0.9);
  EXPECT_EQ(back.options.resamples, 2500);
  ASSERT_TRUE(back.summaries[1].wall_median_ci);
  EXPECT_EQ(back.summaries[1].wall_median_ci->level, 0.9);
  EXPECT_EQ(results_json(back), results_json(results));  // regenerated with the same options, the same numbers

  auto j = results_json(results);
  j["statistics"]["alpha"] = "small";
  std::ofstream(file, std::ios::trunc) << j.dump();
  EXPECT_EQ(results_error(j.dump()), "statistics: field 'alpha': expected a number, got \"small\"");
  j["statistics"]["alpha"] = 2;
  EXPECT_EQ(results_error(j.dump()), "statistics: alpha must be within (0, 1)");
}

}  // namespace
}  // namespace legion::report

namespace legion::report {
namespace {

std::vector<std::string> files_of(const std::string& formats) {
  std::vector<std::string> out;
  for (const auto& f : select_files(describe(run_document()), formats)) out.push_back(f.file_name);
  return out;
}

TEST(RunDocument, NamesAreUniqueAndFormatsSelectInRegistryOrder) {
  std::set<std::string> names, files;
  for (const auto& f : describe(run_document()).files) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name;
    EXPECT_TRUE(files.insert(f.file_name).second) << f.file_name;
    EXPECT_FALSE(f.description.empty()) << f.name;
  }
  EXPECT_EQ(files_of(""), files_of("all"));
  EXPECT_EQ(files_of("all"), (std::vector<std::string>{"results.json", "BENCHMARK_RESULTS.md", "results.csv", "summaries.csv",
                                                       "real_model.csv", "traces.jsonl", "FEATURE_MATRIX.md", "report.html", "report.pdf"}));
  EXPECT_EQ(files_of("csv,MD"),
            (std::vector<std::string>{"BENCHMARK_RESULTS.md", "results.csv", "summaries.csv", "real_model.csv", "FEATURE_MATRIX.md"}));
  EXPECT_EQ(files_of("summaries-csv"), std::vector<std::string>{"summaries.csv"});
  try {
    files_of("json,xml");
    FAIL() << "an unknown format was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "unknown report format 'xml' (known: all; json, md, csv, jsonl, html, pdf, or a reporter: json, markdown, csv, "
                 "summaries-csv, real-model-csv, traces, feature-matrix, html, pdf)");
  }
}

TEST(WriteArtifacts, WritesOnlyTheSelectedFilesAndNamesOneThatFails) {
  auto dir = legion::testing::scratch_dir();
  std::filesystem::remove_all(dir);
  auto artifacts = write_artifacts(dir, sample(), "csv");
  EXPECT_EQ(artifacts.written, (std::vector<std::string>{"results.csv", "summaries.csv", "real_model.csv"}));
  EXPECT_FALSE(std::filesystem::exists(dir / "results.json"));

  std::filesystem::remove(dir / "summaries.csv");
  std::filesystem::create_directories(dir / "summaries.csv" / "x");  // a folder where the file goes: the rename fails
  artifacts = write_artifacts(dir, sample(), "csv,json");
  EXPECT_EQ(artifacts.written, (std::vector<std::string>{"results.json", "results.csv", "real_model.csv"}));
  ASSERT_EQ(artifacts.missing.size(), 1u);
  EXPECT_EQ(artifacts.missing[0].first, "summaries.csv");
  EXPECT_NE(artifacts.missing[0].second.find("cannot write " + (dir / "summaries.csv").string()), std::string::npos)
      << artifacts.missing[0].second;
}

}  // namespace
}  // namespace legion::report

namespace legion::report {
namespace {

// A run whose repetitions rotate the systems, as the runner does.
RunResults rotated() {
  RunResults r;
  r.context.suite = "coordination";
  r.context.systems = {"native", "zeta", "alpha"};
  r.context.repetitions = 3;
  for (int rep = 0; rep < 3; ++rep)
    for (const char* scenario : {"single-tool", "consensus-vote"})
      for (int k = 0; k < 3; ++k) {
        const std::string system = r.context.systems[static_cast<std::size_t>((k + rep) % 3)];
        auto rec = record(scenario, rep, system == "native" ? 1000 + rep : 30000 + 100 * rep, true);
        rec.system = system;
        rec.rss_peak_bytes = system == "native" ? 10 << 20 : 100 << 20;
        r.records.push_back(rec);
      }
  summarize_run(r);
  return r;
}

TEST(SystemOrder, TheBaselineFirstThenAsListedWhateverTheRotation) {
  const auto r = rotated();
  EXPECT_EQ(r.systems(), (std::vector<std::string>{"native", "zeta", "alpha"}));
  std::vector<std::string> order;
  for (const auto& s : r.summaries) order.push_back(s.scenario + "/" + s.system);
  EXPECT_EQ(order, (std::vector<std::string>{"single-tool/native", "single-tool/zeta", "single-tool/alpha",
                                             "consensus-vote/native", "consensus-vote/zeta", "consensus-vote/alpha"}));
  // Another baseline moves to the front; the others keep the listed order.
  RunResults other = r;
  other.options.baseline = "alpha";
  summarize_run(other);
  EXPECT_EQ(other.summaries.front().system, "alpha");
  EXPECT_EQ(other.systems(), (std::vector<std::string>{"alpha", "native", "zeta"}));
  // The same order in the summaries CSV.
  std::ostringstream csv;
  write_summaries_csv(csv, r);
  const auto text = csv.str();
  EXPECT_LT(text.find(",1,native,"), text.find(",1,zeta,"));
  EXPECT_LT(text.find(",1,zeta,"), text.find(",1,alpha,"));
}

TEST(Html, OneColourPerSystemInEveryChartAndTheSameInEachRun) {
  const auto r = rotated();
  std::ostringstream out;
  write_html(out, r);
  const auto page = out.str();
  // Okabe–Ito: native blue, zeta orange, alpha green, in the listed order.
  EXPECT_NE(page.find("data-toggle-system=\"native\" aria-pressed=\"true\"><span class=\"swatch\" style=\"background:#0072B2\">"),
            std::string::npos);
  EXPECT_NE(page.find("data-toggle-system=\"zeta\" aria-pressed=\"true\"><span class=\"swatch\" style=\"background:#E69F00\">"),
            std::string::npos);
  EXPECT_NE(page.find("data-toggle-system=\"alpha\" aria-pressed=\"true\"><span class=\"swatch\" style=\"background:#009E73\">"),
            std::string::npos);
  for (const char* chart : {"intervals", "forest", "decomposition", "tokens"})
    EXPECT_NE(page.find(std::string("data-chart=\"") + chart + "\""), std::string::npos) << chart;
  // Figures and tables are numbered in order, and every chart mark carries its exact value and n.
  EXPECT_LT(page.find("<b>Figure 1.</b>"), page.find("<b>Figure 2.</b>"));
  EXPECT_LT(page.find("<b>Table 1.</b>"), page.find("<b>Table 2.</b>"));
  EXPECT_NE(page.find("data-tip=\"single-tool · zeta: median 30.1 ms, 95% interval"), std::string::npos);
  EXPECT_EQ(page.find("<script>"), page.rfind("<script>"));  // the page's own script, once
}

TEST(Html, NamesFromOutsideStayText) {
  auto r = sample();
  summarize_run(r);
  std::ostringstream out;
  write_html(out, r);
  const auto page = out.str();
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;|x"), std::string::npos);
}

TEST(CombinedReport, AnExecutiveSummaryThenEachRunsReportOneLevelDown) {
  const auto a = rotated();
  auto b = rotated();
  b.context.suite = "catalogue";
  std::ostringstream out;
  write_combined_markdown(out, {&a, &b});
  const auto text = out.str();
  EXPECT_EQ(text.rfind("# LEGION benchmark report\n", 0), 0u);
  const auto summary = text.find("## Executive summary");
  ASSERT_NE(summary, std::string::npos);
  EXPECT_NE(text.find("- **Speed.** Fastest: native.", summary), std::string::npos);
  EXPECT_NE(text.find("- **Memory.** Lightest: native.", summary), std::string::npos);
  EXPECT_LT(summary, text.find("## Suite `coordination`"));
  EXPECT_LT(text.find("## Suite `coordination`"), text.find("## Suite `catalogue`"));
  EXPECT_NE(text.find("### Results"), std::string::npos);  // a run's sections, one level down
  EXPECT_EQ(text.find("\n# legion-bench results"), std::string::npos);
}

TEST(PublishedComparison, RoundTripsAndNamesABadKey) {
  PublishedComparison c{"t", "m", "cmd", {{"id", "src", "1 µs", "2 µs", "differs"}}};
  const auto back = published_comparison_from_json(to_json(c));
  EXPECT_EQ(back.verdicts.at(0).verdict, "differs");
  auto j = to_json(c);
  j["verdicts"][0].erase("measured");
  try {
    published_comparison_from_json(j);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "comparison: verdicts[0]: 'measured' is missing or not a string");
  }
}

TEST(CombinedReport, WritesTheSelectedFormatsIntoItsFolder) {
  const auto dir = std::filesystem::temp_directory_path() / ("legion-combined-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  PublishedComparison zero_io{"Zero-I/O engine overhead", "Hot loops.", "legion-bench zero-io",
                              {{"neograph-langgraph-seq-ratio", "README.md:69", "128 × NeoGraph", "131×", "reproduced: 1.02× the published figure"}}};
  auto artifacts = write_combined_artifacts(dir, {rotated(), rotated()}, {zero_io}, "md,html");
  EXPECT_EQ(artifacts.written, (std::vector<std::string>{"BENCHMARK_REPORT.md", "report.html"}));
  EXPECT_TRUE(artifacts.complete());
  EXPECT_TRUE(std::filesystem::exists(dir / "report.html"));
  EXPECT_FALSE(std::filesystem::exists(dir / "report.pdf"));
  // The comparison with published figures is the paper's section 4 and the Markdown's own section.
  std::ifstream html(dir / "report.html"), md(dir / "BENCHMARK_REPORT.md");
  std::stringstream page, text;
  page << html.rdbuf();
  text << md.rdbuf();
  EXPECT_NE(page.str().find("<h3>4.1 Zero-I/O engine overhead</h3>"), std::string::npos);
  EXPECT_NE(page.str().find("<td>131×</td><td class=\"text\">reproduced: 1.02× the published figure</td>"), std::string::npos);
  EXPECT_NE(text.str().find("| neograph-langgraph-seq-ratio | 128 × NeoGraph | 131× | reproduced: 1.02× the published figure |"),
            std::string::npos);
  EXPECT_THROW(write_combined_artifacts(dir, {}, {zero_io}, "md"), std::invalid_argument);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace legion::report

namespace legion::report {
namespace {

// crewai with 3× LangChain's prompt tokens and 2× its wall time on single-tool.
RunResults crewai_and_langchain(const std::string& latency) {
  RunResults r;
  r.context.run_id = "run-" + latency;
  r.context.command = "legion-bench --latency " + latency;
  r.context.latency_profile = latency;
  r.context.systems = {"langchain", "crewai"};
  for (int rep = 0; rep < 3; ++rep)
    for (const char* system : {"langchain", "crewai"}) {
      auto rec = record("single-tool", rep, std::string(system) == "crewai" ? 2000 : 1000, true);
      rec.system = system;
      rec.prompt_tokens = std::string(system) == "crewai" ? 300 : 100;
      r.records.push_back(rec);
    }
  r.options.baseline = "langchain";
  summarize_run(r);
  return r;
}

TEST(PublishedComparison, ARunMeasuresTheRatiosItHasTheSystemsScenarioAndLatencyFor) {
  const auto zero = crewai_and_langchain("zero"), realistic = crewai_and_langchain("realistic");
  auto at_zero = compare_runs_with_published({&zero});
  ASSERT_EQ(at_zero.verdicts.size(), 1u);  // tokens only: latency needs a latency profile
  EXPECT_EQ(at_zero.verdicts[0].id, "aimultiple-crewai-langchain-token-ratio");
  EXPECT_EQ(at_zero.verdicts[0].verdict, "reproduced: 1.00× the published ratio, within ±30.0%");
  EXPECT_NE(at_zero.verdicts[0].measured.find("3.00× (crewai 300 ÷ langchain 100 prompt tokens per task, run run-zero)"),
            std::string::npos);
  EXPECT_EQ(at_zero.command, "legion-bench --latency zero");
  auto both = compare_runs_with_published({&zero, &realistic});
  ASSERT_EQ(both.verdicts.size(), 2u);
  EXPECT_EQ(both.verdicts[1].id, "aimultiple-crewai-langchain-latency-ratio");
  EXPECT_EQ(both.verdicts[1].verdict, "differs: 0.667× the published ratio (tolerance ±30.0%)");
  // A run without both systems measures nothing.
  EXPECT_TRUE(compare_runs_with_published({}).verdicts.empty());
  auto only_native = rotated();
  EXPECT_TRUE(compare_runs_with_published({&only_native}).verdicts.empty());
}

}  // namespace
}  // namespace legion::report
