// The published suite's verdicts, from synthetic runs whose medians, counts and slopes are planted:
// what is compared on each side, reproduced against differs within each figure's tolerance, and
// no figure left out. PUBLISHED_COMPARISON.md against its golden file (LEGION_UPDATE_GOLDEN=1
// rewrites it).
#include "legion/report/reproduce.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "legion/report/summary.hpp"
#include "legion/report/sweep.hpp"

namespace legion::report {
namespace {

RunRecord record(const std::string& system, const std::string& scenario, int rep, double wall_ms, std::uint64_t prompt,
                 std::uint64_t completion = 20, std::uint64_t calls = 2, std::uint64_t bytes = 0) {
  RunRecord r;
  r.system = system;
  r.scenario = scenario;
  r.repetition = rep;
  r.wall_ns = static_cast<std::int64_t>(wall_ms * 1e6) + rep * 1000;  // a little spread, as a real run has
  r.prompt_tokens = prompt;
  r.completion_tokens = completion;
  r.llm_calls = calls;
  r.request_bytes = bytes;
  r.correct = true;
  return r;
}
// The record as a cell of a sweep over `param`, at `value`.
RunRecord at(RunRecord r, const std::string& param, std::int64_t value) {
  r.params[param] = value;
  r.swept = param;
  return r;
}

RunResults run_of(const std::string& command, const std::string& latency, std::vector<RunRecord> records) {
  RunResults r;
  r.context.run_id = "run";
  r.context.command = command;
  r.context.latency_profile = latency;
  r.context.seed = 1;
  r.records = std::move(records);
  summarize_run(r);
  return r;
}

struct Fixture {
  RunResults calls, tools, mixture, single_turn;
  PublishedComparison zero_io, footprint;
  Fixture() {
    std::vector<RunRecord> c;
    for (int rep = 0; rep < 5; ++rep) {
      // MAFBench: LangGraph 1.4× the direct call (reproduced), AutoGen 2.0× (differs from 1.3×).
      c.push_back(record("direct", "llm-only", rep, 500, 100, 20, 1, 900));
      c.push_back(record("langchain", "llm-only", rep, 700, 110, 20, 1, 1000));
      c.push_back(record("autogen", "llm-only", rep, 1000, 120, 20, 1, 1100));
      c.push_back(record("crewai", "llm-only", rep, 1500, 300, 20, 1, 2000));
      // AIMultiple: CrewAI 3× LangChain in prompt tokens and latency (reproduced). autoagents-bench:
      // (3000 − 1500) ÷ (1000 − 700) = 5× (differs from 0.497×).
      c.push_back(record("langchain", "single-tool", rep, 1000, 220));
      c.push_back(record("crewai", "single-tool", rep, 3000, 660));
    }
    calls = run_of("legion-bench --suite published (calls)", "realistic", c);
    std::vector<RunRecord> t;
    for (int rep = 0; rep < 3; ++rep)
      for (std::int64_t n : {0, 10, 20, 50}) {
        t.push_back(at(record("langchain", "tool-overhead", rep, 10, static_cast<std::uint64_t>(300 + 279 * n)), "extra_tools", n));  // AgentRace: 279 per tool
        t.push_back(at(record("autogen", "tool-overhead", rep, 10, static_cast<std::uint64_t>(300 + 10 * n)), "extra_tools", n));     // against 90.8
      }
    tools = run_of("legion-bench --suite published (tools)", "zero", t);
    std::vector<RunRecord> m;
    for (int rep = 0; rep < 3; ++rep)
      for (std::int64_t k : {3, 9, 15}) {
        const auto calls_k = static_cast<std::uint64_t>(k + 1);
        const std::string moa = "mixture-of-agents";
        m.push_back(at(record("langchain", moa, rep, 10, static_cast<std::uint64_t>(400 + 1115 * k), 100, calls_k, 2000 * calls_k), "proposers", k));
        m.push_back(at(record("direct", moa, rep, 10, static_cast<std::uint64_t>(300 + 100 * k), 100, calls_k, 1500 * calls_k), "proposers", k));
        m.push_back(at(record("autogen", moa, rep, 10, static_cast<std::uint64_t>(300 + 100 * k), 100, calls_k, 1600 * calls_k), "proposers", k));
      }
    mixture = run_of("legion-bench --suite published (mixture)", "zero", m);
    // Agno's single-turn run in the in-process mode: wall time less the model's 50 µs service time;
    // LangGraph 4.6× Agno (reproduced), CrewAI 20× (differs from 68×), Pydantic AI absent.
    std::vector<RunRecord> st;
    for (int rep = 0; rep < 9; ++rep)
      for (const auto& [system, wall_ms] : std::vector<std::pair<std::string, double>>{
               {"agno@in-process", 1.05}, {"langchain@in-process", 4.65}, {"crewai@in-process", 20.05}}) {
        auto r = record(system, "llm-only", rep, wall_ms, 100, 20, 1);
        r.model_busy_ns = 50'000;
        st.push_back(r);
      }
    single_turn = run_of("legion-bench --systems agno@in-process,langchain@in-process,crewai@in-process --scenario llm-only", "zero", st);
    single_turn.context.systems = {"agno@in-process", "langchain@in-process", "crewai@in-process"};
    single_turn.context.repetitions = 9;
    single_turn.context.warmup = 10;
    single_turn.context.model_pipe_round_trip_ns = {{"agno@in-process", 61'000}, {"langchain@in-process", 64'000}};
    zero_io.command = "legion-bench zero-io";
    zero_io.verdicts = {{"neograph-native-seq-us", "NeoGraph", "5.0 µs per iteration", "0.6 µs", "target met (at or below the published figure)"},
                        {"neograph-autogen-seq-us ÷ neograph-langgraph-seq-us", "NeoGraph", "4.87× (AutoGen ÷ LangGraph)", "4.31×",
                         "reproduced: 0.885× the published ratio, within ±25.0%"}};
    footprint.command = "legion-bench footprint";
    footprint.verdicts = {{"agno-perf-agno-memory-kib", "Agno", "7.10 KiB (tracemalloc peak)", "7.09 KiB [7.09, 7.09]",
                           "reproduced: 0.998× the published figure, within ±25.0%", "median tracemalloc peak"},
                          {"praisonai-2025-crewai-us ÷ praisonai-2025-openai-agents-us", "PraisonAI", "2867× OpenAI Agents SDK", "—",
                           "not measured: needs crewai and openai-agents measured in one run", "÷ OpenAI Agents SDK's mean"}};
  }
  PublishedComparison compare(const std::vector<datasets::PublishedFigure>& figures) const {
    return reproduce_published(figures, {&calls, &tools, &mixture, &zero_io, &footprint, &single_turn});
  }
};

const PublishedVerdict& row(const PublishedComparison& c, const std::string& id) {
  for (const auto& v : c.verdicts)
    if (v.id == id) return v;
  throw std::runtime_error("no row " + id);
}

TEST(Reproduce, EveryFigureGetsARowAndDerivedQuantitiesFollowTheirPairs) {
  const auto figures = datasets::load_published();
  const auto c = Fixture().compare(figures);
  for (const auto& f : figures) EXPECT_NO_THROW(row(c, f.id)) << f.id << " was dropped";
  for (const auto& v : c.verdicts) {
    EXPECT_FALSE(v.verdict.empty()) << v.id;
    EXPECT_FALSE(v.quantity.empty()) << v.id;
  }
}

TEST(Reproduce, RatiosAgainstTheDirectCallAndBetweenFrameworks) {
  const auto c = Fixture().compare(datasets::load_published());
  EXPECT_TRUE(row(c, "mafbench-langgraph-p50-ratio").verdict.starts_with("reproduced: 1.0")) << row(c, "mafbench-langgraph-p50-ratio").verdict;
  EXPECT_TRUE(row(c, "mafbench-langgraph-p50-ratio").measured.starts_with("1.40× [")) << row(c, "mafbench-langgraph-p50-ratio").measured;
  const auto& autogen = row(c, "mafbench-autogen-p50-ratio");
  EXPECT_TRUE(autogen.verdict.starts_with("differs: 1.54× the published ratio (tolerance ±30.0%); likely reason: ")) << autogen.verdict;
  EXPECT_TRUE(row(c, "mafbench-direct-llm-p50-s").verdict.starts_with("not comparable: ")) << row(c, "mafbench-direct-llm-p50-s").verdict;
  EXPECT_TRUE(row(c, "aimultiple-crewai-langchain-token-ratio").verdict.starts_with("reproduced: 1.0"));
  EXPECT_TRUE(row(c, "aimultiple-crewai-langchain-latency-ratio").verdict.starts_with("reproduced: 1.0"));
  const auto& overhead = row(c, "(autoagents-crewai-tool-mode-ms − autoagents-crewai-llm-only-ms) ÷ "
                                "(autoagents-langgraph-tool-mode-ms − autoagents-langgraph-llm-only-ms)");
  EXPECT_EQ(overhead.published, "0.497×");
  EXPECT_TRUE(overhead.measured.starts_with("5.00×")) << overhead.measured;
  EXPECT_TRUE(overhead.verdict.starts_with("differs: 10.1× the published ratio (tolerance ±50.0%)")) << overhead.verdict;
  EXPECT_TRUE(row(c, "autoagents-crewai-tool-mode-ms").verdict.starts_with("not comparable as an absolute"));
}

TEST(Reproduce, SlopesFromSweepsAgainstSlopesFromPublishedPairs) {
  const auto c = Fixture().compare(datasets::load_published());
  const auto& langchain = row(c, "agentrace-langchain-prompt-tokens-20-tools − agentrace-langchain-prompt-tokens-0-tools, per tool");
  EXPECT_EQ(langchain.published, "279 prompt tokens per tool");
  EXPECT_TRUE(langchain.measured.starts_with("279 [279, 279] prompt tokens per tool (Theil–Sen over 12 records, extra_tools 0–50)")) << langchain.measured;
  EXPECT_TRUE(langchain.verdict.starts_with("reproduced: 1.0")) << langchain.verdict;
  const auto& autogen = row(c, "agentrace-autogen-prompt-tokens-20-tools − agentrace-autogen-prompt-tokens-0-tools, per tool");
  EXPECT_TRUE(autogen.verdict.starts_with("differs: 0.110× the published slope")) << autogen.verdict;
  // A sweep without the system: not measured, never dropped.
  EXPECT_TRUE(row(c, "agentrace-crewai-prompt-tokens-20-tools − agentrace-crewai-prompt-tokens-0-tools, per tool")
                  .verdict.starts_with("not measured: needs the tool-overhead sweep with crewai"));
  const auto& workers = row(c, "agentrace-langchain-moa-tokens-15-workers − agentrace-langchain-moa-tokens-3-workers, per worker");
  EXPECT_TRUE(workers.verdict.starts_with("reproduced: 1.0")) << workers.verdict;
  EXPECT_TRUE(row(c, "agentrace-langchain-moa-tokens-3-workers").measured.starts_with("3845 tokens per task")) << row(c, "agentrace-langchain-moa-tokens-3-workers").measured;
  const auto& bytes = row(c, "agentrace-autogen-overhead-from-global");
  EXPECT_TRUE(bytes.measured.starts_with("100 bytes per request [100, 100]")) << bytes.measured;
  EXPECT_TRUE(bytes.verdict.starts_with("not comparable: ")) << bytes.verdict;
  EXPECT_TRUE(row(c, "neograph-native-seq-us").verdict.starts_with("target met"));
  EXPECT_TRUE(row(c, "neograph-autogen-seq-us ÷ neograph-langgraph-seq-us").verdict.starts_with("reproduced"));
  EXPECT_TRUE(row(c, "neograph-langgraph-par-us").verdict.starts_with("not measured"));  // not in the zero-I/O verdicts given
}

TEST(Reproduce, FootprintVerdictsAsGivenAndItsDerivedRowsAfterItsLastFigure) {
  const auto figures = datasets::load_published();
  const auto c = Fixture().compare(figures);
  EXPECT_TRUE(row(c, "agno-perf-agno-memory-kib").verdict.starts_with("reproduced: 0.998×"));
  EXPECT_EQ(row(c, "agno-perf-agno-memory-kib").quantity, "median tracemalloc peak");  // how it was measured, as given
  EXPECT_TRUE(row(c, "agno-perf-crewai-memory-kib").verdict.starts_with("not measured: the footprint run gave no verdict"));
  // The derived row follows the last figure the footprint run measures.
  std::size_t last = 0, derived = 0;
  for (std::size_t i = 0; i < c.verdicts.size(); ++i) {
    if (c.verdicts[i].id == "praisonai-2025-crewai-us") last = i;
    if (c.verdicts[i].id == "praisonai-2025-crewai-us ÷ praisonai-2025-openai-agents-us") derived = i;
  }
  EXPECT_EQ(derived, last + 1);
  EXPECT_NE(c.command.find("legion-bench footprint"), std::string::npos);
}

TEST(Reproduce, SingleTurnRatiosToAgnoFromTheInProcessRun) {
  const auto figures = datasets::load_published();
  Fixture f;
  const auto c = f.compare(figures);
  const auto& langgraph = row(c, "agno-perf-langgraph-single-turn-ratio");
  EXPECT_TRUE(langgraph.measured.starts_with("4.59× [")) << langgraph.measured;  // the model's service time left out on both sides
  EXPECT_NE(langgraph.measured.find("langchain@in-process 4604 µs ÷ agno@in-process 1004 µs"), std::string::npos) << langgraph.measured;
  EXPECT_TRUE(langgraph.verdict.starts_with("reproduced: 0.997× the published ratio, within ±25.0%")) << langgraph.verdict;
  // How each side measured, the pipe's round trip named as included.
  EXPECT_NE(langgraph.verdict.find("source: run_overhead_comparison.py"), std::string::npos) << langgraph.verdict;
  EXPECT_NE(langgraph.verdict.find("the pipe's round trip included (langchain@in-process 64.0 µs, agno@in-process 61.0 µs per call"),
            std::string::npos) << langgraph.verdict;
  EXPECT_NE(langgraph.verdict.find("9 tasks each after 10 warm-ups"), std::string::npos) << langgraph.verdict;
  const auto& crewai = row(c, "agno-perf-crewai-single-turn-ratio");
  EXPECT_TRUE(crewai.verdict.starts_with("differs: 0.293× the published ratio (tolerance ±25.0%); likely reason: ")) << crewai.verdict;
  EXPECT_NE(crewai.verdict.find("crewai@in-process not measured"), std::string::npos) << crewai.verdict;  // no round trip given for it
  // Absolute times on another machine: shown, not judged.
  const auto& agno = row(c, "agno-perf-agno-single-turn-us");
  EXPECT_TRUE(agno.measured.starts_with("1004 µs [")) << agno.measured;
  EXPECT_TRUE(agno.verdict.starts_with("not comparable: an absolute time on an Apple M4 Max")) << agno.verdict;
  EXPECT_TRUE(row(c, "agno-perf-pydantic-ai-single-turn-ratio").verdict.starts_with("not measured: pydantic-ai@in-process was not in the single-turn run"));
  EXPECT_NE(c.command.find("--scenario llm-only"), std::string::npos);
  // Without the run, and without Agno in it: not measured, never a verdict from nothing.
  const auto without = reproduce_published(figures, {&f.calls, &f.tools, &f.mixture, &f.zero_io, &f.footprint});
  EXPECT_TRUE(row(without, "agno-perf-langgraph-single-turn-ratio").verdict.starts_with("not measured: the in-process single-turn run did not run"));
  std::erase_if(f.single_turn.records, [](const RunRecord& r) { return r.system == "agno@in-process"; });
  const auto no_agno = f.compare(figures);
  EXPECT_TRUE(row(no_agno, "agno-perf-langgraph-single-turn-ratio").verdict.starts_with("not measured: agno@in-process has no completed llm-only task"));
  EXPECT_TRUE(row(no_agno, "agno-perf-langgraph-single-turn-us").verdict.starts_with("not comparable: "));
}

TEST(Reproduce, ComparisonMarkdownMatchesItsGolden) {
  const auto figures = datasets::load_published();
  std::ostringstream out;
  write_published_comparison(out, Fixture().compare(figures), figures);
  const auto file = std::string(LEGION_TEST_DATA) + "/golden/PUBLISHED_COMPARISON.md";
  if (std::getenv("LEGION_UPDATE_GOLDEN")) std::ofstream(file) << out.str();
  std::ifstream in(file);
  ASSERT_TRUE(in) << "missing golden file " << file;
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(out.str(), expected.str()) << "differs from " << file << " (LEGION_UPDATE_GOLDEN=1 rewrites it)";
  EXPECT_NE(out.str().find("\n## References\n"), std::string::npos);
}

// The project's backtick-quoted commands in a row are code in the Markdown (not escaped backticks).
TEST(Reproduce, QuotedCommandsInARowAreCode) {
  PublishedComparison c{"t", "m", "legion-bench x", {{"id", "s", "5 ms", "6 ms (latency profile `zero`)", "reproduced", "a fresh `python -c IMPORT` each"}}};
  std::ostringstream out;
  write_published_comparison(out, c, {});
  EXPECT_NE(out.str().find("| a fresh `python -c IMPORT` each | 5 ms | 6 ms (latency profile `zero`) | reproduced |"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find("\\`"), std::string::npos) << out.str();
}

TEST(SweepTrends, FitsEachMetricPerSystemFromTheRecordsCellIdentity) {
  const Fixture f;
  const auto trends = sweep_trends(f.tools);
  const auto* t = find_trend(trends, "tool-overhead", "langchain", "prompt tokens");
  ASSERT_TRUE(t && t->fit);
  EXPECT_DOUBLE_EQ(t->fit->slope, 279);
  EXPECT_EQ(t->records, 12u);
  EXPECT_EQ(t->medians.size(), 4u);
  EXPECT_DOUBLE_EQ(t->medians.back().second, 300 + 279 * 50);
  std::ostringstream md;
  write_sweep_markdown(md, trends);
  EXPECT_NE(md.str().find("| langchain | prompt tokens | 279 prompt tokens [279, 279] | 0: 300, 10: 3090, 20: 5880, 50: 14250 | 12 |"),
            std::string::npos)
      << md.str();
  // The chart escapes what came from outside.
  auto hostile = *t;
  hostile.system = "<b>\"x\"";
  const auto svg = sweep_chart_svg({&hostile}, [](const std::string&) { return "#000"; });
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;b&gt;&quot;x&quot;"), std::string::npos);
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
}

}  // namespace
}  // namespace legion::report
