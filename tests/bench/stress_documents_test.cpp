// The stress documents from fixed runs (golden files: tests/data/golden/, named as documents_test.cpp
// says: stress's files under their own names, stress-combined's under stress-combined/), and a
// stress suite registered from test code: listed, validated, planned, run and published like the
// built-in ones. After an intended change of format:
//   LEGION_UPDATE_GOLDEN=1 build/tests/legion_stress_tests --gtest_filter='StressGolden*'
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "checks.hpp"
#include "legion/report/stress.hpp"
#include "stress/ledger.hpp"
#include "stress/suite.hpp"
#include "test_support.hpp"

namespace legion::bench::stress {
namespace {

using nlohmann::json;

const json kMachine = {{"cpu", "Test CPU @ 2.00GHz"}, {"cores", 2}, {"kernel", "6.1.0-test"}, {"loadavg_at_start", "0.50 0.40 0.30 1/100 4242"}};

json config(const std::string& suite) {
  return {{"suite", suite},        {"command", "legion-bench --suite " + suite + " --smoke"},
          {"mode", "open"},        {"arrival", "constant"},
          {"scenario", "single-tool"}, {"latency", "zero"},
          {"max_retries", 0},      {"request_timeout_s", 30},
          {"recovery_factor", 2.0}, {"machine", kMachine}};
}

// One second's sample; p99 and the queue as the test's story needs them.
json sample(double t, int agents, std::int64_t completed, std::int64_t p99_us, std::int64_t queue, double rss_mb) {
  return {{"t_s", t},          {"submitted", completed}, {"completed", completed}, {"failed", 0},
          {"queue_depth", queue}, {"in_flight", agents / 2}, {"agents", agents},     {"target_rate", static_cast<double>(completed)},
          {"p50_us", p99_us / 2}, {"p90_us", p99_us * 3 / 4}, {"p99_us", p99_us},    {"max_us", p99_us * 2},
          {"system", {{"rss_mb", rss_mb}, {"cpu", 0.25}, {"threads", agents + 4}, {"fds", 12}}},
          {"server", {{"rss_mb", 20.5}, {"cpu", 0.125}, {"threads", 3}, {"fds", 9}}}};
}

json phase(const std::string& name, const std::string& system, const std::string& load_class, int agents, json spec_extra, json samples,
           std::int64_t tasks, std::int64_t failed) {
  json spec = {{"description", name + " as planned"}, {"load_class", load_class}, {"system", system}, {"stages", json::array()},
               {"bursts", json::array()}, {"most_agents", agents}, {"schedule_s", static_cast<double>(samples.size())}};
  if (spec_extra.is_object()) spec.update(spec_extra);
  json latency = json::array(), service = json::array();
  for (std::int64_t i = 0; i < tasks - failed; ++i) latency.push_back(1000 + 37 * (i % 50)), service.push_back(800 + 11 * (i % 50));
  json reasons = failed ? json{{"HTTP 500 from the model server", failed}} : json::object();
  return {{"name", name},
          {"spec", spec},
          {"summary", {{"elapsed_s", static_cast<double>(samples.size()) + 0.5}, {"peak_agents", agents}, {"peak_queue_depth", 3}}},
          {"samples", samples},
          {"ledger", {{"submitted", tasks}, {"completed", tasks - failed}, {"failed", failed}, {"open", 0}, {"reasons", reasons}, {"errors", json::array()}}},
          {"latency_us", latency},
          {"service_us", service}};
}

json raw(const std::string& suite, const std::string& run_id, json phases, json extra = json::object()) {
  return {{"run_id", run_id}, {"started_at", "2026-01-01T00:00:00Z"}, {"finished", true}, {"interrupted", false},
          {"config", config(suite)}, {"extra", extra}, {"phases", phases}};
}

// Load: two systems, two levels each; the framework's second level over its limit.
report::StressRun load_run() {
  json phases = json::array();
  for (const auto& [system, slow] : {std::pair{"native", 1}, std::pair{"langgraph", 4}}) {
    for (const auto& [agents, cls] : {std::pair{10, "normal"}, std::pair{100, "normal"}}) {
      json samples = json::array();
      for (int t = 1; t <= 4; ++t) samples.push_back(sample(t, agents, 25 * agents / 10, 2000 * slow * (agents == 100 ? slow : 1), 0, 30 + t));
      phases.push_back(phase(std::string(system) + " / " + std::to_string(agents) + " agents", system, cls, agents,
                             {{"start_rate", 25.0 * agents / 10}}, samples, 100, system == std::string("langgraph") && agents == 100 ? 1 : 0));
    }
  }
  return report::analyze_stress(raw("load", "load-20260101T000000Z-1", phases), {false, false, true});
}

// Spike: p99 leaves its baseline on the ramp and is back 6 s after the burst.
report::StressRun spike_run() {
  json samples = json::array();
  for (int t = 1; t <= 50; ++t) {
    const bool raised = t > 12 && t <= 36;
    samples.push_back(sample(t, t <= 10 ? 10 : 100, t <= 10 ? 50 : 200, raised ? 9000 : 2000, raised ? 40 : 0, 40));
  }
  const json stages = json::array({{{"seconds", 10.0}, {"agents", 10}, {"rate", 50.0}},
                                   {{"seconds", 10.0}, {"agents", 100}, {"rate", 500.0}},
                                   {{"seconds", 10.0}, {"agents", 100}, {"rate", 500.0}},
                                   {{"seconds", 20.0}, {"agents", 100}, {"rate", 50.0}}});
  auto p = phase("native / spike", "native", "extreme", 100, {{"stages", stages}, {"bursts", json::array({{{"at_s", 30.0}, {"count", 1000}}})}},
                 samples, 1200, 0);
  p["summary"]["bus"] = {{"intended_rate", 1000}, {"published", 10000}, {"delivered", 100000}, {"expected_deliveries", 100000},
                         {"subscribers", 10}, {"seconds", 10.0}, {"achieved_rate", 1000.0}, {"p50_us", 12}, {"p99_us", 80}, {"max_us", 400}};
  return report::analyze_stress(raw("spike", "spike-20260101T000000Z-2", json::array({p})), {true, false, false});
}

// Endurance: a flat RSS, no leak.
report::StressRun endurance_run() {
  json samples = json::array();
  for (int t = 1; t <= 20; ++t) samples.push_back(sample(t, 20, 100, 2000 + 10 * (t % 3), 0, 64 + 0.01 * (t % 2)));
  return report::analyze_stress(raw("endurance", "endurance-20260101T000000Z-3", json::array({phase("native / endurance", "native", "normal", 20, {}, samples, 2000, 0)})),
                                {false, true, false});
}

void check_golden(const std::string& name, const std::string& actual) {
  const auto file = std::filesystem::path(LEGION_TEST_DATA) / "golden" / name;
  if (std::getenv("LEGION_UPDATE_GOLDEN")) {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(file, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << file;
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "differs from " << file << " (LEGION_UPDATE_GOLDEN=1 rewrites it)";
}

template <typename Model>
void check_document(const report::Document<Model>& document, const Model& model, const std::string& folder = "") {
  for (const auto& r : document.renderings) check_golden(folder + r.file_name, report::render(document, r.name, model));
}

TEST(StressGolden, RunDocument) {
  auto run = spike_run();
  run.pdf_note = " (not written: /nonexistent/chromium is not installed (scripts/bootstrap.sh installs it))";
  check_document(report::stress_document(), run);
}

TEST(StressGolden, CombinedDocumentAndPerformanceTuning) {
  const auto runs = report::combine_stress({load_run(), spike_run(), endurance_run()});
  check_document(report::stress_combined_document(), runs, "stress-combined/");
  check_document(report::performance_tuning_document(), runs);
}

// Endurance runs of one system that disagree (one grows 5 MB a second, one stays flat): of
// comparable length, PERFORMANCE_TUNING.md says neither settles it; a run at least twice as long
// decides, and the shorter one's item points to it — never two verdicts that contradict.
report::StressRun leaking_run(const std::string& id, int seconds) {
  json samples = json::array();
  for (int t = 1; t <= seconds; ++t) samples.push_back(sample(t, 20, 100, 2000 + 10 * (t % 3), 0, 64 + 5.0 * t));
  return report::analyze_stress(raw("endurance", id, json::array({phase("native / endurance", "native", "normal", 20, {}, samples, 2000, 0)})),
                                {false, true, false});
}

TEST(StressGolden, EnduranceRunsThatDisagreeSaySo) {
  const auto leaking = leaking_run("endurance-20260101T000000Z-4", 20);
  ASSERT_TRUE(leaking.phases[0]["analysis"]["leak"].get<bool>());
  auto text = report::render(report::performance_tuning_document(), "markdown", report::combine_stress({endurance_run(), leaking}));
  EXPECT_NE(text.find("native / endurance: the runs disagree — this one found no leak over 20 s (RSS slope 0.00 MB/h), run "
                      "`endurance-20260101T000000Z-4` (20 s) the opposite"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("this one found a **leak**"), std::string::npos) << text;
  EXPECT_EQ(text.find("no periodic restart is needed"), std::string::npos) << text;

  // A leaking run of 45 samples (46 s) against the flat one of 20 s: the longer one decides.
  text = report::render(report::performance_tuning_document(), "markdown",
                        report::combine_stress({endurance_run(), leaking_run("endurance-20260101T000000Z-5", 45)}));
  EXPECT_NE(text.find("native / endurance: this run found no leak over 20 s (RSS slope 0.00 MB/h), the longer run `endurance-20260101T000000Z-5` "
                      "(46 s) the opposite, and the longer run decides"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("native / endurance: shorter runs found the opposite (run `endurance-20260101T000000Z-3` (20 s)); this run, at least twice "
                      "as long, decides."),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("native / endurance: a **leak** was found over 46 s"), std::string::npos) << text;
  EXPECT_EQ(text.find("no periodic restart is needed"), std::string::npos) << text;
}

// What each suite's report derives is the suite's to say: the same spike run analysed without
// spike recovery has no recovery and no recovery criterion measured.
TEST(StressGolden, TheSuitesAnalysisDecidesWhatIsDerived) {
  const auto with = spike_run();
  ASSERT_TRUE(with.phases[0]["analysis"].contains("recovery"));
  EXPECT_EQ(with.criteria[2].status, "pass") << with.criteria[2].measured;
  const auto without = report::analyze_stress(raw("spike", "s", json::array({phase("native / spike", "native", "extreme", 100, {}, json::array(), 10, 0)})));
  EXPECT_FALSE(without.phases[0]["analysis"].contains("recovery"));
  EXPECT_EQ(without.criteria[2].status, "not measured");
}

// ---------------------------------------------------------------- figures

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The part of a page between two markers.
std::string between(const std::string& page, const std::string& from, const std::string& to) {
  const auto a = page.find(from);
  const auto b = page.find(to, a == std::string::npos ? 0 : a);
  return a == std::string::npos || b == std::string::npos ? std::string() : page.substr(a, b - a);
}

TEST(StressFigures, LevelsArePanelsOnOneTimeAxisWithEverySystemInItsColour) {
  const auto page = report::render(report::stress_document(), "html", load_run());
  const auto figures = between(page, "<h2>Figures</h2>", "</figure>");
  ASSERT_FALSE(figures.empty()) << page;
  EXPECT_EQ(count(page, "<b>Figure "), 1u);  // one figure carries the suite: not one chart per phase
  EXPECT_NE(figures.find(">10 agents</text>"), std::string::npos);
  EXPECT_NE(figures.find(">100 agents</text>"), std::string::npos);
  for (const auto* row : {"Completed tasks per second", "p99 latency from the intended start", "Resident memory of the system under test"})
    EXPECT_NE(figures.find(row), std::string::npos) << row;
  EXPECT_EQ(figures.find("Tasks queued"), std::string::npos);  // no burst in a load run
  // native first, then langgraph: each in its colour, on both levels.
  EXPECT_EQ(count(figures, "stroke=\"#0072B2\" points="), 2u * 3);
  EXPECT_EQ(count(figures, "stroke=\"#E69F00\" points="), 2u * 3);
  EXPECT_EQ(figures.find("stroke-dasharray=\"4 3\""), std::string::npos);  // no second with a failure: no failure line
  // The per-phase charts follow in an appendix that the PDF leaves out.
  EXPECT_LT(page.find("<h2>Figures</h2>"), page.find("<section class=\"phase-detail\">"));
  EXPECT_NE(page.find("@media print{.phase-detail{display:none}}"), std::string::npos);

  auto raw_run = raw("load", "load-x", json::array({phase("native / 10 agents", "native", "normal", 10, {},
                                                          json::array({sample(1, 10, 5, 900, 0, 20), sample(2, 10, 5, 900, 0, 20),
                                                                       sample(3, 10, 5, 900, 0, 20)}),
                                                          15, 2)}));
  raw_run["phases"][0]["samples"][1]["failed"] = 2;
  const auto with_failures = report::render(report::stress_document(), "html", report::analyze_stress(raw_run, {false, false, true}));
  EXPECT_NE(between(with_failures, "<h2>Figures</h2>", "</figure>").find("stroke-dasharray=\"4 3\""), std::string::npos);
}

// A level too short for its whole label keeps the label's first word beside the others' whole ones.
TEST(StressFigures, ANarrowPanelKeepsTheFirstWordOfItsLabel) {
  json short_level = json::array(), long_level = json::array();
  for (int t = 1; t <= 8; ++t) short_level.push_back(sample(t, 10, 5, 900, 0, 20));
  for (int t = 1; t <= 200; ++t) long_level.push_back(sample(t, 100, 50, 900, 0, 20));
  const auto run = report::analyze_stress(raw("load", "load-narrow", json::array({phase("native / 10 agents", "native", "normal", 10, {}, short_level, 15, 2),
                                                                                  phase("native / 100 agents", "native", "normal", 100, {}, long_level, 15, 2)})));
  const auto figures = between(report::render(report::stress_document(), "html", run), "<h2>Figures</h2>", "</figure>");
  ASSERT_FALSE(figures.empty());
  EXPECT_NE(figures.find("class=\"sf-label\">10</text>"), std::string::npos) << figures;
  EXPECT_NE(figures.find("class=\"sf-label\">100 agents</text>"), std::string::npos);
}

TEST(StressFigures, TheSpikeIsMarkedAndLatencySpanningDecadesIsOnALogScale) {
  auto r = raw("spike", "spike-x", json::array());
  json samples = json::array();
  for (int t = 1; t <= 12; ++t) samples.push_back(sample(t, 100, 50, t == 6 ? 900000 : 800, t == 6 ? 900 : 0, 30));
  r["phases"].push_back(phase("native / spike", "native", "extreme", 100, {{"bursts", json::array({{{"at_s", 5.0}, {"count", 1000}}})}}, samples, 600, 0));
  const auto figures = between(report::render(report::stress_document(), "html", report::analyze_stress(r, {true, false, false})), "<h2>Figures</h2>", "</figure>");
  EXPECT_NE(figures.find("burst of 1000 tasks"), std::string::npos) << figures;
  EXPECT_NE(figures.find("p99 latency from the intended start (ms, log scale)"), std::string::npos);
  EXPECT_NE(figures.find("Tasks queued (tasks)"), std::string::npos);  // a run with a burst shows its queue
  EXPECT_NE(figures.find("Completed tasks per second (tasks/s)</text>"), std::string::npos);  // flat: linear
}

TEST(StressFigures, NothingIsDrawnWhereThereIsNoData) {
  const auto run = report::analyze_stress(raw("scalability", "s", json::array({phase("1 engine, round 1", "native", "broker", 8, {}, json::array(), 200, 0)})));
  const auto page = report::render(report::stress_document(), "html", run);
  EXPECT_EQ(page.find("<h2>Figures</h2>"), std::string::npos);
  EXPECT_EQ(page.find("<svg"), std::string::npos);
  EXPECT_NE(page.find("Too short for per-second charts (their figures are in the tables): 1 engine, round 1."), std::string::npos);
}

TEST(StressFigures, HorizontalScalingShowsEveryRoundAndTheLinearIdeal) {
  json horizontal = json::array();
  for (int n = 1; n <= 3; ++n)
    horizontal.push_back({{"engines", n}, {"rounds", json::array({1000.0 * n * 0.9, 1000.0 * n})}, {"throughput", 1000.0 * n * 0.95}, {"linear_factor", 0.95}});
  const auto run = report::analyze_stress(raw("scalability", "s", json::array(), {{"horizontal", horizontal}}));
  const auto page = report::render(report::stress_document(), "html", run);
  const auto figure = between(page, "<h2>Figures</h2>", "</figure>");
  EXPECT_EQ(count(figure, "<circle r=\"3\""), 6u);  // two rounds at each of three levels
  EXPECT_NE(figure.find("linear: N × X(1)"), std::string::npos);
  EXPECT_NE(figure.find(">engine processes (N)</text>"), std::string::npos);
}

TEST(StressFigures, EachFaultsRecoveryIsDrawnFromTheLedgerWithTheFaultMarked) {
  // 20 tasks/s for 3 s, none while the engine is dead, then 20/s again from 5 s to 8 s.
  json finished = json::array();
  for (int ms = 50; ms < 8000; ms += 50)
    if (ms < 3000 || ms >= 5000) finished.push_back(ms);
  auto fault = phase("engine killed", "native", "broker", 8, {}, json::array(), static_cast<std::int64_t>(finished.size()), 0);
  fault["summary"]["elapsed_s"] = 8.0;
  fault["finished_ms"] = finished;
  fault["failed_ms"] = json::array();
  auto round = phase("1 engine, round 1", "native", "broker", 8, {}, json::array(), 2, 0);
  round["finished_ms"] = json::array({10, 20});
  const auto run = report::analyze_stress(raw("failure", "f", json::array({fault, round}),
                                              {{"engine_kill", {{"kind", "engine process killed (SIGKILL)"}, {"killed_at_s", 3.0}}}}));
  const auto& timeline = run.phases[0]["analysis"]["timeline"];
  ASSERT_TRUE(timeline.is_object()) << run.phases[0]["analysis"].dump();
  EXPECT_DOUBLE_EQ(timeline["window_s"].get<double>(), 0.1);
  double tasks = 0;
  for (const auto& v : timeline["completed_per_s"]) tasks += v.get<double>() * timeline["window_s"].get<double>();
  EXPECT_NEAR(tasks, static_cast<double>(finished.size()), 1e-6);  // every completion counted once
  EXPECT_DOUBLE_EQ(timeline["completed_per_s"][40].get<double>(), 0.0);  // 4.0-4.1 s: the engine is dead
  EXPECT_FALSE(run.phases[0].contains("finished_ms"));  // the per-task list is not kept in stress.json
  const auto page = report::render(report::stress_document(), "html", run);
  const auto figure = between(page, "<h2>Figures</h2>", "</figure>");
  EXPECT_NE(figure.find(">SIGKILL</text>"), std::string::npos) << figure;
  EXPECT_NE(figure.find("class=\"sf-mark\" x1=\"210.5\""), std::string::npos) << figure;  // 3.0 s of 8.0 s: 56 + 412 × 3/8
  EXPECT_EQ(count(figure, "<svg"), 1u);  // the round has a timeline, but no fault to show
}

TEST(StressFigures, ASystemKeepsItsColourInEveryFigureOfOneDocument) {
  json samples = json::array();
  for (int t = 1; t <= 5; ++t) samples.push_back(sample(t, 20, 2, 30000, 0, 100));
  auto endurance = report::analyze_stress(raw("endurance", "e", json::array({phase("langgraph / endurance", "langgraph", "normal", 20, {}, samples, 10, 0)})),
                                          {false, true, false});
  report::StressRuns both = report::combine_stress({load_run(), endurance});
  const auto page = report::render(report::stress_combined_document(), "html", both);
  const auto second = between(page, "<b>Figure 1.</b>", "<b>Figure 2.</b>");
  ASSERT_FALSE(second.empty()) << page;
  EXPECT_NE(second.find("stroke=\"#E69F00\" points="), std::string::npos);  // langgraph, as in the load figure
  EXPECT_EQ(second.find("stroke=\"#0072B2\" points="), std::string::npos);
  // The combined page opens with the criteria over every run.
  EXPECT_LT(page.find("success criteria, over every run</h2>"), page.find("<b>Figure 1.</b>"));
}

TEST(StressFigures, RunsOfOneSuiteShareOneFigureOverTime) {
  // The full-length load runs one system a run: in one document they are one figure.
  auto only = [](const std::string& system) {
    json samples = json::array();
    for (int t = 1; t <= 4; ++t) samples.push_back(sample(t, 10, 5, 2000, 0, 30));
    return report::analyze_stress(raw("load", "load-" + system, json::array({phase(system + " / 10 agents, 1000 tasks", system, "normal", 10, {}, samples, 20, 0)})),
                                  {false, false, true});
  };
  const auto page = report::render(report::stress_combined_document(), "html", report::combine_stress({only("native"), only("langgraph")}));
  EXPECT_EQ(count(page, "<b>Figure "), 1u) << page;
  const auto figure = between(page, "<h2>Figures</h2>", "</figure>");
  EXPECT_NE(figure.find("stroke=\"#0072B2\" points="), std::string::npos);
  EXPECT_NE(figure.find("stroke=\"#E69F00\" points="), std::string::npos);
  EXPECT_NE(figure.find("(2 runs, each phase from the start of its own)"), std::string::npos);
}

TEST(StressReport, ALoadLevelSaysWhetherTheSystemHeldTheOfferedRate) {
  json samples = json::array();
  for (int t = 1; t <= 10; ++t) samples.push_back(sample(t, 10, 2, 9000, 0, 30));
  auto kept = phase("native / 10 agents, 20 tasks", "native", "normal", 10, {{"max_tasks", 20}}, samples, 20, 0);
  kept["summary"]["elapsed_s"] = 10.4;
  auto behind = phase("crewai / 10 agents, 20 tasks", "crewai", "normal", 10, {{"max_tasks", 20}}, samples, 20, 0);
  behind["summary"]["elapsed_s"] = 31.0;  // its backlog drained 21 s after the 10-s schedule
  const auto md = report::render(report::stress_document(), "markdown",
                                 report::analyze_stress(raw("load", "l", json::array({kept, behind})), {false, false, true}));
  EXPECT_NE(md.find("10.4 s including the drain. Held the offered 2.00 tasks/s."), std::string::npos) << md;
  EXPECT_NE(md.find("**Did not hold the offered 2.00 tasks/s**: 20 of 20 tasks done after 31.0 s against a schedule of 10.0 s, 0.65 tasks/s"),
            std::string::npos) << md;
}

// ---------------------------------------------------------------- a suite from outside

// The toy suite: one phase of `tasks` instant tasks written to the ledger, and a sample a second.
std::string run_toy(const StressOptions& o) {
  StressStore store(o.out_dir / "results.sqlite");
  const std::string run_id = "toy-" + std::to_string(o.seed);
  auto cfg = config("toy");
  cfg["command"] = o.command;
  store.begin_run(run_id, cfg);
  const std::string name = "native / toy";
  store.begin_phase(run_id, name, {{"description", "three instant tasks"}, {"load_class", "normal"}, {"system", "native"},
                                   {"stages", json::array()}, {"bursts", json::array()}, {"most_agents", 3}, {"schedule_s", 1.0},
                                   {"start_rate", 3.0}});
  for (std::int64_t id = 0; id < 3; ++id) {
    store.submitted(run_id, name, id, 1'000'000 * id);
    store.finished(run_id, name, id, 1'000'000 * id + 100'000, 1'000'000 * id + 2'000'000, true, "");
  }
  store.sample(run_id, name, 1.0, sample(1, 3, 3, 2000, 0, 10));
  store.end_phase(run_id, name, {{"elapsed_s", 1.0}, {"peak_agents", 3}, {"peak_queue_depth", 0}});
  store.finish_run(run_id, false, json::object());
  return run_id;
}

StressSuite toy_suite() {
  StressSuite suite;
  suite.name = "toy";
  suite.description = "three instant tasks (a suite registered by the tests)";
  suite.validate = [](const StressOptions& o) {
    if (o.seed == 13) throw UsageError("the toy suite refuses seed 13");
  };
  suite.plan = [](const StressOptions&) { return std::vector<PlannedPhase>{{"toy", "three instant tasks", 3}}; };
  suite.run = run_toy;
  suite.analysis.load_levels = true;  // its phase is a concurrency level in PERFORMANCE_TUNING.md
  return suite;
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(StressSuiteRegistry, ASuiteRegisteredFromTestCodeIsListedValidatedPlannedRunAndPublished) {
  if (!find_stress_suite("toy")) register_stress_suite(toy_suite());
  EXPECT_THROW(register_stress_suite(toy_suite()), std::invalid_argument);  // once
  const auto& all = stress_suites();
  ASSERT_TRUE(std::any_of(all.begin(), all.end(), [](const auto& s) { return s.name == "toy"; }));
  EXPECT_EQ(find_stress_suite("toy")->description, "three instant tasks (a suite registered by the tests)");
  EXPECT_EQ(find_stress_suite("no-such-suite"), nullptr);

  StressOptions o;
  o.suite = "toy";
  o.quiet = true;
  o.out_dir = legion::testing::scratch_dir() / "toy";
  o.command = "legion-bench --suite toy";
  std::filesystem::remove_all(o.out_dir);
  // Validated: the shared checks, its own, and its plan against --max-agents.
  EXPECT_NO_THROW(validate(o));
  auto refused = o;
  refused.seed = 13;
  EXPECT_THROW(validate(refused), UsageError);
  refused = o;
  refused.max_agents = 2;
  EXPECT_THROW(validate(refused), UsageError);
  refused = o;
  refused.rate = 10;  // it does not take --rate
  EXPECT_THROW(validate(refused), UsageError);
  EXPECT_THROW(run_stress(refused), UsageError);
  EXPECT_FALSE(std::filesystem::exists(refused.out_dir / "results.sqlite"));  // refused before anything starts

  // Run and published through run_stress, as --suite toy is.
  std::ostringstream out;
  auto* saved = std::cout.rdbuf(out.rdbuf());
  const int status = run_stress(o);
  std::cout.rdbuf(saved);
  EXPECT_EQ(status, 0) << out.str();
  EXPECT_NE(out.str().find("Stress suite 'toy', run toy-1"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("Wrote stress.json stress_phases.csv stress_seconds.csv stress.html"), std::string::npos) << out.str();
  const auto md = read(o.out_dir / "STRESS_TEST_RESULTS.md");
  EXPECT_NE(md.find("# Stress test results: toy"), std::string::npos) << md;
  EXPECT_NE(md.find("| native / toy | 3 | 3 | 3 | 0 | 0 |"), std::string::npos) << md;

  // `legion-bench report DIR... --out` reads it back with the toy suite's analysis: its phase is a
  // concurrency level in PERFORMANCE_TUNING.md.
  int combined_status = -1;
  saved = std::cout.rdbuf(out.rdbuf());
  const bool published = publish_stress_combined({o.out_dir.string()}, o.out_dir / "combined", combined_status);
  std::cout.rdbuf(saved);
  ASSERT_TRUE(published);
  EXPECT_EQ(combined_status, 0);
  EXPECT_NE(read(o.out_dir / "combined" / "PERFORMANCE_TUNING.md").find("Concurrency: up to **native / toy"), std::string::npos)
      << read(o.out_dir / "combined" / "PERFORMANCE_TUNING.md");
}

}  // namespace
}  // namespace legion::bench::stress
