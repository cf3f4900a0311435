// The publication's analysis: each of the seeds' criteria judged from records whose answer is known
// (pass, fail, inconclusive), the rigour check failing on a figure without its interval, and the
// conclusions following the evidence — swap two systems' results and the recommendation swaps.
#include "legion/report/publication.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace legion::report {
namespace {

// A coordination run at `profile`: each system's wall time is `factor` × the base, `repetitions`
// (12 unless given) with a spread, two model calls of 200 µs each, the memory given.
RunResults coordination(const std::string& profile, const std::map<std::string, double>& factor, const std::map<std::string, double>& rss_mb = {},
                        int repetitions = 12) {
  RunResults r;
  r.context.run_id = "run-" + profile;
  r.context.suite = "coordination";
  r.context.latency_profile = profile;
  r.context.seed = 3;
  for (const auto& [system, f] : factor) r.context.systems.push_back(system);
  r.context.scenarios = {"single-tool", "team-round-robin"};
  for (const auto& scenario : r.context.scenarios)
    for (int rep = 0; rep < repetitions; ++rep)
      for (const auto& [system, f] : factor) {
        RunRecord rec;
        rec.system = system;
        rec.scenario = scenario;
        rec.repetition = rep;
        rec.model_busy_ns = 400'000;
        rec.oracle_ns = 400'000;
        rec.wall_ns = 400'000 + static_cast<std::int64_t>(f * (100'000 + 2'000 * rep));
        rec.llm_calls = 2;
        rec.prompt_tokens = static_cast<std::uint64_t>(100 * f) + static_cast<std::uint64_t>(rep);
        rec.completion_tokens = 20;
        rec.rss_peak_bytes = static_cast<std::int64_t>((rss_mb.count(system) ? rss_mb.at(system) : 100.0) * 1024 * 1024) + rep * 4096;
        rec.correct = true;
        r.records.push_back(rec);
      }
  summarize_run(r);
  return r;
}

Publication publication(const std::map<std::string, double>& factor, const std::map<std::string, double>& rss_mb = {}, int repetitions = 12) {
  Publication p;
  p.runs = {coordination("zero", factor, rss_mb, repetitions), coordination("realistic", factor, rss_mb, repetitions)};
  p.multi_agent_scenarios = {"team-round-robin"};
  return p;
}

const CriterionVerdict& criterion(const std::vector<CriterionVerdict>& all, const std::string& start) {
  for (const auto& c : all)
    if (c.criterion.starts_with(start)) return c;
  throw std::runtime_error("no criterion " + start);
}

const Conclusion& conclusion(const std::vector<Conclusion>& all, const std::string& need) {
  for (const auto& c : all)
    if (c.need == need) return c;
  throw std::runtime_error("no conclusion " + need);
}

TEST(Publication, WithinTwentyPercentOfLangChainFollowsTheRatioInterval) {
  // Native 10× faster: the ratio is far below 1.2.
  EXPECT_EQ(criterion(judge_criteria(publication({{"native", 1}, {"langchain", 10}})), "LEGION performance").verdict, "pass");
  // Native 3× slower: the whole interval lies above 1.2.
  const auto slow = criterion(judge_criteria(publication({{"native", 3}, {"langchain", 1}})), "LEGION performance");
  EXPECT_EQ(slow.verdict, "fail");
  EXPECT_NE(slow.measured.find("zero latency"), std::string::npos) << slow.measured;
  EXPECT_NE(slow.from.find("run-realistic"), std::string::npos) << slow.from;
  // Equal speed: a ratio about 1, its interval below 1.2.
  EXPECT_EQ(criterion(judge_criteria(publication({{"native", 1}, {"langchain", 1}})), "LEGION performance").verdict, "pass");
  // No LangChain in the runs: not measured, and why.
  const auto alone = criterion(judge_criteria(publication({{"native", 1}, {"agno", 1}})), "LEGION performance");
  EXPECT_EQ(alone.verdict, "not measured");
  EXPECT_NE(alone.measured.find("langchain"), std::string::npos);
}

TEST(Publication, CoordinationOverheadIsJudgedOnMultiAgentScenariosAtRealisticLatency) {
  // Overhead 100–122 µs of 500–522 µs wall: about 20%, above 15%.
  EXPECT_EQ(criterion(judge_criteria(publication({{"native", 1}, {"langchain", 2}})), "LEGION coordination overhead").verdict, "fail");
  // A tenth of that: about 2.4%.
  auto p = publication({{"native", 0.1}, {"langchain", 2}});
  const auto c = criterion(judge_criteria(p), "LEGION coordination overhead");
  EXPECT_EQ(c.verdict, "pass");
  EXPECT_NE(c.measured.find("over 1 multi-agent scenario"), std::string::npos) << c.measured;
  // Without a multi-agent scenario there is nothing to judge.
  p.multi_agent_scenarios.clear();
  EXPECT_EQ(criterion(judge_criteria(p), "LEGION coordination overhead").verdict, "not measured");
  // Without a realistic run neither.
  p = publication({{"native", 0.1}, {"langchain", 2}});
  p.runs.pop_back();
  const auto none = criterion(judge_criteria(p), "LEGION coordination overhead");
  EXPECT_EQ(none.verdict, "not measured");
  EXPECT_NE(none.measured.find("realistic"), std::string::npos);
}

TEST(Publication, MemoryIsJudgedAgainstTheFrameworksMedian) {
  const std::map<std::string, double> systems{{"native", 1}, {"langchain", 2}, {"agno", 2}, {"crewai", 2}};
  EXPECT_EQ(criterion(judge_criteria(publication(systems, {{"native", 10}, {"langchain", 150}, {"agno", 90}, {"crewai", 200}})), "Memory").verdict, "pass");
  EXPECT_EQ(criterion(judge_criteria(publication(systems, {{"native", 400}, {"langchain", 150}, {"agno", 90}, {"crewai", 200}})), "Memory").verdict, "fail");
  // Native with the same memory as the median framework: its interval holds the threshold.
  EXPECT_EQ(criterion(judge_criteria(publication(systems, {{"native", 150}, {"langchain", 150}, {"agno", 90}, {"crewai", 200}})), "Memory").verdict,
            "inconclusive");
}

// A scalability run whose levels have these rounds' throughputs.
StressRuns scalability_run(const std::map<int, std::vector<double>>& rounds, int cores) {
  StressRun run;
  run.run_id = "scalability-1";
  run.config = {{"suite", "scalability"}, {"machine", {{"cores", cores}}}};
  run.extra["horizontal"] = nlohmann::json::array();
  for (const auto& [n, xs] : rounds) run.extra["horizontal"].push_back({{"engines", n}, {"rounds", xs}});
  return {{}, {run}};
}

TEST(Publication, ScalabilityUsesEveryPairOfRoundsUpToTheCpus) {
  auto p = publication({{"native", 1}});
  // Two engines give 1.6–1.8× one engine's throughput: a cost of 1.11–1.25 per instance.
  p.stress = scalability_run({{1, {1000, 1000}}, {2, {1600, 1800}}, {4, {1000, 1000}}}, 2);
  auto c = criterion(judge_criteria(p), "Scalability");
  EXPECT_EQ(c.verdict, "pass") << c.measured;  // N = 4 is beyond the 2 CPUs: not judged
  EXPECT_NE(c.measured.find("N = 2"), std::string::npos);
  EXPECT_EQ(c.measured.find("N = 4"), std::string::npos);
  // No gain at all: 2.0 per instance.
  p.stress = scalability_run({{1, {1000, 1100}}, {2, {1000, 1050}}}, 2);
  EXPECT_EQ(criterion(judge_criteria(p), "Scalability").verdict, "fail");
  // Rounds that straddle 1.5.
  p.stress = scalability_run({{1, {1000, 1000}}, {2, {1200, 1500}}}, 2);
  EXPECT_EQ(criterion(judge_criteria(p), "Scalability").verdict, "inconclusive");
  // One round a level: a point without a range decides nothing.
  p.stress = scalability_run({{1, {1000}}, {2, {1900}}}, 2);
  c = criterion(judge_criteria(p), "Scalability");
  EXPECT_EQ(c.verdict, "inconclusive");
  EXPECT_NE(c.measured.find("one round"), std::string::npos) << c.measured;
  p.stress.reset();
  EXPECT_EQ(criterion(judge_criteria(p), "Scalability").verdict, "not measured");
}

TEST(Publication, RigourFailsOnAFigureWithoutItsInterval) {
  auto p = publication({{"native", 1}, {"langchain", 10}});
  EXPECT_EQ(criterion(judge_criteria(p), "All benchmarks").verdict, "pass");
  p.runs[0].summaries[1].wall_median_ci.reset();
  const auto c = criterion(judge_criteria(p), "All benchmarks");
  EXPECT_EQ(c.verdict, "fail");
  EXPECT_NE(c.measured.find("no interval on the median wall time"), std::string::npos) << c.measured;
  EXPECT_EQ(criterion(judge_criteria(p), "Reproducibility").verdict, "not measured");
}

// The quick form's three repetitions decide nothing, whatever their intervals say: each criterion
// names the cells it could not judge, and no conclusion names a system.
TEST(Publication, FewerThanTenRepetitionsDecideNothing) {
  const auto p = publication({{"native", 1}, {"langchain", 10}}, {{"native", 10}, {"langchain", 150}}, 3);
  const auto all = judge_criteria(p);
  for (const auto* name : {"LEGION performance", "LEGION coordination overhead", "Memory"}) {
    const auto& c = criterion(all, name);
    EXPECT_EQ(c.verdict, "inconclusive") << name;
    EXPECT_NE(c.measured.find("3 completed, fewer than 10"), std::string::npos) << c.measured;
  }
  for (const auto& c : draw_conclusions(p)) EXPECT_FALSE(c.recommended) << c.need << ": " << c.text;
}

// A comparable scenario without enough completed tasks leaves the criterion undecided, even when
// every other scenario passes; the cell is named.
TEST(Publication, AScenarioWithoutEnoughTasksIsNotDroppedSilently) {
  auto p = publication({{"native", 1}, {"langchain", 10}});
  for (auto& run : p.runs) {
    for (auto& rec : run.records)
      if (rec.system == "langchain" && rec.scenario == "team-round-robin" && rec.repetition >= 4) rec.error = "timeout";
    summarize_run(run);
  }
  const auto c = criterion(judge_criteria(p), "LEGION performance");
  EXPECT_EQ(c.verdict, "inconclusive");
  EXPECT_NE(c.measured.find("team-round-robin (langchain: 4 completed"), std::string::npos) << c.measured;
  // langchain is then left out of the comparisons, and the sentence says so.
  const auto conclusions = draw_conclusions(p);
  EXPECT_NE(conclusion(conclusions, "lowest overhead").text.find("Not compared"), std::string::npos);
}

TEST(Publication, ARoundThatCompletedNothingIsAnInfiniteCost) {
  auto p = publication({{"native", 1}});
  p.stress = scalability_run({{1, {1000, 1000}}, {2, {0, 0}}}, 2);
  EXPECT_EQ(criterion(judge_criteria(p), "Scalability").verdict, "fail");
  p.stress = scalability_run({{1, {1000, 1000}}, {2, {1900, 0}}}, 2);
  EXPECT_NE(criterion(judge_criteria(p), "Scalability").verdict, "pass");
  p.stress = scalability_run({{1, {0, 1000}}, {2, {1900, 1800}}}, 2);
  const auto c = criterion(judge_criteria(p), "Scalability");
  EXPECT_EQ(c.verdict, "not measured");
  EXPECT_NE(c.measured.find("no baseline"), std::string::npos) << c.measured;
}

TEST(Publication, StressCriteriaFollowTheBenchmarkOnes) {
  auto p = publication({{"native", 1}});
  p.stress = StressRuns{{{"zero data loss", "every task", "pass", "0 lost", "load"}}, {}};
  const auto all = judge_criteria(p);
  ASSERT_EQ(all.size(), 8u);  // six benchmarking criteria, reproducibility in two rows, then the stress one
  EXPECT_EQ(all.back().kind, "stress");
  EXPECT_EQ(all.back().verdict, "pass");
}

TEST(Publication, ConclusionsFollowTheEvidenceAndSwapWithIt) {
  const auto p = publication({{"native", 1}, {"langchain", 20}, {"agno", 5}}, {{"native", 10}, {"langchain", 150}, {"agno", 90}});
  const auto conclusions = draw_conclusions(p);
  const auto& overhead = conclusion(conclusions, "lowest overhead");
  EXPECT_EQ(overhead.recommended, "native") << overhead.text;
  EXPECT_NE(overhead.text.find("next, agno"), std::string::npos) << overhead.text;
  EXPECT_NE(overhead.evidence.find("Framework overhead and memory"), std::string::npos);
  EXPECT_EQ(conclusion(conclusions, "lowest overhead among the frameworks").recommended, "agno");
  EXPECT_EQ(conclusion(conclusions, "least memory").recommended, "native");
  EXPECT_EQ(conclusion(conclusions, "fewest tokens").recommended, "native");

  // The same records with agno's and langchain's names swapped: the recommendation swaps too.
  auto swapped = p;
  for (auto& run : swapped.runs) {
    for (auto& rec : run.records) rec.system = rec.system == "agno" ? "langchain" : rec.system == "langchain" ? "agno" : rec.system;
    summarize_run(run);
  }
  EXPECT_EQ(conclusion(draw_conclusions(swapped), "lowest overhead among the frameworks").recommended, "langchain");
}

TEST(Publication, NoRecommendationWhereIntervalsOverlap) {
  // langchain and agno alike: no framework stands out.
  const auto p = publication({{"native", 1}, {"langchain", 5}, {"agno", 5.001}});
  const auto conclusions = draw_conclusions(p);
  const auto& c = conclusion(conclusions, "lowest overhead among the frameworks");
  EXPECT_FALSE(c.recommended) << c.text;
  EXPECT_TRUE(c.text.starts_with("No ")) << c.text;
  EXPECT_NE(c.text.find("overlap"), std::string::npos) << c.text;
}

TEST(Publication, FaultRecoveryAndFeatureCoverage) {
  auto p = publication({{"native", 1}, {"langchain", 20}});
  StressRun failure;
  failure.run_id = "failure-1";
  failure.config = {{"suite", "failure"}};
  auto faults = [](int native, int langchain) {
    return nlohmann::json{{"systems", {{"native", {{"correct", native}, {"tasks", 40}}}, {"langchain", {{"correct", langchain}, {"tasks", 40}}}}}};
  };
  failure.extra["model_faults"] = {{"none", faults(0, 40)}, {"http_429", faults(40, 10)}, {"timeout", faults(40, 20)}};
  p.stress = StressRuns{{}, {failure}};
  p.features = FeatureMatrixReport{"r", {"native", "langchain"}, {{"Tools", "call", {{"supported", ""}, {"supported", ""}}},
                                                                  {"Memory", "store", {{"partial", ""}, {"supported", ""}}}}};
  auto conclusions = draw_conclusions(p);
  const auto& recovery = conclusion(conclusions, "best recovery from faults");
  EXPECT_EQ(recovery.recommended, "native") << recovery.text;  // 80/80 against 30/80; the run without faults left out
  EXPECT_NE(recovery.text.find("80/80"), std::string::npos) << recovery.text;
  EXPECT_NE(recovery.text.find("30/80"), std::string::npos) << recovery.text;
  EXPECT_EQ(conclusion(conclusions, "widest feature coverage").recommended, "langchain");
  // Close shares: no recommendation.
  failure.extra["model_faults"] = {{"http_429", faults(39, 38)}};
  p.stress = StressRuns{{}, {failure}};
  EXPECT_FALSE(conclusion(draw_conclusions(p), "best recovery from faults").recommended);
}

TEST(Publication, TheStressSuitesFiguresAreInThePaperInTheSystemsColours) {
  auto p = publication({{"native", 1}, {"langchain", 20}});
  nlohmann::json samples = nlohmann::json::array();
  for (int t = 1; t <= 5; ++t)
    samples.push_back({{"t_s", t}, {"completed", 2}, {"failed", 0}, {"queue_depth", 0}, {"agents", 20}, {"p50_us", 9000}, {"p99_us", 20000},
                       {"max_us", 30000}, {"system", {{"rss_mb", 90.0}, {"fds", 12}}}, {"server", {{"rss_mb", 20.0}}}});
  nlohmann::json phase = {{"name", "langchain / endurance"},
                          {"spec", {{"description", "20 agents"}, {"load_class", "normal"}, {"system", "langchain"}, {"stages", nlohmann::json::array()},
                                    {"bursts", nlohmann::json::array()}, {"most_agents", 20}, {"schedule_s", 5.0}}},
                          {"summary", {{"elapsed_s", 5.0}, {"peak_agents", 20}, {"peak_queue_depth", 0}}},
                          {"samples", samples},
                          {"latency_us", nlohmann::json::array({9000, 20000})},
                          {"service_us", nlohmann::json::array({8000, 19000})}};
  phase["ledger"] = {{"submitted", 10}, {"completed", 10}, {"failed", 0}, {"open", 0}, {"reasons", nlohmann::json::object()}, {"errors", nlohmann::json::array()}};
  nlohmann::json raw = {{"run_id", "endurance-1"}, {"started_at", "2026-01-01T00:00:00Z"}, {"finished", true}, {"interrupted", false},
                        {"extra", nlohmann::json::object()}};
  raw["config"] = {{"suite", "endurance"}, {"command", "legion-bench --suite endurance --systems langchain"}, {"mode", "open"},
                   {"arrival", "constant"}, {"scenario", "single-tool"}, {"latency", "zero"}, {"max_retries", 0}, {"request_timeout_s", 30},
                   {"recovery_factor", 2.0}};
  raw["config"]["machine"] = {{"cpu", "Test CPU"}, {"cores", 2}, {"kernel", "6.1.0-test"}, {"loadavg_at_start", "0.50 0.40 0.30 1/100 4242"}};
  raw["phases"] = nlohmann::json::array({phase});
  p.stress = combine_stress({analyze_stress(raw, {false, true, false})});
  const auto page = render(publication_document(), "html", p);
  const auto part = page.find("Stress suites</h3>");
  ASSERT_NE(part, std::string::npos);
  const auto figure = page.find("The endurance suite on one time axis", part);
  ASSERT_NE(figure, std::string::npos) << page.substr(part, 2000);
  // langchain is the second system of the paper: its colour in the coordination charts and here.
  EXPECT_NE(page.find("stroke=\"#E69F00\" points=", part), std::string::npos);
  // Numbered after the figures before it.
  const auto number = page.rfind("<b>Figure ", figure);
  EXPECT_GT(std::stoi(page.substr(number + 10)), 1);
}

TEST(Publication, VerifyNamesEveryFigureOutsideTheDriftAndJudgesReproducibility) {
  const auto drift = [](const std::string&, const std::string&, const std::string&) { return 0.4; };
  auto before = publication({{"native", 1}, {"langchain", 20}});
  before.quick = true;
  before.stress = StressRuns{{}, {}};
  StressRun load;
  load.config = {{"suite", "load"}};
  load.criteria = {{"zero data loss", "every task", "pass", "0 lost", "load"}};
  before.stress->runs.push_back(load);
  const auto baseline = publication_baseline(before);
  ASSERT_EQ(baseline["cells"].size(), 2u * 2 * 2);  // two runs, two scenarios, two systems
  // The same figures: nothing outside, and the criterion passes.
  auto same = verify_publication(baseline, baseline, drift);
  EXPECT_EQ(same.outside(), 0u);
  EXPECT_EQ(same.figures.size(), 8u * 3 + 1);  // wall, correct, tokens a cell; the stress verdict
  before.verification = same;
  analyze_publication(before);
  auto verdict = [](const Publication& p) {
    for (const auto& c : p.criteria)
      if (c.criterion.starts_with("Reproducibility: the quick form")) return c;
    throw std::runtime_error("no reproducibility criterion");
  };
  EXPECT_EQ(verdict(before).verdict, "pass") << verdict(before).measured;

  // LangChain 1.5× slower (beyond ±40%), its tokens changed, a verdict changed, native's realistic run gone.
  auto after = publication({{"native", 1}, {"langchain", 30}});
  after.runs.pop_back();
  after.stress = before.stress;
  after.stress->runs[0].criteria[0].status = "fail";
  // Published figures: compared by their verdict's class, not by the figure inside it; one side's
  // unmeasured figure is not compared.
  auto published = [](const std::string& first, const std::string& second, const std::string& third) {
    return std::vector<PublishedComparison>{{"Zero-I/O", "m", "c",
                                             {{"seq-us", "s", "5 µs", "6 µs", first}, {"ratio", "s", "2", "2", second}, {"par-us", "s", "9 µs", "—", third}}}};
  };
  auto published_before = before;
  published_before.published = published("not comparable across machines (absolute-time); 1.25× the published figure", "reproduced: 1.02×", "not measured");
  auto published_after = before;
  published_after.published = published("not comparable across machines (absolute-time); 1.31× the published figure", "differs: 2.10×", "reproduced: 1.00×");
  const auto p = verify_publication(publication_baseline(published_before), publication_baseline(published_after), drift);
  std::map<std::string, bool> by_figure;
  for (const auto& f : p.figures) by_figure[f.figure] = f.outside;
  EXPECT_FALSE(by_figure.at("Zero-I/O: seq-us"));
  EXPECT_TRUE(by_figure.at("Zero-I/O: ratio"));
  EXPECT_FALSE(by_figure.count("Zero-I/O: par-us"));
  EXPECT_EQ(p.not_compared, std::vector<std::string>{"Zero-I/O: par-us: not measured in the baseline"});

  const auto v = verify_publication(baseline, publication_baseline(after), drift);
  std::set<std::string> outside;
  for (const auto& f : v.figures)
    if (f.outside) outside.insert(f.figure);
  EXPECT_TRUE(outside.count("coordination/zero · single-tool · langchain: median wall time"));
  EXPECT_TRUE(outside.count("coordination/zero · single-tool · langchain: median tokens"));
  EXPECT_TRUE(outside.count("stress load: zero data loss"));
  EXPECT_FALSE(outside.count("coordination/zero · single-tool · native: median wall time"));
  EXPECT_EQ(v.not_compared.size(), 4u);  // the realistic run's four cells
  before.verification = v;
  analyze_publication(before);
  EXPECT_EQ(verdict(before).verdict, "fail");
  EXPECT_NE(verdict(before).measured.find("langchain: median wall time"), std::string::npos) << verdict(before).measured;
}

}  // namespace
}  // namespace legion::report
