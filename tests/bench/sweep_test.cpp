// The parameter sweep: how --sweep is read, what is refused before a run starts (naming the flag),
// and the cells a sweep expands into.
#include "sweep.hpp"

#include <gtest/gtest.h>

#include "checks.hpp"
#include "legion/datasets/scenario.hpp"
#include "legion/report/results.hpp"

namespace legion::bench {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_sweep(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Sweep, ReadsRangesStepsAndLists) {
  EXPECT_EQ(parse_sweep("workers=1..4").values, (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(parse_sweep("workers=3..15:3").values, (std::vector<std::int64_t>{3, 6, 9, 12, 15}));
  EXPECT_EQ(parse_sweep("workers=0..10:4").values, (std::vector<std::int64_t>{0, 4, 8}));  // the step does not overshoot
  const auto list = parse_sweep("extra_tools=50,0,20,10");
  EXPECT_EQ(list.param, "extra_tools");
  EXPECT_EQ(list.values, (std::vector<std::int64_t>{0, 10, 20, 50}));  // ascending
}

TEST(Sweep, RefusesBadRangesNamingTheFlag) {
  EXPECT_EQ(error_of("workers"), "--sweep workers: expected NAME=A..B[:STEP] or NAME=a,b,c");
  EXPECT_EQ(error_of("=1..3"), "--sweep =1..3: expected NAME=A..B[:STEP] or NAME=a,b,c");
  EXPECT_EQ(error_of("workers=5..1"), "--sweep workers=5..1: the range must rise (A..B with A < B), got 5..1");
  EXPECT_EQ(error_of("workers=1..1"), "--sweep workers=1..1: the range must rise (A..B with A < B), got 1..1");
  EXPECT_EQ(error_of("workers=1..9:0"), "--sweep workers=1..9:0: the step must be positive, got 0");
  EXPECT_EQ(error_of("workers=1..9:-2"), "--sweep workers=1..9:-2: the step must be positive, got -2");
  EXPECT_EQ(error_of("workers=1..x"), "--sweep workers=1..x: 'x' is not an integer");
  EXPECT_EQ(error_of("workers=1,2.5"), "--sweep workers=1,2.5: '2.5' is not an integer");
  EXPECT_EQ(error_of("workers=1,,2"), "--sweep workers=1,,2: '' is not an integer");
  EXPECT_EQ(error_of("workers=4,2,4"), "--sweep workers=4,2,4: 4 is given twice");
  EXPECT_EQ(error_of("workers=7"), "--sweep workers=7: a sweep needs at least two values");
  EXPECT_EQ(error_of("workers=0..1000"), "--sweep workers=0..1000: more than 100 values");
}

Plan plan_with(const std::vector<std::string>& scenarios, const std::string& sweep) {
  Plan plan;
  plan.systems = {"native"};
  for (const auto& s : scenarios) plan.scenarios.push_back(datasets::resolve_scenario(s));
  plan.sweep = parse_sweep(sweep);
  return plan;
}

std::string plan_error(const Plan& plan) {
  try {
    check_plan(plan);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Sweep, RefusesAParameterNoScenarioDeclaresOrAValueOutOfBounds) {
  EXPECT_EQ(plan_error(plan_with({"single-tool"}, "workers=1..3")),
            "--sweep workers: no selected scenario declares it (they declare: payload_bytes)");
  const auto out_of_bounds = plan_error(plan_with({"tool-overhead"}, "extra_tools=0,500"));
  EXPECT_TRUE(out_of_bounds.starts_with("--sweep extra_tools=500: ")) << out_of_bounds;
  EXPECT_NE(out_of_bounds.find("tool-overhead.yaml:"), std::string::npos) << out_of_bounds;  // file:line:column
  EXPECT_NE(out_of_bounds.find("parameter 'extra_tools' = 500 is outside [0, 200]"), std::string::npos) << out_of_bounds;
  auto both = plan_with({"tool-overhead"}, "extra_tools=0,10");
  both.params["extra_tools"] = 5;
  EXPECT_EQ(plan_error(both), "--sweep extra_tools: the parameter is also given with --param");
  EXPECT_EQ(plan_error(plan_with({"tool-overhead", "single-tool"}, "extra_tools=0,10")), "no error");
}

TEST(Sweep, RefusesConcurrencyWhichIsNoParameter) {
  const auto message = plan_error(plan_with({"single-tool"}, "concurrency=1,8"));
  EXPECT_TRUE(message.starts_with("--sweep concurrency: the copies of a task in flight are not a scenario parameter")) << message;
  EXPECT_NE(message.find("--concurrency N"), std::string::npos) << message;
  Plan plan;
  plan.systems = {"native"};
  plan.scenarios = {datasets::resolve_scenario("single-tool")};
  plan.sweep_parts.push_back({datasets::resolve_scenario("single-tool"), parse_sweep("concurrency=1,8"), "suites.yaml:9:7"});
  EXPECT_TRUE(plan_error(plan).starts_with("suites.yaml:9:7: sweep concurrency: the copies of a task in flight")) << plan_error(plan);
}

TEST(Sweep, ExpandsEachDeclaringScenarioIntoOneCellPerValue) {
  const auto cells = check_plan(plan_with({"single-tool", "tool-overhead"}, "extra_tools=0,20"));
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[0].name, "single-tool");
  EXPECT_EQ(cells[0].swept, "");
  EXPECT_EQ(cells[1].name, "tool-overhead[extra_tools=0]");
  EXPECT_EQ(cells[2].name, "tool-overhead[extra_tools=20]");
  EXPECT_EQ(cells[2].swept, "extra_tools");
  EXPECT_EQ(cells[2].spec->params.at("extra_tools"), 20);
  // The swept value reaches the scenario: 20 extra tools besides the one the task needs, 0 gives none.
  EXPECT_EQ(cells[2].spec->tools.size(), 21u);
  EXPECT_EQ(cells[2].spec->agents.front().tools.size(), 21u);
  EXPECT_EQ(cells[1].spec->tools.size(), 1u);
  // A round's instance keeps the cell's parameters and plants the round's values.
  const auto round = cells[2].with_seed(99);
  EXPECT_EQ(round.tools.size(), 21u);
  EXPECT_EQ(round.seed, 99u);
  EXPECT_NE(round.nonces, cells[2].spec->nonces);
  EXPECT_EQ(round.nonces, cells[2].with_seed(99).nonces);
}

TEST(SuiteParts, AddACellPerSweptValueAndPerConcurrencyLevel) {
  Plan plan;
  plan.systems = {"native"};
  plan.scenarios = {datasets::resolve_scenario("single-tool")};
  plan.sweep_parts.push_back({datasets::resolve_scenario("tool-overhead"), parse_sweep("extra_tools=0,20"), "suites.yaml:9:7"});
  plan.concurrency_parts.push_back({datasets::resolve_scenario("single-tool"), {1, 8}, "suites.yaml:11:7"});
  const auto cells = check_plan(plan);
  ASSERT_EQ(cells.size(), 5u);
  EXPECT_EQ(cells[1].name, "tool-overhead[extra_tools=0]");
  EXPECT_EQ(cells[2].spec->params.at("extra_tools"), 20);
  EXPECT_EQ(cells[3].name, "single-tool[concurrency=1]");
  EXPECT_EQ(cells[4].name, "single-tool[concurrency=8]");
  EXPECT_EQ(cells[4].swept, report::kSweptConcurrency);
  EXPECT_EQ(cells[4].concurrency, 8);
  EXPECT_EQ(cells[2].concurrency, 1);
  EXPECT_EQ(most_concurrency(plan), 8);
  // A part is refused before anything runs, named by its place in suites.yaml.
  plan.sweep_parts.push_back({datasets::resolve_scenario("single-tool"), parse_sweep("extra_tools=0,20"), "suites.yaml:10:7"});
  EXPECT_EQ(plan_error(plan), "suites.yaml:10:7: sweep extra_tools: scenario 'single-tool' does not declare it");
  plan.sweep_parts.back() = {datasets::resolve_scenario("tool-overhead"), parse_sweep("extra_tools=0,500"), "suites.yaml:10:7"};
  const auto out_of_bounds = plan_error(plan);
  EXPECT_TRUE(out_of_bounds.starts_with("suites.yaml:10:7: sweep extra_tools=500: ")) << out_of_bounds;
  plan.sweep_parts.back() = {datasets::resolve_scenario("tool-overhead"), parse_sweep("extra_tools=0,20"), "suites.yaml:10:7"};
  EXPECT_EQ(plan_error(plan), "the cell 'tool-overhead[extra_tools=0]' is planned twice (two of the suite's parts give it)");
}

TEST(SuiteParts, ARunParsesEachScenarioFileOnce) {
  // Two files, one of them in the plain list, a sweep part and a concurrency part at once: every
  // cell of it shares one parsed file, and each (scenario, parameters) is loaded once.
  Plan plan;
  plan.systems = {"native"};
  plan.scenarios = {datasets::resolve_scenario("single-tool"), datasets::resolve_scenario("tool-overhead")};
  plan.sweep = parse_sweep("extra_tools=0,20");
  plan.concurrency_parts.push_back({datasets::resolve_scenario("single-tool"), {1, 4, 8}, "suites.yaml:11:7"});
  const auto before = datasets::scenario_parses();
  const auto cells = check_plan(plan);
  EXPECT_EQ(datasets::scenario_parses() - before, 2u);
  ASSERT_EQ(cells.size(), 6u);
  EXPECT_EQ(cells[0].spec, cells[3].spec) << "single-tool and its concurrency levels are one (scenario, parameters)";
  EXPECT_EQ(cells[0].source, cells[5].source);
  EXPECT_EQ(cells[1].source, cells[2].source);
  EXPECT_NE(cells[1].spec, cells[2].spec);
  // Rounds re-plant values from the parsed file: no file is read again.
  for (const auto& cell : cells) cell.with_seed(1234);
  EXPECT_EQ(datasets::scenario_parses() - before, 2u);
}

}  // namespace
}  // namespace legion::bench
