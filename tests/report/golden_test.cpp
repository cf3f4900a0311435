// Golden files for every document's renderings (tests/data/golden/: a file under its own name, or
// under DOCUMENT/ when an earlier document in documents() writes a file of that name). The inputs
// are synthetic and fixed — timestamps, durations and seeds — so the outputs are byte-for-byte stable.
// After an intended change of format: LEGION_UPDATE_GOLDEN=1 build/tests/legion_tests --gtest_filter='Golden*'
#include <gtest/gtest.h>

#include "legion/report/trace.hpp"

#include <array>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <filesystem>

#include "legion/report/calibration.hpp"
#include "legion/report/compare.hpp"
#include "legion/report/feature_matrix.hpp"
#include "legion/report/footprint.hpp"
#include "legion/report/publication.hpp"
#include "legion/report/reporters.hpp"
#include "legion/report/reproduce.hpp"
#include "legion/report/stress.hpp"
#include "legion/report/zero_io.hpp"
#include "report/real_model_fixture.hpp"

namespace legion::report {
namespace {

RunResults fixed_run() {
  RunResults r;
  auto& c = r.context;
  c.run_id = "20260101T000000Z-1";
  c.started_at = "2026-01-01T00:00:00Z";
  c.host = "golden-host";
  c.cpu_model = "Example CPU";
  c.cores = 2;
  c.build_type = "Release";
  c.git_revision = "0123456789ab";
  c.versions = {{"legion-bench", "0.1.0"}, {"tokenizer", "js-tiktoken 1.0.21 o200k_base"}};
  // Two environments with different versions of one package: each shows its own.
  c.system_versions = {{"native", {{"legion-engine", "0.1.0"}}},
                       {"other", {{"frameworkx", "1.2.0"}, {"openai", "2.54.0"}}},
                       {"third", {{"openai", "3.54.0"}}}};
  c.system_status = {{"third", "in maintenance mode since 2026-01 (its README); new users are sent to <frameworky>"}};
  c.system_packages = {{"other", {{"frameworkx", "1.2.0"}, {"openai", "2.54.0"}, {"pydantic", "2.11.9"}}},
                       {"third", {{"openai", "3.54.0"}}}};
  c.system_settings = {{"other", {{"Agent(cache)", "False (default True): tools answer with fresh values in every task"}}}};
  c.cold_start_ns = {{"native", 8'000'000}, {"other", 950'000'000}, {"third", 120'000'000}};
  c.cold_start_parts = {{"other", {{"interpreter", 9'000'000}, {"import", 800'000'000}, {"construct", 60'000'000}}}};
  c.ready_rss_bytes = {{"native", 9'000'000}, {"other", 150'000'000}, {"third", 60'000'000}};
  c.seed = 7;
  c.latency_profile = "zero";
  c.suite = "coordination";
  c.systems = {"native", "other", "third"};
  c.scenarios = {"single-tool", "sequential-pipeline"};
  c.repetitions = 5;
  c.warmup = 1;
  c.command = "legion-bench --suite coordination --systems native,other";
  const std::int64_t base[] = {500'000, 1'500'000};
  for (int s = 0; s < 2; ++s)
    for (int rep = -1; rep < 5; ++rep)
      // Systems in the run's rotation order: "other" first in odd repetitions; every report shows
      // them in one fixed order all the same.
      for (const char* system : rep % 2 ? std::array{"other", "native"} : std::array{"native", "other"}) {
        RunRecord rec;
        rec.system = system;
        rec.scenario = c.scenarios[static_cast<std::size_t>(s)];
        rec.repetition = rep < 0 ? 0 : rep;
        rec.warmup = rep < 0;
        const std::int64_t factor = std::string(system) == "native" ? 1 : 40;
        rec.wall_ns = base[s] * factor + 10'000 * (rep + 1) * factor;
        rec.oracle_ns = 200'000 * (s + 1);
        rec.model_busy_ns = rec.oracle_ns;  // calls one after another: the union is the sum
        rec.cpu_user_ns = rec.wall_ns / 2;
        rec.cpu_sys_ns = rec.wall_ns / 10;
        rec.rss_peak_bytes = std::string(system) == "native" ? 11'000'000 : 180'000'000;
        rec.llm_calls = s == 0 ? 2 : 6;
        rec.reported_llm_calls = rec.llm_calls;
        rec.prompt_tokens = s == 0 ? 215 : 704;
        rec.completion_tokens = s == 0 ? 39 : 151;
        // "native" counts tokens as the server does; "other" undercounts the pipeline's prompts.
        rec.reported_prompt_tokens = rec.prompt_tokens - (std::string(system) == "other" && s == 1 ? 3 : 0);
        rec.reported_completion_tokens = rec.completion_tokens;
        rec.correct = !(std::string(system) == "other" && s == 1 && rep == 3);
        rec.answer = "answer";
        r.records.push_back(rec);
      }
  RunRecord unsupported;  // a system without a construct for the pipeline: one record, in the warm-up
  unsupported.system = "third";
  unsupported.scenario = "sequential-pipeline";
  unsupported.warmup = true;
  unsupported.unsupported = true;
  unsupported.error = "no construct for the sequential pattern";
  r.records.push_back(unsupported);
  summarize_run(r);
  return r;
}

void check_golden(const std::string& name, const std::string& actual) {
  const auto file = std::string(LEGION_TEST_DATA) + "/golden/" + name;
  if (std::getenv("LEGION_UPDATE_GOLDEN")) {
    std::filesystem::create_directories(std::filesystem::path(file).parent_path());
    std::ofstream(file, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(file, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << file;
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "differs from " << file << " (LEGION_UPDATE_GOLDEN=1 rewrites it)";
}

TEST(Golden, Markdown) {
  std::ostringstream out;
  write_markdown(out, fixed_run());
  check_golden("BENCHMARK_RESULTS.md", out.str());
}

TEST(Golden, Csv) {
  auto run = fixed_run();
  std::ostringstream records, summaries;
  write_records_csv(records, run);
  write_summaries_csv(summaries, run);
  check_golden("results.csv", records.str());
  check_golden("summaries.csv", summaries.str());
  std::ostringstream real_model;  // a scripted run: the header alone
  write_real_model_csv(real_model, run);
  check_golden("real_model.csv", real_model.str());
}

// A run against a real model (real_model_fixture.hpp): its own section in every format, in place of
// the scripted-model tables; names from outside (the model's, the price's source) escaped.
TEST(Golden, RealModelRun) {
  const auto run = testing::real_model_run();
  std::ostringstream md, html, csv;
  write_markdown(md, run);
  write_html(html, run, "");
  write_real_model_csv(csv, run);
  check_golden("real-model/BENCHMARK_RESULTS.md", md.str());
  check_golden("real-model/report.html", html.str());
  check_golden("real-model/real_model.csv", csv.str());
}

// The local model in the deterministic setting: no price (time only), no pass^k, the server's facts.
TEST(Golden, RealModelLocalDeterministic) {
  std::ostringstream md;
  write_markdown(md, testing::real_model_run(false, false));
  check_golden("real-model/local/BENCHMARK_RESULTS.md", md.str());
}

// A real-model run combined with a scripted run of the same systems: framework time beside overhead.
TEST(Golden, RealModelBesideScripted) {
  const auto scripted = fixed_run();
  const auto real = testing::real_model_run();
  std::ostringstream md;
  write_combined_markdown(md, {&scripted, &real});
  check_golden("real-model/BENCHMARK_REPORT.md", md.str());
  const CombinedReport combined{{scripted, real}, {}};
  check_golden("real-model/combined.html", render(combined_document(), "html", combined));
}

// A traced run: each measured record of the fixed run with a trace (two agents, a tool between the
// first agent's calls): traces.jsonl, the Traces section and the timeline figure.
TEST(Golden, TracedRun) {
  auto run = fixed_run();
  for (auto& r : run.records) {
    if (r.warmup || r.unsupported) continue;
    const std::int64_t wall = r.wall_ns, step = wall / 10;
    const nlohmann::json worker = {
        {"start_ns", 1'000'000}, {"end_ns", 1'000'000 + wall}, {"start_unix_ns", 1'767'225'600'000'000'000 + r.repetition * 1'000'000'000LL},
        {"calls", {{{"kind", "tool"}, {"name", "lookup"}, {"start_ns", 1'000'000 + 3 * step}, {"end_ns", 1'000'000 + 4 * step}}}},
        {"system", nlohmann::json::array()}};
    std::vector<ServedRequest> requests;
    for (std::uint64_t k = 0; k < r.llm_calls; ++k)
      requests.push_back({k < r.llm_calls / 2 ? "researcher" : "writer", k == 0 ? "call" : "say",
                          1'000'000 + static_cast<std::int64_t>(k + 1) * wall / static_cast<std::int64_t>(r.llm_calls + 2), step / 4, 40, 8, 200});
    r.trace = make_trace(worker, requests, "legion-oracle", "127.0.0.1:40001");
  }
  std::ostringstream traces, md, html;
  for (const auto& r : run.records)
    if (r.trace) traces << otlp_request(run.context, r).dump() << "\n";
  write_markdown(md, run);
  write_html(html, run, "");
  check_golden("traces.jsonl", traces.str());  // a run without traces writes it empty
  check_golden("traced/BENCHMARK_RESULTS.md", md.str());
  check_golden("traced/report.html", html.str());
}

TEST(Golden, Html) {
  std::ostringstream out;
  write_html(out, fixed_run(), "# Feature matrix\n\n| capability | native |\n|---|---|\n| tools | supported |\n");
  check_golden("report.html", out.str());
}

// A combined report over two runs: the executive summary first, then each run's report.
TEST(Golden, CombinedMarkdown) {
  auto coordination = fixed_run();
  auto slow = fixed_run();
  slow.context.run_id = "20260101T010000Z-2";
  slow.context.latency_profile = "realistic";
  std::ostringstream out;
  write_combined_markdown(out, {&coordination, &slow});
  check_golden("BENCHMARK_REPORT.md", out.str());
}

TEST(Golden, Json) { check_golden("results.json", results_json(fixed_run()).dump(2) + "\n"); }

TEST(Golden, FeatureMatrix) {
  std::ostringstream out;
  write_feature_matrix_markdown(out, load_feature_matrix(default_feature_matrix_file()), fixed_run());
  auto text = out.str();
  // The probes resolve against this run: native passed, "other" is not a column, frameworks did not run.
  EXPECT_NE(text.find("**supported** — scenario single-tool passed 5/5 in this run"), std::string::npos) << text;
  EXPECT_NE(text.find("**not measured in this run** — scenario single-tool did not run for langchain"), std::string::npos);
  check_golden("FEATURE_MATRIX.md", text);
}

// Every other document, rendered through its registered renderings from a fixed model.
template <typename Model>
void check_document(const Document<Model>& document, const Model& model, const std::string& folder = "") {
  for (const auto& r : document.renderings) check_golden(folder + r.file_name, render(document, r.name, model));
}

TEST(Golden, CombinedHtml) {
  auto slow = fixed_run();
  slow.context.run_id = "20260101T010000Z-2";
  slow.context.latency_profile = "realistic";
  const PublishedComparison published{"Zero-I/O engine overhead", "Hot loops, medians of batch means.", "legion-bench zero-io",
                                      {{"neograph-langgraph-seq-ratio", "README.md:69", "128 × NeoGraph", "131×",
                                        "reproduced: 1.02× the published figure"}}};
  const CombinedReport combined{{fixed_run(), slow}, {published}};
  check_golden("combined/report.html", render(combined_document(), "html", combined));
}

// The publication over two runs, a published comparison and a stress run: the criteria, the
// conclusions, how it was made, each suite's report, the stress suites' and the feature matrix.
TEST(Golden, Publication) {
  Publication p;
  p.started_at = "2026-01-01T00:00:00Z";
  p.command = "legion-bench publish --out paper";
  p.steps = {{"coordination-zero", "legion-bench --suite coordination --latency zero --out paper/runs/coordination-zero", "done", "", 61.4,
              "2026-01-01T00:00:00Z", 0},
             {"coordination-realistic", "legion-bench --suite coordination --latency realistic --out paper/runs/coordination-realistic", "done",
              "exit status 1: a task failed or a criterion did not hold (a result, in its report)", 3725, "2026-01-01T00:01:01Z", 1},
             {"load", "legion-bench --suite load --out paper/runs/load", "failed", "exit status 2, no results: <bad> option", 0.5,
              "2026-01-01T01:03:07Z", 2}};
  for (const auto& s : p.steps) p.seconds += s.seconds;
  auto slow = fixed_run();
  slow.context.run_id = "20260101T010000Z-2";
  slow.context.latency_profile = "realistic";
  p.runs = {fixed_run(), slow};
  p.published = {{"Zero-I/O engine overhead", "Hot loops, medians of batch means.", "legion-bench zero-io",
                  {{"neograph-langgraph-seq-ratio", "README.md:69", "128 × NeoGraph", "131×", "reproduced: 1.02× the published figure"}}}};
  // A load run of one phase, as a stress store holds it.
  nlohmann::json samples = nlohmann::json::array();
  for (int t = 1; t <= 2; ++t)
    samples.push_back({{"t_s", t}, {"submitted", 50 * t}, {"completed", 50 * t}, {"failed", 0}, {"queue_depth", 0}, {"in_flight", 2}, {"agents", 10},
                       {"target_rate", 50.0}, {"p50_us", 900}, {"p90_us", 1200}, {"p99_us", 2000}, {"max_us", 3000},
                       {"system", {{"rss_mb", 30.5}, {"cpu", 0.25}, {"threads", 14}, {"fds", 12}}},
                       {"server", {{"rss_mb", 20.5}, {"cpu", 0.125}, {"threads", 3}, {"fds", 9}}}});
  nlohmann::json latency = nlohmann::json::array();
  for (int i = 0; i < 100; ++i) latency.push_back(1000 + 37 * (i % 50));
  const nlohmann::json phase = {
      {"name", "native / 10 agents"},
      {"spec", {{"description", "10 agents"}, {"load_class", "normal"}, {"system", "native"}, {"stages", nlohmann::json::array()},
                {"bursts", nlohmann::json::array()}, {"most_agents", 10}, {"schedule_s", 2.0}, {"start_rate", 50.0}}},
      {"summary", {{"elapsed_s", 2.5}, {"peak_agents", 10}, {"peak_queue_depth", 1}}},
      {"samples", samples},
      {"ledger", {{"submitted", 100}, {"completed", 100}, {"failed", 0}, {"open", 0}, {"reasons", nlohmann::json::object()}, {"errors", nlohmann::json::array()}}},
      {"latency_us", latency},
      {"service_us", latency}};
  const nlohmann::json raw = {
      {"run_id", "load-20260101T010307Z-1"}, {"started_at", "2026-01-01T01:03:07Z"}, {"finished", true}, {"interrupted", false},
      {"config", {{"suite", "load"}, {"command", "legion-bench --suite load --smoke"}, {"mode", "open"}, {"arrival", "constant"},
                  {"scenario", "single-tool"}, {"latency", "zero"}, {"max_retries", 0}, {"request_timeout_s", 30}, {"recovery_factor", 2.0},
                  {"machine", {{"cpu", "Example CPU"}, {"cores", 2}, {"kernel", "6.1.0"}, {"loadavg_at_start", "0.50 0.40 0.30 1/100 4242"}}}}},
      {"extra", nlohmann::json::object()},
      {"phases", nlohmann::json::array({phase})}};
  const auto load = analyze_stress(raw, {false, false, true});
  p.stress = combine_stress({load});
  p.features = FeatureMatrixReport{"20260101T000000Z-1", {"native", "other"}, {{"Tools", "call a tool", {{"supported", "single-tool passed"}, {"partial", "3/5"}}}}};
  p.multi_agent_scenarios = {"sequential-pipeline"};
  analyze_publication(p);
  // publication.json is the one file of its name; the others share theirs with the run's.
  for (const auto& r : publication_document().renderings)
    check_golden((r.file_name == "publication.json" ? "" : "publication/") + r.file_name, render(publication_document(), r.name, p));
}

TEST(Golden, FeatureMatrixDocument) {
  const FeatureMatrixReport matrix{
      "20260101T000000Z-1",
      {"native", "frameworkx"},
      {{"Tools", "call a tool", {{"supported", "scenario single-tool passed 5/5 in this run"}, {"partial", "passed only 3/5"}}},
       {"Tools", "tool | with a pipe", {{"not assessed", "no evidence recorded"}, {"not supported", "no construct"}}},
       {"Memory", "checkpoints", {{"not measured in this run", "scenario checkpoint did not run for native"},
                                  {"supported", "documentation: https://example.org/docs"}}}}};
  check_document(feature_matrix_document(), matrix, "feature-matrix/");
}

TEST(Golden, Calibration) {
  Calibration c;
  c.host = "golden-host";
  c.cpu_model = "Example CPU";
  c.created_at = "2026-01-01T00:00:00Z";
  c.command = "legion-bench calibrate --runs 3 --systems native";
  c.run_ids = {"20260101T000000Z-1", "20260101T000100Z-2", "20260101T000200Z-3"};
  CellNoise n;
  n.scenario = "single-tool";
  n.system = "native";
  n.runs = 3;
  n.repetitions = 10;
  n.sigma_run = 0.0412;
  n.sigma_repetition = 0.0237;
  n.sigma_pair = 0.0158;
  n.twin_rms = 0.0121;
  n.max_drift = 0.093;
  n.between_runs_floor = 0.121;
  n.within_run_floor = 0.024;
  n.pairs_compared = 3;
  n.pairs_called = 1;
  c.cells.push_back(n);
  n.scenario = "sequential-pipeline";
  n.sigma_run = 0.11;
  n.max_drift = 0.25;
  n.between_runs_floor = 0.355;
  n.pairs_called = 2;
  c.cells.push_back(n);
  check_document(calibration_document(), c);
}

TEST(Golden, Comparison) {
  RunComparison c;
  c.options.margin = 0.05;
  c.design = "interleaved";
  c.floor_source = "calibrated on golden-host (Example CPU) at 2026-01-01T00:00:00Z from 3 runs";
  c.old_runs = c.new_runs = {"20260101T000000Z-1"};
  c.noisy_runs = {"20260101T000000Z-1: load average 3.1 on 2 cores"};
  Change slower;
  slower.scenario = "single-tool";
  slower.system = "native@old → native@new";
  slower.old_n = slower.new_n = 10;
  slower.old_median = 1.25;
  slower.new_median = 1.5;
  slower.ratio = stats::Estimate{1.2, 1.12, 1.31};
  slower.p_value = 0.002;
  slower.p_adjusted = 0.004;
  slower.floor = 0.024;
  slower.verdict = "slower";
  Change same = slower;
  same.scenario = "sequential-pipeline";
  same.new_median = 1.26;
  same.ratio = stats::Estimate{1.01, 0.98, 1.03};
  same.p_value = same.p_adjusted = 0.61;
  same.equivalent = true;
  same.verdict = "equivalent";
  Change missing;
  missing.scenario = "<b>odd|name</b>";
  missing.system = "other@old → other@new";
  missing.verdict = "not comparable";
  missing.note = "no successful pairs";
  c.changes = {slower, same, missing};
  check_document(comparison_document(), c);
}

TEST(Golden, ZeroIo) {
  ZeroIoReport r{2, 3, 200, 100000, {}, {}};
  ZeroIoSystem native{"native", true, {}, {{"legion-engine", "0.1.0"}}, {}, {{"seq", {1.5, 1.6, 1.4}}, {"par", {4.1, 4.4, 4.0}}},
                      {9.5, 9.75}, {{"seq", {1.5, 1.4, 1.6}}, {"par", {4.1, 4.0, 4.4}}}, {}, 9.75};
  ZeroIoSystem langchain{"langchain", false, {"round 2: exit status 1 (log: zero-io-langchain.log)"},
                         {{"langgraph", "0.6.7"}}, {{"checkpointer", "none"}}, {{"seq", {250.0, 262.5, 244.0}}},
                         {151.25}, {{"seq", {250.0, 244.0, 262.5}}}, {{"seq", 166.7}}, 151.25};
  r.systems = {native, langchain};
  r.comparison = {"Zero-I/O engine overhead (NeoGraph engine benchmark)", "Hot loops, medians of batch means.",
                  "legion-bench zero-io --systems native,langchain --rounds 2",
                  {{"neograph-native-seq-us", "NeoGraph, README.md:60", "2.1 µs", "1.50 µs", "target met (at or below the published figure)"},
                   {"neograph-langgraph-par-us", "NeoGraph, README.md:61", "530 µs", "—", "not measured"},
                   {"neograph-autogen-seq-us ÷ neograph-langgraph-seq-us", "NeoGraph, README.md:62", "1.40× (AutoGen ÷ LangGraph)",
                    "1.35×", "reproduced: 0.96× the published ratio, within ±25.0%"}}};
  check_document(zero_io_document(), r);
}

TEST(Golden, Footprint) {
  FootprintReport r{3, 1, 10, 0, {}, {"google-adk: its environment is not set up (.venvs/google_adk/bin/python)"}, {}};
  FootprintSystem agno{"agno", "agno", true, {}, {{"agno", "3.1.10"}}, "from agno.agent import Agent", 1000, "Agno's agno_instantiation.py",
                       {60.0, 62.0, 61.0}, {150.0, 148.0, 152.0}, {61.0, 60.0, 62.0}, {150.0, 148.0, 152.0}, {}};
  FootprintShape tool{"one_tool", "Agent(model=OpenAIResponses(id=\"gpt-5.5\"), tools=[get_weather])", {6.0, 5.5}, {4.5, 4.75, 5.0},
                      {7.0, 7.25, 7.5}, {4.75, 4.5, 5.0}, {7.25, 7.0, 7.5}, {4.75, 4.4, 5.1}, 5.15};
  agno.shapes = {tool};
  FootprintSystem langchain{"langchain", "langgraph", false, {"round 1: one_tool: the agent holds tools [], expected ['get_weather']"},
                            {{"langgraph", "1.2.22"}}, "from langgraph.prebuilt import create_react_agent", 300, "Agno's langgraph_instantiation.py",
                            {80.0, 82.0, 81.0}, {300.0, 320.0, 310.0}, {81.0, 80.0, 82.0}, {310.0, 300.0, 320.0}, {}};
  FootprintShape graph{"one_tool", "create_react_agent(model=ChatOpenAI(model=\"gpt-5.5\"), tools=[get_weather])", {1500.0}, {1250.0, 1300.0},
                       {146.0, 147.0}, {1275.0, 1250.0, 1300.0}, {146.5, 146.0, 147.0}, {1275.0, 1200.0, 1350.0}, 1290.0};
  langchain.shapes = {graph};
  r.systems = {agno, langchain};
  r.comparison = {"Cold import and agent construction", "Fresh interpreters and PerformanceEval's loop.",
                  "legion-bench footprint --systems agno,langchain --import-samples 3",
                  {{"agno-perf-langgraph-construction-ratio", "Agno, README.md:37", "269 × Agno", "268× (langchain 1275 ÷ agno 4.75 µs)",
                    "reproduced: 0.997× the published ratio, within ±25.0%", "÷ Agno's, median time per construction"},
                   {"agno-perf-pydantic-ai-memory-kib", "Agno, README.md:38", "39.0 KiB (tracemalloc peak)", "—",
                    "not measured: pydantic-ai did not run or failed", "median tracemalloc peak"}}};
  check_document(footprint_document(), r);
}

TEST(Golden, PublishedComparisonJson) {
  PublishedReport r;
  r.comparison = {"Published figures re-measured", "Three interleaved runs and the zero-I/O mode.", "legion-bench --suite published",
                  {{"agentrace-langchain-calls", "AgentRace, Table 2", "4 calls", "4 calls per task [4, 4]", "reproduced: 1.00× the published figure",
                    "model calls per task"}}};
  check_golden("published_comparison.json", render(published_comparison_document(), "json", r));
}

// A probe scenario decides the cell: every run correct keeps the claim, some correct is partial,
// none correct is not supported.
TEST(FeatureCells, AProbeThatPassedSomeOfTheTimeIsPartial) {
  auto run = fixed_run();
  ASSERT_FALSE(run.summaries.empty());
  auto& probe = run.summaries.front();
  const FeatureClaim claim{"supported", probe.scenario, "the docs", {}};
  probe.runs = 10;
  probe.correct = 10;
  EXPECT_EQ(resolve(claim, probe.system, run).status, "supported");
  probe.correct = 7;
  const auto partial = resolve(claim, probe.system, run);
  EXPECT_EQ(partial.status, "partial");
  EXPECT_NE(partial.evidence.find("passed only 7/10"), std::string::npos) << partial.evidence;
  probe.correct = 0;
  EXPECT_EQ(resolve(claim, probe.system, run).status, "not supported");
}

}  // namespace
}  // namespace legion::report
