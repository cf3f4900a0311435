#include "legion/core/task.hpp"

#include <stdexcept>

namespace legion::core {

std::string_view to_string(Pattern p) {
  switch (p) {
    case Pattern::sequential: return "sequential";
    case Pattern::hierarchical: return "hierarchical";
    case Pattern::round_robin: return "round-robin";
    case Pattern::selector: return "selector";
    case Pattern::consensus: return "consensus";
    case Pattern::human_review: return "human-review";
    case Pattern::mixture: return "mixture";
  }
  return "?";
}

const TaskAgent* TaskSpec::agent(std::string_view id) const {
  for (const auto& a : agents)
    if (a.id == id) return &a;
  return nullptr;
}

std::vector<std::string> votes_in(std::string_view text) {
  constexpr std::string_view marker = "VOTE: ";
  std::vector<std::string> votes;
  for (auto pos = text.find(marker); pos != std::string_view::npos; pos = text.find(marker, pos + 1)) {
    auto start = pos + marker.size();
    auto end = text.find_first_of(" \n\t.,;)", start);
    votes.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
  }
  return votes;
}

std::string TaskSpec::prompt(const std::string& prompt_name, const std::map<std::string, std::string>& values) const {
  const auto it = prompts.find(prompt_name);
  if (it == prompts.end()) throw std::invalid_argument("no prompt '" + prompt_name + "' in this task");
  const auto& text = it->second;
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const auto open = text.find('{', pos);
    const auto close = open == std::string::npos ? std::string::npos : text.find('}', open);
    if (close == std::string::npos) break;
    const auto slot = text.substr(open + 1, close - open - 1);
    const auto value = values.find(slot);
    if (value == values.end()) throw std::invalid_argument("prompt '" + prompt_name + "' needs a value for {" + slot + "}");
    out.append(text, pos, open - pos).append(value->second);
    pos = close + 1;
  }
  return out.append(text, pos);
}

nlohmann::json to_json(const TaskSpec& t) {
  nlohmann::json tools = nlohmann::json::array(), agents = nlohmann::json::array();
  for (const auto& tool : t.tools) {
    tools.push_back({{"name", tool.name}, {"description", tool.description}, {"parameters", tool.parameters}});
    if (!tool.kind.empty()) tools.back()["kind"] = tool.kind;
  }
  for (const auto& a : t.agents) agents.push_back({{"id", a.id}, {"role", a.role}, {"goal", a.goal}, {"tools", a.tools}});
  nlohmann::json j = {{"name", t.name},
          {"pattern", to_string(t.pattern)},
          {"task", t.task},
          {"tools", tools},
          {"agents", agents},
          {"manager", t.manager},
          {"moderator", t.moderator},
          {"aggregator", t.aggregator},
          {"termination_text", t.termination_text},
          {"max_turns", t.max_turns},
          {"params", t.params},
          {"prompts", t.prompts}};
  if (!t.knowledge.empty()) j["knowledge"] = {{"documents", t.knowledge.documents.size()}, {"top_k", t.knowledge.top_k}};
  return j;
}

nlohmann::json to_wire(const TaskSpec& t) {
  auto j = to_json(t);
  j["context_window"] = t.context_window;
  j["knowledge"] = {{"documents", t.knowledge.documents}, {"top_k", t.knowledge.top_k}};
  return j;
}

TaskSpec task_from_wire(const nlohmann::json& j) {
  TaskSpec t;
  t.name = j.at("name").get<std::string>();
  const auto pattern = j.at("pattern").get<std::string>();
  for (auto p : {Pattern::sequential, Pattern::hierarchical, Pattern::round_robin, Pattern::selector, Pattern::consensus,
                 Pattern::human_review, Pattern::mixture})
    if (to_string(p) == pattern) t.pattern = p;
  if (to_string(t.pattern) != pattern) throw std::invalid_argument("task: unknown pattern '" + pattern + "'");
  t.task = j.at("task").get<std::string>();
  for (const auto& tool : j.at("tools"))
    t.tools.push_back({tool.at("name").get<std::string>(), tool.at("description").get<std::string>(), tool.at("parameters"),
                       tool.value("kind", std::string())});
  for (const auto& a : j.at("agents"))
    t.agents.push_back({a.at("id").get<std::string>(), a.at("role").get<std::string>(), a.at("goal").get<std::string>(),
                        a.at("tools").get<std::vector<std::string>>()});
  t.manager = j.at("manager").get<std::string>();
  t.moderator = j.at("moderator").get<std::string>();
  t.aggregator = j.at("aggregator").get<std::string>();
  t.termination_text = j.at("termination_text").get<std::string>();
  t.max_turns = j.at("max_turns").get<int>();
  t.context_window = j.at("context_window").get<int>();
  t.params = j.at("params").get<std::map<std::string, std::int64_t>>();
  t.prompts = j.at("prompts").get<std::map<std::string, std::string>>();
  t.knowledge.documents = j.at("knowledge").at("documents").get<std::vector<std::string>>();
  t.knowledge.top_k = j.at("knowledge").at("top_k").get<int>();
  return t;
}

}  // namespace legion::core
