#include "legion/oracle/script_policy.hpp"

#include <map>
#include <unordered_map>
#include <vector>

namespace legion::oracle {

using namespace legion::core;
using namespace legion::datasets;
namespace {

using nlohmann::json;

// Everything a request carried, for {{seen.X}} and {{majority}}.
class RequestEvidence final : public Evidence {
 public:
  explicit RequestEvidence(const ChatRequest& request) {
    std::size_t size = 0;
    for (const auto& m : request.messages) {
      size += m.content.size() + 1;
      for (const auto& c : m.tool_calls) size += c.arguments.size() + 1;
    }
    text_.reserve(size);
    std::unordered_map<std::string_view, const ToolCall*> calls;  // by tool_call_id; a later call with the same id wins
    for (const auto& m : request.messages) {
      text_ += m.content;
      text_ += '\n';
      for (const auto& c : m.tool_calls) {
        text_ += c.arguments;
        text_ += '\n';
        calls[c.id] = &c;
      }
      if (m.role == "tool")
        if (auto it = calls.find(m.tool_call_id); it != calls.end()) answered_.push_back(it->second);
    }
  }
  // Whether a call of this tool with these arguments got a result back in the request. Arguments
  // compare as JSON values; equal strings need no parsing, which is the common case (clients send
  // back the arguments they were given).
  bool answered(const std::string& tool, const std::string& arguments) const {
    for (const auto* call : answered_)
      if (call->name == tool && call->arguments == arguments) return true;
    const auto wanted = canonical(arguments);
    for (const auto* call : answered_)
      if (call->name == tool && canonical(call->arguments) == wanted) return true;
    return false;
  }
  bool carries(std::string_view value) const override { return text_.find(value) != std::string::npos; }
  std::string majority_vote() const override {
    std::map<std::string, int> votes;
    for (auto& option : votes_in(text_)) ++votes[option];
    std::string best = "MISSING(votes)";
    int best_count = 0;
    for (const auto& [option, count] : votes)  // ties go to the alphabetically first option
      if (count > best_count) best = option, best_count = count;
    return best;
  }

 private:
  static std::string canonical(const std::string& arguments) {
    auto parsed = json::parse(arguments.empty() ? std::string("{}") : arguments, nullptr, false);
    return parsed.is_discarded() ? arguments : parsed.dump();
  }
  std::string text_;
  std::vector<const ToolCall*> answered_;  // calls whose result came back, in the request
};

}  // namespace

ScriptPolicy::ScriptPolicy(std::shared_ptr<const ScenarioSpec> scenario, Dialect dialect,
                           std::shared_ptr<TokenCounter> counter)
    : scenario_(std::move(scenario)), dialect_(std::move(dialect)), counter_(std::move(counter)) {}

ScriptPolicy::Decision ScriptPolicy::decide(const ChatRequest& request, std::uint64_t n) const {
  const auto& spec = *scenario_;
  RequestEvidence evidence(request);
  auto offered = [&](const std::string& tool) {
    return std::any_of(request.tools.begin(), request.tools.end(), [&](const ToolDefinition& t) { return t.name == tool; });
  };
  Decision d;
  auto& reply = d.response.message;
  reply.role = "assistant";
  d.response.id = "chatcmpl-legion-" + std::to_string(n);
  d.response.model = request.model;
  d.response.created = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  d.response.finish_reason = "stop";

  if (dialect_.is_selector_request(request)) {
    // The next speaker follows the scripted order, indexed by how many turns the request shows as done.
    std::size_t done = 0;
    for (const auto& agent : spec.agents)
      for (const auto& step : agent.script)
        if (step.kind == StepKind::say && evidence.carries(step.witness)) ++done;
    if (spec.speaker_order.empty()) throw PolicyError("scenario '" + spec.name + "' has no speaker order");
    const auto& next = spec.speaker_order[std::min(done, spec.speaker_order.size() - 1)];
    reply.content = dialect_.selector_answer(*spec.agent(next));
    d.agent = "selector";
    d.step = static_cast<int>(done);
    d.action = "select";
  } else if (dialect_.is_search_query_request(request)) {
    // The framework asks for its knowledge base's search query first: the task itself, as the
    // other systems search with it.
    reply.content = spec.task;
    d.agent = "search-query";
    d.action = "query";
  } else {
    // Which agent is asking: the one whose identity line appears first in the system prompt.
    std::string system;
    for (const auto& m : request.messages)
      if (m.role == "system" || m.role == "developer") system += m.content + "\n";
    if (system.empty()) system = request.messages.front().content;
    const AgentSpec* agent = nullptr;
    std::size_t best = std::string::npos;
    for (const auto& a : spec.agents) {
      auto pos = system.find(dialect_.identity_of(a));
      if (pos != std::string::npos && (pos < best || (pos == best && a.role.size() > agent->role.size()))) {
        agent = &a;
        best = pos;
      }
    }
    if (!agent)
      throw PolicyError("no agent of scenario '" + spec.name + "' is named in the system prompt (expected e.g. \"" +
                        dialect_.identity_of(spec.agents.front()) + "\")");
    // The current step is the first one not done yet: its witness is not carried, and for calls and
    // delegations, no result of that very call came back either (a result that lost the planted
    // value still moves the script on, so the loss shows in the answer instead of a loop).
    auto call_of = [&](const Step& step) {
      return step.kind == StepKind::call
                 ? ToolCall{"", step.tool, render_placeholders_json(step.args, spec, evidence).dump()}
                 : dialect_.delegate_call(*spec.agent(step.target), render_placeholders(step.text, spec, evidence), "");
    };
    auto done = [&](const Step& step) {
      if (evidence.carries(step.witness)) return true;
      if (step.kind == StepKind::say) return false;
      auto call = call_of(step);
      return evidence.answered(call.name, call.arguments);
    };
    std::size_t index = 0;
    while (index < agent->script.size() && done(agent->script[index])) ++index;
    // A later answer of the agent's own that the request carries shows the script got past it,
    // though the evidence of earlier steps is gone (a system that trims its context): go on after it.
    for (auto later = agent->script.size(); later > index + 1; --later)
      if (const auto& step = agent->script[later - 1]; step.own_witness && evidence.carries(step.witness)) {
        index = later;
        while (index < agent->script.size() && done(agent->script[index])) ++index;
        break;
      }
    if (index == agent->script.size()) {  // all done: repeat the last answer
      index = agent->script.size() - 1;
      while (index > 0 && agent->script[index].kind != StepKind::say) --index;
    }
    const auto& step = agent->script[index];
    d.agent = agent->id;
    d.step = static_cast<int>(index);
    auto call_id = "call_" + std::to_string(n);
    switch (step.kind) {
      case StepKind::call:
      case StepKind::delegate: {
        d.action = step.kind == StepKind::call ? "call" : "delegate";
        auto call = call_of(step);
        if (!offered(call.name)) {
          reply.content = "MISSING(tool " + call.name + " was not offered)";
          break;
        }
        call.id = call_id;
        reply.tool_calls.push_back(std::move(call));
        break;
      }
      case StepKind::say:
        d.action = "say";
        reply.content = render_placeholders(step.text, spec, evidence);
        break;
    }
  }
  // A framework that takes its agents' answers only as a tool call gets every text answer so.
  if (reply.tool_calls.empty() && !dialect_.final_answer_tool.empty() && offered(dialect_.final_answer_tool)) {
    reply.tool_calls.push_back(dialect_.final_answer_call(reply.content, "call_" + std::to_string(n)));
    reply.content.clear();
  }
  if (!reply.tool_calls.empty()) d.response.finish_reason = "tool_calls";
  d.response.usage.prompt_tokens = counter_->prompt(request);
  d.response.usage.completion_tokens = counter_->completion(reply);
  return d;
}

std::string render_placeholders(std::string_view text, const ScenarioSpec& spec, const Evidence& evidence) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    auto open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    auto close = text.find("}}", open);
    if (close == std::string_view::npos) break;
    out.append(text.substr(pos, open - pos));
    auto expr = text.substr(open + 2, close - open - 2);
    if (expr == "majority") {
      out += evidence.majority_vote();
    } else if (expr.starts_with("seen.")) {
      auto name = std::string(expr.substr(5));
      auto it = spec.nonces.find(name);
      // A value the request did not carry cannot be repeated: the answer shows the gap.
      out += (it != spec.nonces.end() && evidence.carries(it->second)) ? it->second : "MISSING(" + name + ")";
    } else {
      out.append(text.substr(open, close + 2 - open));
    }
    pos = close + 2;
  }
  out.append(text.substr(pos));
  return out;
}

json render_placeholders_json(const json& value, const ScenarioSpec& spec, const Evidence& evidence) {
  if (value.is_string()) return json(render_placeholders(value.get<std::string>(), spec, evidence));
  if (value.is_object() || value.is_array()) {
    json out = value;
    for (auto& item : out) item = render_placeholders_json(item, spec, evidence);
    return out;
  }
  return value;
}


}  // namespace legion::oracle
