#include "legion/datasets/dialect.hpp"

#include "yaml_file.hpp"

namespace legion::datasets {
namespace {

std::string fill(std::string text, const TaskAgent& agent, const std::string& task = {}) {
  auto replace_all = [&](const std::string& key, const std::string& value) {
    for (auto pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos + value.size()))
      text.replace(pos, key.size(), value);
  };
  replace_all("{id}", agent.id);
  replace_all("{role}", agent.role);
  replace_all("{task}", task);
  return text;
}

nlohmann::json fill_json(const nlohmann::json& value, const TaskAgent& agent, const std::string& task) {
  if (value.is_string()) return fill(value.get<std::string>(), agent, task);
  nlohmann::json out = value;
  if (value.is_structured())
    for (auto& item : out) item = fill_json(item, agent, task);
  return out;
}

nlohmann::json yaml_to_json(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& kv : node) j[kv.first.as<std::string>()] = yaml_to_json(kv.second);
    return j;
  }
  if (node.IsSequence()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& item : node) j.push_back(yaml_to_json(item));
    return j;
  }
  if (node.IsNull()) return nullptr;
  return node.as<std::string>();
}

}  // namespace

std::string Dialect::identity_of(const TaskAgent& agent) const { return fill(identity, agent); }

namespace {
bool carries(const ChatRequest& request, const std::string& text) {
  if (text.empty()) return false;
  for (const auto& m : request.messages)
    if ((m.role == "system" || m.role == "developer" || m.role == "user") && m.content.find(text) != std::string::npos)
      return true;
  return false;
}
}  // namespace

bool Dialect::is_selector_request(const ChatRequest& request) const { return carries(request, selector_detect); }
bool Dialect::is_search_query_request(const ChatRequest& request) const { return carries(request, search_query_detect); }

std::string Dialect::selector_answer(const TaskAgent& agent) const { return fill(selector_reply, agent); }

ToolCall Dialect::delegate_call(const TaskAgent& target, const std::string& task, std::string call_id) const {
  return {std::move(call_id), fill(delegate_tool, target), fill_json(delegate_arguments, target, task).dump()};
}

ToolCall Dialect::final_answer_call(const std::string& answer, std::string call_id) const {
  auto fill_answer = [&](auto&& self, const nlohmann::json& value) -> nlohmann::json {
    if (value.is_string()) {
      auto text = value.get<std::string>();
      for (auto pos = text.find("{answer}"); pos != std::string::npos; pos = text.find("{answer}", pos + answer.size()))
        text.replace(pos, 8, answer);
      return text;
    }
    nlohmann::json out = value;
    if (value.is_structured())
      for (auto& item : out) item = self(self, item);
    return out;
  };
  return {std::move(call_id), final_answer_tool, fill_answer(fill_answer, final_answer_arguments).dump()};
}

Dialect load_dialect(const std::filesystem::path& file) {
  YamlFile f(file, "dialect file");
  const auto& root = f.root();
  if (!root.IsMap() || !root["name"] || !root["delegate"] || !root["delegate"]["tool"])
    f.fail(root, "a dialect needs name, identity, selector {detect, reply} and delegate {tool, arguments}");
  f.only_keys(root, {"name", "identity", "selector", "delegate", "search_query", "final_answer"}, "a dialect");
  Dialect d;
  d.name = root["name"].as<std::string>();
  if (root["identity"]) d.identity = root["identity"].as<std::string>();
  if (auto s = root["selector"]) {
    if (s["detect"]) d.selector_detect = s["detect"].as<std::string>();
    if (s["reply"]) d.selector_reply = s["reply"].as<std::string>();
  }
  if (auto q = root["search_query"]) {
    f.only_keys(q, {"detect"}, "'search_query'");
    d.search_query_detect = f.require(q, "detect", "'search_query'").as<std::string>();
  }
  if (auto a = root["final_answer"]) {
    f.only_keys(a, {"tool", "arguments"}, "'final_answer'");
    d.final_answer_tool = f.require(a, "tool", "'final_answer'").as<std::string>();
    if (a["arguments"]) d.final_answer_arguments = yaml_to_json(a["arguments"]);
  }
  d.delegate_tool = root["delegate"]["tool"].as<std::string>();
  if (root["delegate"]["arguments"]) d.delegate_arguments = yaml_to_json(root["delegate"]["arguments"]);
  return d;
}

Dialect dialect_named(const std::string& name) {
  auto file = datasets_dir() / "dialects" / (name + ".yaml");
  if (!std::filesystem::exists(file)) throw DatasetError("unknown dialect '" + name + "' (no " + file.string() + ")");
  return load_dialect(file);
}

}  // namespace legion::datasets
