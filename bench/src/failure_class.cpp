#include "failure_class.hpp"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

namespace legion::bench {
namespace {

using nlohmann::json;

struct ToolCall {
  std::string name, arguments;
  bool offered = false;  // the request it answered offered a tool of that name
};

// The messages an answer carries: its choices' messages, or a streamed answer's deltas joined.
std::vector<ToolCall> tool_calls_of(const oracle::Exchange& x) {
  std::set<std::string> offered;
  if (x.request.is_object())
    for (const auto& t : x.request.value("tools", json::array()))
      if (t.is_object()) offered.insert(t.value("function", json::object()).value("name", std::string()));
  std::vector<ToolCall> calls;
  auto take = [&](const json& message) {
    if (!message.is_object()) return;
    for (const auto& c : message.value("tool_calls", json::array())) {
      if (!c.is_object()) continue;
      const auto function = c.value("function", json::object());
      const auto index = static_cast<std::size_t>(c.value("index", static_cast<int>(calls.size())));
      if (index >= calls.size()) calls.resize(index + 1);
      auto& call = calls[index];
      call.name += function.value("name", std::string());
      const auto args = function.find("arguments");
      if (args != function.end()) call.arguments += args->is_string() ? args->get<std::string>() : args->dump();
    }
  };
  const auto& r = x.response;
  if (r.is_object() && r.contains("events")) {
    for (const auto& e : r["events"])
      for (const auto& choice : e.value("choices", json::array())) take(choice.value("delta", json::object()));
  } else if (r.is_object()) {
    for (const auto& choice : r.value("choices", json::array())) take(choice.value("message", json::object()));
  }
  for (auto& c : calls) c.offered = offered.contains(c.name);
  return calls;
}

// The tool results the system sent back to the model (role "tool" messages of later requests).
std::vector<std::string> tool_results_of(const oracle::Exchange& x) {
  std::vector<std::string> results;
  if (!x.request.is_object()) return results;
  for (const auto& m : x.request.value("messages", json::array()))
    if (m.is_object() && m.value("role", std::string()) == "tool" && m.contains("content"))
      results.push_back(m["content"].is_string() ? m["content"].get<std::string>() : m["content"].dump());
  return results;
}

bool is_object_text(const std::string& arguments) {
  const auto j = json::parse(arguments.empty() ? std::string("{}") : arguments, nullptr, false);
  return j.is_object();
}

}  // namespace

std::optional<std::string> classify_failure(const report::RunRecord& record, const datasets::ScenarioSpec& spec,
                                            const std::vector<oracle::Exchange>& exchanges) {
  if (record.correct || record.unsupported) return std::nullopt;
  const std::string error = record.error.value_or("");
  if (error.starts_with("timeout")) return "timeout";
  // An endpoint that could not parse its own model's tool call (llama.cpp's server answers HTTP 500
  // so) reports a malformed call, not an outage.
  auto unparsed_tool_call = [](const oracle::Exchange& x) {
    return x.response.is_object() && x.response.contains("error") && x.response.dump().find("parse tool call") != std::string::npos;
  };
  bool malformed_call = false;
  for (const auto& x : exchanges) {
    if (unparsed_tool_call(x)) malformed_call = true;
    else if (x.status >= 400 || x.status == 0) return "endpoint error";
  }
  // Frameworks stop a run that reached their turn limit with an error of their own.
  static const std::regex turn_limit(
      R"(max(imum)?[ _-]?(turns|iterations|steps|rounds)|recursion[ _-]limit|turn limit|iteration limit|maximum number of)",
      std::regex::icase);
  const bool at_turn_limit = !error.empty() && std::regex_search(error, turn_limit);
  if (malformed_call) return "malformed arguments";
  if (!error.empty() && !at_turn_limit) return "framework error";

  std::vector<ToolCall> calls;
  for (const auto& x : exchanges)
    for (auto& c : tool_calls_of(x)) calls.push_back(std::move(c));
  const bool has_tools = std::any_of(spec.agents.begin(), spec.agents.end(), [](const auto& a) { return !a.tools.empty(); });
  if (has_tools && calls.empty()) return "no tool call";
  std::set<std::string> scenario_tools;
  for (const auto& t : spec.tools) scenario_tools.insert(t.name);
  // A framework's own tools (hand-offs, a final-answer tool) are offered in the request too.
  if (std::any_of(calls.begin(), calls.end(), [](const ToolCall& c) { return !c.offered; })) return "wrong tool";
  if (std::any_of(calls.begin(), calls.end(),
                  [&](const ToolCall& c) { return scenario_tools.contains(c.name) && !is_object_text(c.arguments); }))
    return "malformed arguments";
  for (const auto& x : exchanges)
    for (const auto& result : tool_results_of(x))
      if (result.starts_with("error:")) return "malformed arguments";
  std::map<std::pair<std::string, std::string>, int> repeats;
  const bool looped = std::any_of(calls.begin(), calls.end(), [&](const ToolCall& c) { return ++repeats[{c.name, c.arguments}] >= 3; });
  if (at_turn_limit || looped) return "gave up or looped";
  // A planted value the model was shown (it was in a request) that the answer lacks was lost on the way.
  for (const auto& missing : datasets::check_answer(spec, record.answer).missing)
    for (const auto& x : exchanges)
      if (x.request.is_object() && x.request.dump().find(missing) != std::string::npos) return "planted value lost";
  return "wrong answer";
}

}  // namespace legion::bench
