// The real-model summary from a fixed run (real_model_fixture.hpp): figures checked against values
// worked out by hand from the fixture, and the rule that a real-model run's records never reach the
// scripted-model tables.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "legion/report/reporters.hpp"
#include "report/real_model_fixture.hpp"

namespace legion::report {
namespace {

const RealModelCell& cell(const RunResults& r, const std::string& scenario, const std::string& system) {
  for (const auto& c : r.real_model->cells)
    if (c.scenario == scenario && c.system == system) return c;
  throw std::logic_error("no cell " + scenario + " / " + system);
}

std::size_t failures(const FailureCounts& counts, const std::string& name) {
  for (std::size_t i = 0; i < kFailureColumns; ++i)
    if (failure_column_name(i) == name) return counts[i];
  throw std::logic_error("no failure class " + name);
}

TEST(RealModelSummary, ACellsSuccessTokensTimeAndCostFromItsTrials) {
  const auto run = testing::real_model_run();
  ASSERT_TRUE(run.real_model);
  EXPECT_TRUE(run.real_model->sampled);
  ASSERT_EQ(run.real_model->cells.size(), 6u);  // warm-ups left out
  const auto& c = cell(run, "single-tool", "native");
  EXPECT_EQ(c.trials, 5u);
  EXPECT_EQ(c.successes, 4u);
  ASSERT_TRUE(c.success_rate);
  EXPECT_DOUBLE_EQ(c.success_rate->point, 0.8);
  // Wilson 4/5 at 95%, from the formula with Python's statistics.NormalDist: [0.37553, 0.96378].
  EXPECT_NEAR(c.success_rate->lower, 0.37553462, 1e-7);
  EXPECT_NEAR(c.success_rate->upper, 0.96377589, 1e-7);
  EXPECT_DOUBLE_EQ(*c.pass_hat_k[0], 0.8);
  EXPECT_DOUBLE_EQ(*c.pass_hat_k[1], 0.6);  // C(4,2)/C(5,2) = 6/10
  EXPECT_DOUBLE_EQ(*c.pass_hat_k[4], 0.0);  // five of five never all succeed with one failure
  EXPECT_DOUBLE_EQ(*c.pass_at_k[1], 1.0);
  // Calls 2, 2, 4, 2, 2; prompt tokens calls × 310 + 7 (rep + 1); completion calls × 23; cached calls × 128.
  EXPECT_DOUBLE_EQ(c.calls, 2.4);
  EXPECT_DOUBLE_EQ(c.prompt_tokens, 765);
  EXPECT_DOUBLE_EQ(c.completion_tokens, 55.2);
  EXPECT_DOUBLE_EQ(c.cached_prompt_tokens, 307.2);
  EXPECT_DOUBLE_EQ(*c.tokens_per_success, (3825.0 + 276.0) / 4);
  // Cost: (3825 − 1536) × 0.4 + 1536 × 0.1 + 276 × 1.6 = 1510.8 per million, over 5 trials and 4 successes.
  EXPECT_NEAR(*c.cost_per_task, 1510.8e-6 / 5, 1e-15);
  EXPECT_NEAR(*c.cost_per_success, 1510.8e-6 / 4, 1e-15);
  // Framework 2 ms + 0.25 ms × (rep + 1); model 180 ms a call + 3 ms × (rep + 1): medians 2.75 and 372 ms.
  EXPECT_EQ(c.timed, 5u);
  EXPECT_NEAR(c.framework_ms->point, 2.75, 1e-9);
  EXPECT_NEAR(c.model_ms->point, 372, 1e-9);
  EXPECT_LE(c.framework_ms->lower, 2.75);
  EXPECT_GE(c.framework_ms->upper, 2.75);
  EXPECT_EQ(failures(c.failures, "no tool call"), 1u);
}

TEST(RealModelSummary, FailuresPerSystemInTheClassesOrderWithTheUnclassifiedLast) {
  const auto run = testing::real_model_run();
  const auto& other = run.real_model->systems[1];
  ASSERT_EQ(other.system, "other");
  EXPECT_EQ(other.trials, 10u);
  EXPECT_EQ(other.successes, 2u);
  EXPECT_EQ(failures(other.failures, "wrong tool"), 1u);
  EXPECT_EQ(failures(other.failures, "malformed arguments"), 1u);
  EXPECT_EQ(failures(other.failures, "gave up or looped"), 1u);
  EXPECT_EQ(failures(other.failures, "planted value lost"), 3u);
  EXPECT_EQ(failures(other.failures, "framework error"), 1u);
  EXPECT_EQ(failures(other.failures, "unclassified"), 1u);
  EXPECT_EQ(failure_column_name(kFailureColumns - 1), "unclassified");
  EXPECT_EQ(failure_column_name(0), kFailureClasses[0]);
  // A failed trial with an error still counts as a trial; its time is not in the medians.
  EXPECT_EQ(cell(run, "sequential-pipeline", "other").timed, 4u);
}

TEST(RealModelSummary, PassHatKPerSystemIsAveragedOverItsScenarios) {
  const auto run = testing::real_model_run();
  const auto& native = run.real_model->systems[0];
  EXPECT_EQ(native.scenarios, 2u);
  EXPECT_DOUBLE_EQ(*native.pass_hat_k[1], (0.6 + 0.3) / 2);  // C(4,2)/C(5,2) and C(3,2)/C(5,2)
  EXPECT_DOUBLE_EQ(native.success_rate->point, 7.0 / 10);
}

TEST(RealModelSummary, DeterministicTrialsDefineNoPassK) {
  const auto run = testing::real_model_run(false, false);
  EXPECT_FALSE(run.real_model->sampled);
  for (const auto& c : run.real_model->cells) {
    for (const auto& v : c.pass_hat_k) EXPECT_FALSE(v);
    for (const auto& v : c.pass_at_k) EXPECT_FALSE(v);
    EXPECT_FALSE(c.cost_per_task);  // no price: time only
    EXPECT_GT(c.model_seconds_per_task, 0);
  }
  std::ostringstream md;
  write_markdown(md, run);
  EXPECT_NE(md.str().find("pass^k (τ-bench) is not defined by them"), std::string::npos);
  EXPECT_NE(md.str().find("a local model has no price; its cost is its time"), std::string::npos);
}

TEST(RealModelSummary, AScriptedRunHasNone) {
  auto run = testing::real_model_run();
  run.context.real_model.reset();
  summarize_run(run);
  EXPECT_FALSE(run.real_model);
  std::ostringstream csv;
  write_real_model_csv(csv, run);
  const auto text = csv.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);  // the header alone
}

// The scripted-model tables (wall time, against the baseline, overhead, tokens) are the scripted
// model's: a real-model run's records are shown in its own section and never listed in them.
TEST(RealModelReport, TheScriptedTablesDoNotListRealModelRecords) {
  const auto run = testing::real_model_run();
  std::ostringstream md, html;
  write_markdown(md, run);
  write_html(html, run, "");
  for (const auto* scripted : {"### Wall time per task", "### Against the baseline", "### Framework overhead and memory",
                               "### LLM calls and tokens", "## Suite-wide"})
    EXPECT_EQ(md.str().find(scripted), std::string::npos) << scripted;
  EXPECT_NE(md.str().find("## Real model"), std::string::npos);
  for (const auto* scripted : {"data-metric=\"wall\"", "data-metric=\"overhead\"", "data-chart=\"intervals\"", "data-chart=\"decomposition\""})
    EXPECT_EQ(html.str().find(scripted), std::string::npos) << scripted;
  EXPECT_NE(html.str().find("<h4>Real model</h4>"), std::string::npos);
  // The same run without its real model is a scripted run: then the tables are there.
  auto scripted = run;
  scripted.context.real_model.reset();
  summarize_run(scripted);
  std::ostringstream scripted_md;
  write_markdown(scripted_md, scripted);
  EXPECT_NE(scripted_md.str().find("### Wall time per task"), std::string::npos);
  EXPECT_EQ(scripted_md.str().find("## Real model"), std::string::npos);
}

// A scripted run of the same systems and scenarios, with the given median overhead per system (ms).
RunResults scripted_run(const std::map<std::string, double>& overhead_ms) {
  RunResults r;
  r.context.run_id = "20260101T000000Z-1";
  r.context.systems = {"native", "other", "third"};
  for (const auto* scenario : {"single-tool", "sequential-pipeline"})
    for (int rep = 0; rep < 3; ++rep)
      for (const auto& [system, ms] : overhead_ms) {
        RunRecord rec;
        rec.system = system;
        rec.scenario = scenario;
        rec.repetition = rep;
        rec.model_busy_ns = 1'000'000;
        rec.oracle_ns = 1'000'000;
        rec.wall_ns = 1'000'000 + static_cast<std::int64_t>(ms * 1e6) + rep * 1000;
        rec.correct = true;
        r.records.push_back(rec);
      }
  summarize_run(r);
  return r;
}

TEST(RealBesideScripted, RanksBothRunsAndSaysWhetherTheRankingHolds) {
  const auto real = testing::real_model_run();
  // Real framework time: native ≈ 2.7 ms, other ≈ 40 ms, third ≈ 15 ms per task.
  const auto same = real_beside_scripted(real, scripted_run({{"native", 1}, {"other", 30}, {"third", 10}}));
  ASSERT_TRUE(same);
  EXPECT_EQ(same->scenarios, (std::vector<std::string>{"single-tool", "sequential-pipeline"}));
  ASSERT_EQ(same->rows.size(), 3u);
  EXPECT_EQ(same->rows[1].system, "other");
  EXPECT_EQ(same->rows[1].real_rank, 3);
  EXPECT_EQ(same->rows[1].scripted_rank, 3);
  EXPECT_TRUE(same->same_order);
  EXPECT_DOUBLE_EQ(*same->spearman_rho, 1.0);
  // third last with the scripted model: ranks (1, 3, 2) against (1, 2, 3), ρ = 0.5.
  const auto changed = real_beside_scripted(real, scripted_run({{"native", 1}, {"other", 30}, {"third", 100}}));
  ASSERT_TRUE(changed);
  EXPECT_FALSE(changed->same_order);
  EXPECT_DOUBLE_EQ(*changed->spearman_rho, 0.5);
  // Two real-model runs, or a scripted run with one system in common, are not compared.
  EXPECT_FALSE(real_beside_scripted(real, real));
  EXPECT_FALSE(real_beside_scripted(real, scripted_run({{"native", 1}, {"elsewhere", 3}})));
  // In a combined report, each real-model run meets the first scripted run that fits.
  const auto scripted = scripted_run({{"native", 1}, {"other", 30}, {"third", 10}});
  EXPECT_EQ(real_beside_scripted(std::vector<const RunResults*>{&scripted, &real}).size(), 1u);
  std::ostringstream md;
  write_combined_markdown(md, {&scripted, &real});
  EXPECT_NE(md.str().find("## Framework time with the real model beside scripted overhead"), std::string::npos);
  EXPECT_NE(md.str().find("**The ranking holds:**"), std::string::npos);
}

}  // namespace
}  // namespace legion::report
