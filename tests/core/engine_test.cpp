#include "legion/core/engine.hpp"

#include <gtest/gtest.h>

#include "legion/oracle/server.hpp"

namespace legion::core {
namespace {

using namespace legion::datasets;
using namespace legion::oracle;

// The engine against an in-process oracle, over real HTTP.
class EngineTest : public ::testing::Test {
 protected:
  TaskResult run(const ScenarioSpec& oracle_view, const ScenarioSpec& engine_view, bool stream = false) {
    oracle_.set_script(std::make_shared<ScriptPolicy>(std::make_shared<const ScenarioSpec>(oracle_view), dialect_named("native")));
    EngineOptions options;
    options.client.base_url = oracle_.base_url();
    options.stream = stream;
    return Engine(options).run(task_of(engine_view));
  }
  Oracle oracle_{Oracle::Options{}};
};

class EveryScenario : public EngineTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(EveryScenario, IsCorrectOnTheNativeEngine) {
  auto spec = load_scenario(resolve_scenario(GetParam()), {{}, 7});
  auto before = oracle_.last_seq();
  auto result = run(spec, spec);
  auto check = check_answer(spec, result.answer);
  EXPECT_TRUE(check.correct) << result.answer;
  auto served = totals(oracle_.log_since(before));
  EXPECT_EQ(result.llm_calls, served.requests);  // the engine's own count agrees with the server's
  EXPECT_EQ(result.usage.prompt_tokens, served.prompt_tokens);
  EXPECT_FALSE(result.spans.empty());
}

TEST_P(EveryScenario, FailsWhenAPlantedToolValueIsAltered) {
  auto spec = load_scenario(resolve_scenario(GetParam()), {{}, 7});
  // The system under test computes tool results from its copy of the scenario; alter a planted
  // value there (or in an agent's output the oracle produces, for scenarios without tools).
  auto altered = spec;
  bool changed = false;
  for (auto& tool : altered.tools)
    for (auto& c : tool.cases)
      for (const auto& [name, value] : spec.nonces)
        if (auto pos = c.result.find(value); pos != std::string::npos) {
          c.result.replace(pos, value.size(), "ZQ00000000");
          changed = true;
        }
  if (!changed) {
    // No tools: change the task, whose planted value every answer must carry.
    for (const auto& [name, value] : spec.nonces)
      if (auto pos = altered.task.find(value); pos != std::string::npos) altered.task.replace(pos, value.size(), "ZQ00000000");
  }
  ASSERT_TRUE(changed || altered.task != spec.task);
  auto result = run(spec, altered);
  auto check = check_answer(spec, result.answer);
  EXPECT_FALSE(check.correct) << result.answer;
  EXPECT_NE(result.answer.find("MISSING("), std::string::npos) << result.answer;
}

INSTANTIATE_TEST_SUITE_P(Coordination, EveryScenario,
                         ::testing::Values("single-tool", "sequential-pipeline", "hierarchical-delegation",
                                           "team-round-robin", "selector-group", "consensus-vote"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (auto& c : name) if (c == '-') c = '_';
                           return name;
                         });

TEST_F(EngineTest, StreamingGivesTheSameAnswer) {
  auto spec = load_scenario(resolve_scenario("sequential-pipeline"));
  EXPECT_TRUE(check_answer(spec, run(spec, spec, true).answer).correct);
}

TEST_F(EngineTest, ScaledScenariosStayCorrect) {
  auto wide = load_scenario(resolve_scenario("hierarchical-delegation"), {{{"workers", 12}}, 3});
  EXPECT_TRUE(check_answer(wide, run(wide, wide).answer).correct);
  auto chat = load_scenario(resolve_scenario("team-round-robin"), {{{"members", 7}, {"rounds", 3}}, 3});
  auto result = run(chat, chat);
  EXPECT_TRUE(check_answer(chat, result.answer).correct);
  EXPECT_EQ(result.llm_calls, 8u * 3u);
}

TEST_F(EngineTest, ManyTasksRunConcurrently) {
  auto spec = load_scenario(resolve_scenario("consensus-vote"));
  oracle_.set_script(std::make_shared<ScriptPolicy>(std::make_shared<const ScenarioSpec>(spec), dialect_named("native")));
  EngineOptions options;
  options.client.base_url = oracle_.base_url();
  Engine engine(options);
  const auto task = task_of(spec);
  std::vector<std::thread> threads;
  std::atomic<int> correct{0};
  std::mutex errors_mutex;
  std::vector<std::string> errors;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&] {
      try {
        correct += check_answer(spec, engine.run(task).answer).correct;
      } catch (const std::exception& e) {
        std::lock_guard lock(errors_mutex);
        errors.push_back(e.what());
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(correct.load(), 16);
}

TEST_F(EngineTest, ModelErrorsSurfaceAsExceptions) {
  auto spec = load_scenario(resolve_scenario("single-tool"));
  oracle_.set_faults(FaultPlan::parse("rate=1,kinds=http_500"));
  EXPECT_THROW(run(spec, spec), LlmError);
}

TEST(Memory, RecallRanksBySharedWords) {
  Memory m;
  m.remember({"user", "sales figures for region north", {}, {}, {}});
  m.remember({"user", "weather report", {}, {}, {}});
  m.remember({"user", "region south sales", {}, {}, {}});
  auto hits = m.recall("north region sales", 2);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0]->content, "sales figures for region north");
  EXPECT_EQ(hits[1]->content, "region south sales");
  EXPECT_TRUE(m.recall("nothing matches", 3).empty());
}

TEST(MessageBus, DeliversToEverySubscriberOfTheTopic) {
  MessageBus bus;
  std::vector<std::string> got;
  bus.subscribe("a", [&](const Envelope& e) { got.push_back("1:" + e.content); });
  bus.subscribe("a", [&](const Envelope& e) { got.push_back("2:" + e.content); });
  bus.subscribe("b", [&](const Envelope& e) { got.push_back("b:" + e.content); });
  EXPECT_EQ(bus.publish({"a", "x", "hi"}), 2u);
  EXPECT_EQ(bus.publish({"c", "x", "nobody"}), 0u);
  EXPECT_EQ(got, (std::vector<std::string>{"1:hi", "2:hi"}));
  EXPECT_EQ(bus.published(), 2u);
}

TEST(ToolRegistry, UnknownToolsAndHandlerErrorsBecomeResults) {
  ToolRegistry tools;
  tools.add({"boom", "", {}}, [](std::string_view) -> std::string { throw std::runtime_error("kaput"); });
  EXPECT_EQ(tools.invoke("boom", "{}"), "error: kaput");
  EXPECT_EQ(tools.invoke("nope", "{}"), "error: unknown tool 'nope'");
}

}  // namespace
}  // namespace legion::core
