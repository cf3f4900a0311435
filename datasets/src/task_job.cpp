#include "legion/datasets/task_job.hpp"

#include <memory>
#include <thread>

namespace legion::datasets {

using nlohmann::json;

std::function<std::string(std::string_view)> scripted_person(std::string feedback, std::string witness,
                                                            std::chrono::milliseconds think) {
  return [feedback = std::move(feedback), witness = std::move(witness), think](std::string_view answer) {
    if (think.count() > 0) std::this_thread::sleep_for(think);
    return answer.find(witness) == std::string_view::npos ? feedback : std::string();
  };
}

json task_job(const ScenarioSpec& spec) {
  json tools = json::array();
  for (const auto& t : spec.tools) {
    json cases = json::array();
    for (const auto& c : t.cases) cases.push_back({{"when", c.when}, {"result", c.result}});
    tools.push_back({{"name", t.name}, {"cases", cases}, {"fallback", t.fallback ? json(*t.fallback) : json(nullptr)},
                     {"sql", t.sql}, {"sandbox", t.sandbox}});
  }
  json job = {{"task", core::to_wire(task_of(spec))}, {"tools", tools}};
  if (spec.pattern == Pattern::human_review)
    job["person"] = {{"feedback", spec.human_feedback}, {"witness", spec.human_witness}, {"think_ms", spec.human_think_ms}};
  return job;
}

TaskSpec task_from_job(const json& job, const ToolWorkspace& workspace) {
  auto task = core::task_from_wire(job.at("task"));
  auto tools = std::make_shared<std::vector<ScenarioTool>>();
  for (const auto& t : job.at("tools")) {
    ScenarioTool tool;
    tool.name = t.at("name").get<std::string>();
    for (const auto& c : t.at("cases")) tool.cases.push_back({c.at("when"), c.at("result").get<std::string>()});
    if (!t.at("fallback").is_null()) tool.fallback = t.at("fallback").get<std::string>();
    tool.sql = t.at("sql").get<std::string>();
    tool.sandbox = t.at("sandbox").get<std::string>();
    tools->push_back(std::move(tool));
  }
  task.run_tool = [tools, workspace](std::string_view name, std::string_view arguments) {
    return run_scenario_tool(*tools, workspace, name, arguments);
  };
  if (const auto person = job.find("person"); person != job.end())
    task.ask_human = scripted_person(person->at("feedback").get<std::string>(), person->at("witness").get<std::string>(),
                                     std::chrono::milliseconds(person->at("think_ms").get<std::int64_t>()));
  return task;
}

}  // namespace legion::datasets
