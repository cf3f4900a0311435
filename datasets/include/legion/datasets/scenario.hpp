#pragma once
// ScenarioSpec: a task scenario loaded from datasets/scenarios/*.yaml (the format is documented in
// docs/scenarios.md). Loading validates everything and expands parameters, so the rest of the
// program only ever sees a consistent, fully instantiated scenario.
//
// Planted values ("nonces") are written {{nonce.NAME}} in the file and replaced by values derived
// from the scenario name, NAME and the seed. What is left in a loaded scenario are the oracle's
// run-time placeholders: {{seen.NAME}} (the value, if the request actually carried it) and
// {{majority}} (the most frequent "VOTE: x" among the messages the request carried).
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "legion/core/task.hpp"
#include "legion/datasets/database.hpp"
#include "legion/datasets/files.hpp"

namespace legion::datasets {

using core::Pattern;
using core::TaskAgent;
using core::TaskSpec;
using core::TaskTool;

struct ToolCase {
  nlohmann::json when;  // an object; matches when every key is present with an equal value
  std::string result;   // planted values already substituted
};

// A tool as a system sees it (TaskTool), plus what stands behind it: recorded results, a statement
// on the run's database (`sql:`), or the sandbox (`sandbox: python` runs the `code` argument).
struct ScenarioTool : TaskTool {
  std::vector<ToolCase> cases;
  std::optional<std::string> fallback;  // result when no case matches
  std::string sql;                      // an `sql:` tool's one statement, arguments bound as :name
  std::string sandbox;                  // "python" for a code-execution tool
};

enum class StepKind { call, say, delegate };

struct Step {
  StepKind kind = StepKind::say;
  std::string tool;        // call
  nlohmann::json args;     // call: arguments (strings may hold placeholders)
  std::string text;        // say: the reply; delegate: the sub-task handed over
  std::string target;      // delegate: agent id
  std::string witness;     // the planted value whose presence in a request shows the step is done
                           // (a call's: the first in its result, or its `until`)
  bool own_witness = false;  // a say step's own planted value: carried, it shows the agent said it
  int line = 0;            // where the step was declared
};

// An agent as a system sees it (TaskAgent), plus the oracle's script for it.
struct AgentSpec : TaskAgent {
  std::vector<Step> script;
};

struct ScenarioSpec {
  std::string name;
  std::string description;
  std::filesystem::path source;
  Pattern pattern = Pattern::sequential;
  std::string task;
  std::vector<ScenarioTool> tools;
  std::vector<AgentSpec> agents;
  std::string manager;                     // hierarchical: the delegating agent
  std::string moderator;                   // consensus: the agent that announces the decision
  std::string aggregator;                  // mixture: the agent that synthesises the proposals
  std::vector<std::string> speaker_order;  // selector: who the model picks, turn by turn
  std::string termination_text;            // group chats end when a message contains it
  int max_turns = 0;                       // group chats: hard stop; human review: the most reviews
  int context_window = 0;                  // group chats: messages kept by each system's trimming (0: off)
  // Human review: what the scripted person says to an answer that lacks the planted value of
  // `feedback` (its first {{nonce.X}}, `human_witness`); an answer that has it is approved.
  std::string human_feedback, human_witness;
  std::int64_t human_think_ms = 0;         // how long the person takes to read each answer
  std::vector<std::string> expected;       // strings the final answer must contain
  std::map<std::string, std::int64_t> params;
  std::map<std::string, std::string> nonces;  // planted name -> value
  std::uint64_t seed = 0;
  // The enterprise workflow's database: its schema, starting rows and expected changes (which stay
  // here, with the checker; a system reaches the database only through its `sql:` tools).
  std::optional<DatabaseSpec> database;
  // The knowledge base a system ingests into its own store and its agents recall from (`knowledge:`).
  core::TaskKnowledge knowledge;

  const AgentSpec* agent(std::string_view id) const;
  const ScenarioTool* tool(std::string_view name) const;
  // Result of a deterministic tool call, the same in every system. Arguments are a JSON string.
  std::string run_tool(std::string_view name, std::string_view arguments_json) const;
};

struct CheckResult {
  bool correct = false;
  std::vector<std::string> missing;  // expected strings absent from the answer
};
CheckResult check_answer(const ScenarioSpec& spec, std::string_view final_answer);
// The expected values a system can come to know without the scripted model's lines: those in its
// task, its tools' results, its knowledge base, its database or its person's feedback. A real model
// is checked against these only; a value that only a scripted agent says (a reference number in its
// answer) is one no real model can know.
std::vector<std::string> reachable_expected(const ScenarioSpec& spec);

// What one run's tools act on beyond the scenario itself: the fresh copy of its database.
struct ToolWorkspace {
  std::filesystem::path database;  // empty: the scenario has none
};

// The task boundary: the part of a scenario a system may see, with its tools runnable behind a
// call (the tools' recorded results, statements and the workspace are captured; the scripts,
// planted values and expected strings and database state are not).
TaskSpec task_of(const ScenarioSpec& spec, const ToolWorkspace& workspace = {});
// A tool call: recorded results, an `sql:` statement on the workspace's database, or a program in
// the sandbox. Arguments are a JSON string; errors come back as "error: ..." text.
std::string run_scenario_tool(const std::vector<ScenarioTool>& tools, const ToolWorkspace& workspace, std::string_view name,
                              std::string_view arguments_json);
// A deterministic tool call against recorded results; arguments are a JSON string.
std::string run_recorded_tool(const std::vector<ScenarioTool>& tools, std::string_view name, std::string_view arguments_json);

struct LoadOptions {
  std::map<std::string, std::int64_t> params;  // overrides of the file's parameter defaults
  std::uint64_t seed = 1;
  // The most {{pad.N}} filler a scenario may plant in all, and what sets that limit (for the error).
  std::uint64_t max_padding_bytes = std::uint64_t{1} << 30;
  std::string padding_limit_reason = "the loader's limit of 1 GiB";
};

// A scenario file read and parsed once; each instance of it — its parameters and planted values
// (LoadOptions) — is made and validated from the parsed file, so a run reads each file once
// however many cells and rounds it makes of it. Throws DatasetError (file:line:column) for a file
// that cannot be read or is not YAML.
class ScenarioSource {
 public:
  explicit ScenarioSource(std::filesystem::path file);
  const std::filesystem::path& file() const { return file_; }
  // The parameters the file declares (`params`), by name; empty when it declares none or its
  // `params` is malformed (load() says what is wrong).
  std::vector<std::string> declared_params() const;
  // The scenario with these parameters and seed, validated. Throws DatasetError.
  ScenarioSpec load(const LoadOptions& options = {}) const;

 private:
  std::filesystem::path file_;
  std::shared_ptr<const void> parsed_;  // the YAML tree, kept opaque so this header needs no yaml-cpp
};
// How many scenario files this process has read and parsed (a ScenarioSource each), for tests that
// a run parses each file once.
std::uint64_t scenario_parses();

// ScenarioSource(file).load(options).
ScenarioSpec load_scenario(const std::filesystem::path& file, const LoadOptions& options = {});
// Every *.yaml in a folder, sorted by name.
std::vector<std::filesystem::path> scenario_files(const std::filesystem::path& folder);
std::filesystem::path default_scenario_dir();
// Finds a scenario by name (file stem) in the default folder, or takes a path.
std::filesystem::path resolve_scenario(const std::string& name_or_path);

}  // namespace legion::datasets
