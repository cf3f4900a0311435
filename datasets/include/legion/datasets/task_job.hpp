#pragma once
// What a worker process receives to run one task: the task a system sees (core::to_wire) and what
// running its tools and its scripted person needs — the tools' recorded results, `sql:`
// statements and sandbox kinds, the person's feedback. Never the model server's script, the list
// of planted values or the answer check: those stay in the runner with the oracle and the checker.
// The runner loads and validates a scenario once and hands this on; the worker parses no scenario.
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "legion/datasets/scenario.hpp"

namespace legion::datasets {

nlohmann::json task_job(const ScenarioSpec& spec);
// The task with its tools bound to `workspace` (the runner's fresh database for it, if any).
// Throws nlohmann::json::exception or std::invalid_argument on a malformed job.
TaskSpec task_from_job(const nlohmann::json& job, const ToolWorkspace& workspace);

// The scripted person of human review: corrects an answer until it carries `witness`, then approves
// it (returns ""), taking `think` to read each answer, as a person would.
std::function<std::string(std::string_view)> scripted_person(std::string feedback, std::string witness,
                                                            std::chrono::milliseconds think);

}  // namespace legion::datasets
