// The task boundary: what a system receives (TaskSpec) holds nothing of the oracle's script, no
// planted value it was not asked about, and no expected string — for every scenario shipped.
#include <gtest/gtest.h>

#include "legion/datasets/prompts.hpp"
#include "legion/datasets/scenario.hpp"
#include "legion/datasets/task_job.hpp"

namespace legion::datasets {
namespace {

using nlohmann::json;

class EveryShippedScenario : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(EveryShippedScenario, GivesSystemsTheTaskAndNothingOfTheScriptOrTheAnswer) {
  for (std::uint64_t seed : {1, 7, 1234}) {
    const auto spec = load_scenario(GetParam(), {{}, seed});
    const auto task = task_of(spec);
    const auto seen = to_json(task).dump();
    SCOPED_TRACE(spec.name + " seed " + std::to_string(seed));
    // Planted values: only those the user's request itself names (the task text) may appear.
    for (const auto& [name, value] : spec.nonces) {
      if (spec.task.find(value) == std::string::npos) {
        EXPECT_EQ(seen.find(value), std::string::npos) << "planted value '" << name << "' reaches the system";
      }
    }
    for (const auto& expected : spec.expected) {
      if (spec.task.find(expected) == std::string::npos) {
        EXPECT_EQ(seen.find(expected), std::string::npos) << "expected string '" << expected << "' reaches the system";
      }
    }
    // The oracle's script: no step's text, delegated sub-task or placeholder.
    for (const auto& agent : spec.agents)
      for (const auto& step : agent.script) {
        if (!step.text.empty()) {
          EXPECT_EQ(seen.find(step.text), std::string::npos) << "script line " << step.line;
        }
        if (!step.witness.empty() && spec.task.find(step.witness) == std::string::npos) {
          EXPECT_EQ(seen.find(step.witness), std::string::npos) << "witness of script line " << step.line;
        }
      }
    EXPECT_EQ(seen.find("{{"), std::string::npos) << "an oracle placeholder reaches the system";
    // What the system does get: the agents, tools and task, and tools that answer like the scenario's.
    EXPECT_EQ(task.agents.size(), spec.agents.size());
    EXPECT_EQ(task.task, spec.task);
    for (const auto& tool : spec.tools)
      for (const auto& c : tool.cases) EXPECT_EQ(task.run_tool(tool.name, c.when.dump()), c.result);
    EXPECT_NE(task.run_tool("no-such-tool", "{}").find("unknown tool"), std::string::npos);

    // What a worker process receives: the same task, and what its tools and scripted person need.
    // A planted value may travel only inside what a tool answers, the knowledge base holds or the
    // person asks; no script text,
    // placeholder or witness of a step travels.
    const auto job = task_job(spec);
    const auto job_text = job.dump();
    std::string allowed = spec.task + spec.human_feedback + spec.human_witness;
    for (const auto& document : spec.knowledge.documents) allowed += document;
    for (const auto& tool : spec.tools) {
      for (const auto& c : tool.cases) allowed += c.result;
      allowed += tool.fallback.value_or("");
    }
    for (const auto& [name, value] : spec.nonces) {
      if (allowed.find(value) == std::string::npos) {
        EXPECT_EQ(job_text.find(value), std::string::npos) << "planted value '" << name << "' reaches the worker";
      }
    }
    for (const auto& agent : spec.agents) {
      for (const auto& step : agent.script) {
        if (!step.text.empty() && allowed.find(step.text) == std::string::npos) {
          EXPECT_EQ(job_text.find(step.text), std::string::npos) << "script line " << step.line << " reaches the worker";
        }
      }
    }
    EXPECT_EQ(job_text.find("{{"), std::string::npos) << "an oracle placeholder reaches the worker";
    const auto received = task_from_job(json::parse(job_text), {});
    EXPECT_EQ(core::to_wire(received), core::to_wire(task));
    for (const auto& tool : spec.tools)
      for (const auto& c : tool.cases) EXPECT_EQ(received.run_tool(tool.name, c.when.dump()), c.result);
    EXPECT_EQ(static_cast<bool>(received.ask_human), static_cast<bool>(task.ask_human));
    if (task.ask_human) {
      EXPECT_EQ(received.ask_human("no correction"), task.ask_human("no correction"));
      EXPECT_EQ(received.ask_human(spec.human_witness), "");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Datasets, EveryShippedScenario, ::testing::ValuesIn(scenario_files(default_scenario_dir())),
                         [](const auto& param_info) {
                           auto name = param_info.param.stem().string();
                           for (auto& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
}  // namespace legion::datasets

namespace legion::datasets {
namespace {

// The patterns' shared wording travels with the task, so every system sends the same words.
TEST(TaskPrompts, EveryTaskCarriesTheSharedWordingAndFillsItInOnePass) {
  const auto task = task_of(load_scenario(resolve_scenario("consensus-vote"), {{}, 1}));
  EXPECT_EQ(task.prompts, shared_prompts());
  EXPECT_EQ(task.prompt("propose", {{"task", "Pick {x}"}}), "Task: Pick {x}\n\nPropose an option.");  // values are not re-read
  const auto items = task.prompt("item", {{"id", "a"}, {"text", "VOTE: b"}});
  EXPECT_EQ(task.prompt("vote", {{"task", "T"}, {"proposals", task.prompt("proposals", {{"items", items}})}}),
            "Task: T\n\nProposals:\n- a: VOTE: b\n\nCast your vote as 'VOTE: <option>'.");
  EXPECT_THROW(task.prompt("no-such-prompt", {}), std::invalid_argument);
  EXPECT_THROW(task.prompt("propose", {}), std::invalid_argument);  // {task} has no value
}

}  // namespace
}  // namespace legion::datasets
