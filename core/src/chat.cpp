#include "legion/core/chat.hpp"

#include "legion/core/json_cursor.hpp"
#include "legion/core/utf8.hpp"

#include <climits>
#include <cstdint>
#include <optional>

namespace legion::core {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw WireError(path + ": " + what); }

std::string string_field(const json& j, const char* key, const std::string& path, bool required = false) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) fail(path + "." + key, "missing");
    return {};
  }
  if (!it->is_string()) fail(path + "." + key, "expected a string");
  return it->get<std::string>();
}

// Content is a string, null, or a list of parts of which the text parts are kept.
std::string content_text(const json& j, const std::string& path) {
  auto it = j.find("content");
  if (it == j.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (!it->is_array()) fail(path + ".content", "expected a string, null or a list of parts");
  std::string text;
  for (const auto& part : *it)
    if (part.is_object() && part.value("type", "") == "text") text += part.value("text", "");
  return text;
}

json tool_call_json(const ToolCall& call) {
  return {{"id", call.id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", call.arguments}}}};
}

}  // namespace

json to_json(const Message& m) {
  json j = {{"role", m.role}};
  if (m.role == "assistant" && !m.tool_calls.empty() && m.content.empty())
    j["content"] = nullptr;
  else
    j["content"] = m.content;
  if (!m.name.empty()) j["name"] = m.name;
  if (!m.tool_call_id.empty()) j["tool_call_id"] = m.tool_call_id;
  if (!m.tool_calls.empty()) {
    j["tool_calls"] = json::array();
    for (const auto& call : m.tool_calls) j["tool_calls"].push_back(tool_call_json(call));
  }
  return j;
}

Message message_from_json(const json& j, const std::string& path) {
  if (!j.is_object()) fail(path, "expected an object");
  Message m;
  m.role = string_field(j, "role", path, true);
  m.content = content_text(j, path);
  m.name = string_field(j, "name", path);
  m.tool_call_id = string_field(j, "tool_call_id", path);
  if (auto it = j.find("tool_calls"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) fail(path + ".tool_calls", "expected a list");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const auto& c = (*it)[i];
      auto cpath = path + ".tool_calls[" + std::to_string(i) + "]";
      if (!c.is_object() || !c.contains("function")) fail(cpath, "expected {id, type, function}");
      const auto& fn = c["function"];
      ToolCall call{string_field(c, "id", cpath), string_field(fn, "name", cpath + ".function", true), {}};
      if (auto a = fn.find("arguments"); a != fn.end())
        call.arguments = a->is_string() ? a->get<std::string>() : a->dump();
      m.tool_calls.push_back(std::move(call));
    }
  }
  return m;
}

ChatRequest parse_chat_request(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) fail("$", "request body is not valid JSON");
  if (!j.is_object()) fail("$", "expected an object");
  ChatRequest r;
  r.model = string_field(j, "model", "$", true);
  auto messages = j.find("messages");
  if (messages == j.end() || !messages->is_array() || messages->empty())
    fail("$.messages", "expected a non-empty list");
  for (std::size_t i = 0; i < messages->size(); ++i)
    r.messages.push_back(message_from_json((*messages)[i], "$.messages[" + std::to_string(i) + "]"));
  if (auto tools = j.find("tools"); tools != j.end() && !tools->is_null()) {
    if (!tools->is_array()) fail("$.tools", "expected a list");
    for (std::size_t i = 0; i < tools->size(); ++i) {
      auto path = "$.tools[" + std::to_string(i) + "]";
      const auto& t = (*tools)[i];
      if (!t.is_object() || !t.contains("function") || !t["function"].is_object())
        fail(path, "expected {type: function, function: {...}}");
      const auto& fn = t["function"];
      r.tools.push_back({string_field(fn, "name", path + ".function", true),
                         string_field(fn, "description", path + ".function"),
                         fn.value("parameters", json::object())});
    }
  }
  r.stream = j.value("stream", false);
  if (auto so = j.find("stream_options"); so != j.end() && so->is_object())
    r.include_usage = so->value("include_usage", false);
  return r;
}

// ---------------------------------------------------------------- request encoding
//
// The engine encodes a request per model call, so it is written directly instead of through a
// json tree; the bytes are exactly nlohmann::json::dump()'s for the same object (keys sorted,
// the same escapes), which tests/core/chat_test.cpp checks against the tree encoding.

namespace {

void put_string(std::string& out, std::string_view text) {
  if (!append_json_string(out, text)) throw WireError("request: text is not valid UTF-8");
}

void put_message(std::string& out, const Message& m) {
  out += "{\"content\":";
  if (m.role == "assistant" && !m.tool_calls.empty() && m.content.empty()) out += "null";
  else put_string(out, m.content);
  if (!m.name.empty()) out += ",\"name\":", put_string(out, m.name);
  out += ",\"role\":";
  put_string(out, m.role);
  if (!m.tool_call_id.empty()) out += ",\"tool_call_id\":", put_string(out, m.tool_call_id);
  if (!m.tool_calls.empty()) {
    out += ",\"tool_calls\":[";
    for (std::size_t i = 0; i < m.tool_calls.size(); ++i) {
      const auto& call = m.tool_calls[i];
      out += i ? ",{\"function\":{\"arguments\":" : "{\"function\":{\"arguments\":";
      put_string(out, call.arguments);
      out += ",\"name\":";
      put_string(out, call.name);
      out += "},\"id\":";
      put_string(out, call.id);
      out += ",\"type\":\"function\"}";
    }
    out += ']';
  }
  out += '}';
}

}  // namespace

std::string encode_tools(const std::vector<ToolDefinition>& tools) {
  std::string out = "[";
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const auto& t = tools[i];
    out += i ? ",{\"function\":{\"description\":" : "{\"function\":{\"description\":";
    put_string(out, t.description);
    out += ",\"name\":";
    put_string(out, t.name);
    out += ",\"parameters\":";
    out += t.parameters.dump();
    out += "},\"type\":\"function\"}";
  }
  out += ']';
  return out;
}

std::string encode_chat_request(const ChatRequest& r) {
  std::size_t size = 64 + r.model.size() + (r.tools_json ? r.tools_json->size() : 0);
  for (const auto& m : r.messages) size += 64 + m.content.size() + m.role.size() + m.name.size() + m.tool_call_id.size();
  std::string out;
  out.reserve(size + size / 8);
  out += "{\"messages\":[";
  for (std::size_t i = 0; i < r.messages.size(); ++i) {
    if (i) out += ',';
    put_message(out, r.messages[i]);
  }
  out += "],\"model\":";
  put_string(out, r.model);
  if (r.stream) {
    out += ",\"stream\":true";
    if (r.include_usage) out += ",\"stream_options\":{\"include_usage\":true}";
  }
  if (r.tools_json) {
    if (*r.tools_json != "[]") out += ",\"tools\":", out += *r.tools_json;
  } else if (!r.tools.empty()) {
    out += ",\"tools\":";
    out += encode_tools(r.tools);
  }
  out += '}';
  return out;
}

std::string encode_chat_response(const ChatResponse& r) {
  json message = to_json(r.message);
  json j = {{"id", r.id},
            {"object", "chat.completion"},
            {"created", r.created},
            {"model", r.model},
            {"choices", json::array({{{"index", 0}, {"message", message}, {"logprobs", nullptr}, {"finish_reason", r.finish_reason}}})},
            {"usage",
             {{"prompt_tokens", r.usage.prompt_tokens},
              {"completion_tokens", r.usage.completion_tokens},
              {"total_tokens", r.usage.prompt_tokens + r.usage.completion_tokens}}}};
  return j.dump();
}

// ---------------------------------------------------------------- response decoding
//
// The engine decodes a response per model call. A reader over the text takes what a response
// holds without building a json tree; anything it does not expect (content as a list of parts,
// arguments that are not a string, a value of another type, bad JSON) sends the body to the tree
// decoder below, which gives the same result or the error naming the field.

namespace {

using Reader = JsonCursor;

bool read_message(Reader& in, Message& m) {
  bool has_role = false;
  bool ok = in.object([&](const std::string& key) {
    if (key == "role") return has_role = in.string(m.role);
    if (key == "content") return in.string_or_null(m.content);  // a list of parts: the tree decoder
    if (key == "name") return in.string_or_null(m.name);
    if (key == "tool_call_id") return in.string_or_null(m.tool_call_id);
    if (key == "tool_calls") {
      m.tool_calls.clear();
      if (in.null()) return true;
      return in.array([&](std::size_t) {
        ToolCall call;
        bool has_function = false, has_name = false;
        bool ok_call = in.object([&](const std::string& k) {
          if (k == "id") return in.string_or_null(call.id);
          if (k == "function") {
            has_function = true;
            return in.object([&](const std::string& f) {
              if (f == "name") return has_name = in.string(call.name);
              if (f == "arguments") return in.string(call.arguments);  // not a string: the tree decoder
              return in.skip();
            });
          }
          return in.skip();
        });
        m.tool_calls.push_back(std::move(call));
        return ok_call && has_function && has_name;
      });
    }
    return in.skip();
  });
  return ok && has_role;
}

std::optional<ChatResponse> read_chat_response(std::string_view body) {
  Reader in(body);
  ChatResponse r;
  bool has_choice = false;
  bool ok = in.object([&](const std::string& key) {
    if (key == "id") return in.string_or_null(r.id);
    if (key == "model") return in.string_or_null(r.model);
    if (key == "created") {
      std::uint64_t created = 0;
      if (!in.unsigned_number(created) || created > static_cast<std::uint64_t>(INT64_MAX)) return false;
      r.created = static_cast<std::int64_t>(created);
      return true;
    }
    if (key == "choices") {
      has_choice = false;
      return in.array([&](std::size_t i) {
        if (i > 0) return in.skip();
        bool has_message = false;
        bool ok_choice = in.object([&](const std::string& k) {
          if (k == "message") {
            r.message = {};
            return has_message = read_message(in, r.message);
          }
          if (k == "finish_reason") return in.string_or_null(r.finish_reason);
          return in.skip();
        });
        return has_choice = ok_choice && has_message;
      });
    }
    if (key == "usage") {
      if (in.peek() != '{') return in.skip();
      return in.object([&](const std::string& k) {
        if (k == "prompt_tokens") return in.unsigned_number(r.usage.prompt_tokens);
        if (k == "completion_tokens") return in.unsigned_number(r.usage.completion_tokens);
        return in.skip();
      });
    }
    return in.skip();
  });
  if (!ok || !in.ok() || !has_choice || !in.at_end()) return std::nullopt;
  return r;
}

ChatResponse parse_chat_response_tree(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) fail("$", "response body is not valid JSON");
  if (!j.is_object()) fail("$", "expected an object");
  ChatResponse r;
  r.id = string_field(j, "id", "$");
  r.model = string_field(j, "model", "$");
  r.created = j.value("created", std::int64_t{0});
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty()) fail("$.choices", "expected a non-empty list");
  const auto& choice = (*choices)[0];
  if (!choice.is_object() || !choice.contains("message")) fail("$.choices[0].message", "missing");
  r.message = message_from_json(choice["message"], "$.choices[0].message");
  r.finish_reason = string_field(choice, "finish_reason", "$.choices[0]");
  if (auto u = j.find("usage"); u != j.end() && u->is_object()) {
    r.usage.prompt_tokens = u->value("prompt_tokens", std::uint64_t{0});
    r.usage.completion_tokens = u->value("completion_tokens", std::uint64_t{0});
  }
  return r;
}

}  // namespace

ChatResponse parse_chat_response(std::string_view body) {
  if (auto fast = read_chat_response(body)) return std::move(*fast);
  return parse_chat_response_tree(body);
}

std::vector<std::string> encode_stream_events(const ChatResponse& r, const std::vector<std::string>& pieces,
                                              bool include_usage) {
  auto chunk = [&](json delta, json finish) {
    json j = {{"id", r.id},
              {"object", "chat.completion.chunk"},
              {"created", r.created},
              {"model", r.model},
              {"choices", json::array({{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr}, {"finish_reason", std::move(finish)}}})}};
    return "data: " + j.dump() + "\n\n";
  };
  std::vector<std::string> events;
  events.push_back(chunk({{"role", "assistant"}, {"content", ""}}, nullptr));
  for (const auto& piece : pieces) events.push_back(chunk({{"content", piece}}, nullptr));
  for (std::size_t i = 0; i < r.message.tool_calls.size(); ++i) {
    const auto& call = r.message.tool_calls[i];
    events.push_back(chunk({{"tool_calls", json::array({{{"index", i}, {"id", call.id}, {"type", "function"},
                                                         {"function", {{"name", call.name}, {"arguments", call.arguments}}}}})}},
                           nullptr));
  }
  events.push_back(chunk(json::object(), r.finish_reason));
  if (include_usage) {
    json j = {{"id", r.id},
              {"object", "chat.completion.chunk"},
              {"created", r.created},
              {"model", r.model},
              {"choices", json::array()},
              {"usage",
               {{"prompt_tokens", r.usage.prompt_tokens},
                {"completion_tokens", r.usage.completion_tokens},
                {"total_tokens", r.usage.prompt_tokens + r.usage.completion_tokens}}}};
    events.push_back("data: " + j.dump() + "\n\n");
  }
  events.push_back("data: [DONE]\n\n");
  return events;
}

ChatResponse parse_stream(std::string_view body) {
  ChatResponse r;
  r.message.role = "assistant";
  bool done = false;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto eol = body.find('\n', pos);
    auto line = body.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? body.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.starts_with("data:")) continue;
    line.remove_prefix(5);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line == "[DONE]") {
      done = true;
      break;
    }
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) fail("stream", "event is not valid JSON");
    r.id = j.value("id", r.id);
    r.model = j.value("model", r.model);
    r.created = j.value("created", r.created);
    if (auto u = j.find("usage"); u != j.end() && u->is_object()) {
      r.usage.prompt_tokens = u->value("prompt_tokens", std::uint64_t{0});
      r.usage.completion_tokens = u->value("completion_tokens", std::uint64_t{0});
    }
    auto choices = j.find("choices");
    if (choices == j.end() || !choices->is_array() || choices->empty()) continue;
    const auto& choice = (*choices)[0];
    if (auto f = choice.find("finish_reason"); f != choice.end() && f->is_string()) r.finish_reason = f->get<std::string>();
    if (!choice.contains("delta")) continue;
    const auto& delta = choice["delta"];
    if (auto c = delta.find("content"); c != delta.end() && c->is_string()) r.message.content += c->get<std::string>();
    if (auto calls = delta.find("tool_calls"); calls != delta.end() && calls->is_array()) {
      for (const auto& c : *calls) {
        auto index = c.value("index", std::size_t{0});
        if (r.message.tool_calls.size() <= index) r.message.tool_calls.resize(index + 1);
        auto& call = r.message.tool_calls[index];
        if (c.contains("id") && c["id"].is_string()) call.id = c["id"].get<std::string>();
        if (auto fn = c.find("function"); fn != c.end() && fn->is_object()) {
          if (fn->contains("name") && (*fn)["name"].is_string()) call.name += (*fn)["name"].get<std::string>();
          if (fn->contains("arguments") && (*fn)["arguments"].is_string()) call.arguments += (*fn)["arguments"].get<std::string>();
        }
      }
    }
  }
  if (!done) fail("stream", "ended without data: [DONE]");
  return r;
}

}  // namespace legion::core
