#pragma once
// How one system expresses coordination on the wire, kept as reviewable data
// (datasets/dialects/<system>.yaml): how an agent's system prompt names it, how a speaker-selection
// request looks and is answered, and which tool call means "delegate to this agent".
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "legion/core/chat.hpp"
#include "legion/datasets/scenario.hpp"

namespace legion::datasets {

using core::ChatRequest;
using core::ToolCall;

struct Dialect {
  std::string name;
  std::string identity = "You are {role}.";  // found in the system prompt of the agent it names
  std::string selector_detect;               // text that marks a speaker-selection request
  std::string selector_reply = "{id}";       // the model's answer naming the next speaker
  std::string delegate_tool;                 // tool name; may contain {id} and {role}
  nlohmann::json delegate_arguments = nlohmann::json::object();  // strings may contain {id}, {role}, {task}
  // Text that marks a request in which the framework asks the model to write the search query for
  // its knowledge base; the model answers with the task's own text, so every system searches alike.
  std::string search_query_detect;
  // A framework whose agents end every turn with a tool call instead of a text reply (smolagents'
  // `final_answer`): a text answer is sent as a call of this tool whenever the request offers it.
  // Empty: text answers stay text. Argument strings may contain {answer}.
  std::string final_answer_tool;
  nlohmann::json final_answer_arguments = nlohmann::json::object();

  std::string identity_of(const TaskAgent& agent) const;
  bool is_selector_request(const ChatRequest& request) const;
  std::string selector_answer(const TaskAgent& agent) const;
  bool is_search_query_request(const ChatRequest& request) const;
  ToolCall delegate_call(const TaskAgent& target, const std::string& task, std::string call_id) const;
  ToolCall final_answer_call(const std::string& answer, std::string call_id) const;
};

// Loads datasets/dialects/<name>.yaml; DatasetError (file:line:column) on a bad file.
Dialect load_dialect(const std::filesystem::path& file);
Dialect dialect_named(const std::string& name);

}  // namespace legion::datasets
