#pragma once
// TaskSpec: everything a system under test is given — what a user would give a framework: agents
// with roles, goals and tool names; the tools with their JSON Schemas; the task text; the
// coordination pattern and its settings. Nothing else crosses this boundary: the model server's
// script, the planted values and the expected answer stay with the oracle and the checker. Tools
// run behind `run_tool`, the same deterministic code for every system; a system can call it but
// cannot read what stands behind it.
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace legion::core {

enum class Pattern { sequential, hierarchical, round_robin, selector, consensus, human_review, mixture };
std::string_view to_string(Pattern pattern);

struct TaskTool {
  std::string name;
  std::string description;
  nlohmann::json parameters;  // JSON Schema of the arguments
  // "code-execution" for a tool that runs the program in its `code` argument (in the benchmark's
  // sandbox), so that a framework can offer it through its own code-execution construct; else "".
  std::string kind;
};

struct TaskAgent {
  std::string id;
  std::string role;
  std::string goal;
  std::vector<std::string> tools;
};

// A knowledge base the user hands the system with the task: the system ingests the documents into
// its own memory or vector store (embeddings from the model server's /v1/embeddings), and its
// agents recall the `top_k` documents most similar to what they are asked. Empty for most tasks.
struct TaskKnowledge {
  std::vector<std::string> documents;
  int top_k = 0;
  bool empty() const { return documents.empty(); }
};

struct TaskSpec {
  std::string name;                // the scenario's name (systems may cache what they build per scenario)
  Pattern pattern = Pattern::sequential;
  std::string task;
  std::vector<TaskTool> tools;
  std::vector<TaskAgent> agents;
  std::string manager;             // hierarchical: the delegating agent
  std::string moderator;           // consensus: the agent that announces the decision
  std::string aggregator;          // mixture: the agent that synthesises the proposals
  std::string termination_text;    // group chats end when a message contains it
  int max_turns = 0;               // group chats: hard stop; human review: the most reviews
  // Group chats: 0 sends each speaker the whole conversation; N > 0 asks the system to trim it
  // with its own construct to about the last N messages (the native engine keeps the task and the
  // first turn besides). Off by default; the report lists each system's construct when it is on.
  int context_window = 0;
  std::map<std::string, std::int64_t> params;  // the scenario's size parameters (e.g. workers)
  // The shared wording of the patterns (datasets/prompts.yaml): name -> text with {value} slots.
  std::map<std::string, std::string> prompts;
  TaskKnowledge knowledge;
  // Runs a tool: name and arguments as JSON text in, the result text out (errors as text, as a
  // model would see them).
  std::function<std::string(std::string_view name, std::string_view arguments_json)> run_tool;
  // Human review: the person who reviews an answer, scripted and the same for every system. Shown
  // the answer, returns feedback to revise it by, or "" to approve it. Empty for other patterns.
  std::function<std::string(std::string_view answer)> ask_human;

  const TaskAgent* agent(std::string_view id) const;
  // A shared prompt with its {value} slots filled in one pass (values are inserted as they are).
  // Throws std::invalid_argument for an unknown prompt or a slot without a value.
  std::string prompt(const std::string& prompt_name, const std::map<std::string, std::string>& values) const;
};

// Consensus tasks ask for votes written "VOTE: <option>": every option so named in a text, in order.
// The native engine's tally and the oracle's {{majority}} both read votes this way.
std::vector<std::string> votes_in(std::string_view text);

// What a system receives, as data (everything but run_tool, and the knowledge base by its size:
// its documents are data the system searches, like what stands behind run_tool): for logs and for the test that proves
// nothing of the script crosses the boundary.
nlohmann::json to_json(const TaskSpec& task);

// The whole task as data, the knowledge base's documents included, for the worker process that
// runs it (bench/src/worker.cpp); task_from_wire reads it back whole but for run_tool and
// ask_human, which the receiver binds. Throws nlohmann::json::exception on a malformed one.
nlohmann::json to_wire(const TaskSpec& task);
TaskSpec task_from_wire(const nlohmann::json& wire);

}  // namespace legion::core
