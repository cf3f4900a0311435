#include "legion/oracle/wire.hpp"

#include "legion/core/json_cursor.hpp"
#include "legion/core/utf8.hpp"

#include <array>
#include <charconv>
#include <cstring>
#include <list>
#include <unordered_map>

#include "legion/oracle/token_counter.hpp"

namespace legion::oracle {

using namespace legion::core;
using nlohmann::json;

namespace {

// The strict reader over the body; every method returns false where the fast path gives up.
using Reader = core::JsonCursor;

// Iterates an object's members; gives up on a key seen twice among `known` (the core parser keeps
// the last one, this one would keep the first).
template <std::size_t N, typename OnMember>
bool members(Reader& in, const std::array<std::string_view, N>& known, OnMember on_member) {
  if (!in.eat('{')) return false;
  if (in.eat('}')) return true;
  std::uint32_t seen = 0;
  std::string key;
  do {
    if (!in.string(key) || !in.eat(':')) return false;
    std::size_t index = N;
    for (std::size_t i = 0; i < N; ++i)
      if (key == known[i]) index = i;
    if (index < N) {
      if (seen & (1u << index)) return false;
      seen |= 1u << index;
    }
    if (!on_member(index, in)) return false;
  } while (in.eat(','));
  return in.eat('}');
}

template <typename OnItem>
bool items(Reader& in, OnItem on_item) {
  if (!in.eat('[')) return false;
  if (in.eat(']')) return true;
  do {
    if (!on_item(in)) return false;
  } while (in.eat(','));
  return in.eat(']');
}

// A string or null (which reads as empty).
bool optional_string(Reader& in, std::string& out) {
  if (in.peek() == 'n') return out.clear(), in.null();
  return in.string(out);
}

bool tool_call(Reader& in, ToolCall& call) {
  bool has_function = false, has_name = false;
  static constexpr std::array<std::string_view, 2> kCall{"id", "function"};
  static constexpr std::array<std::string_view, 2> kFunction{"name", "arguments"};
  return members(in, kCall, [&](std::size_t key, Reader& r) {
           if (key == 0) return optional_string(r, call.id);
           if (key == 1) {
             has_function = true;
             return members(r, kFunction, [&](std::size_t k, Reader& f) {
               if (k == 0) return f.peek() == '"' && (has_name = true, f.string(call.name));
               if (k == 1) return f.peek() == '"' && f.string(call.arguments);  // else core dumps the value
               return f.value();
             });
           }
           return r.value();
         }) &&
         has_function && has_name;
}

bool message(Reader& in, Message& m) {
  bool has_role = false;
  static constexpr std::array<std::string_view, 5> kMessage{"role", "content", "name", "tool_call_id", "tool_calls"};
  return members(in, kMessage, [&](std::size_t key, Reader& r) {
           switch (key) {
             case 0: return r.peek() == '"' && (has_role = true, r.string(m.role));
             case 1: return optional_string(r, m.content);  // a list of parts: the core parser
             case 2: return optional_string(r, m.name);
             case 3: return optional_string(r, m.tool_call_id);
             case 4:
               if (r.peek() == 'n') return r.null();
               return items(r, [&](Reader& item) {
                 m.tool_calls.emplace_back();
                 return tool_call(item, m.tool_calls.back());
               });
             default: return r.value();
           }
         }) &&
         has_role;
}

// Tool schemas repeat with every request: each distinct text is parsed once per thread.
const json& parameters_of(std::string_view raw) {
  thread_local std::unordered_map<std::string, json> parsed;
  if (auto it = parsed.find(std::string(raw)); it != parsed.end()) return it->second;
  if (parsed.size() >= 256) parsed.clear();
  return parsed.emplace(std::string(raw), json::parse(raw)).first->second;
}

bool tool(Reader& in, ToolDefinition& t) {
  bool has_function = false, has_name = false;
  static constexpr std::array<std::string_view, 1> kTool{"function"};
  static constexpr std::array<std::string_view, 3> kFunction{"name", "description", "parameters"};
  return members(in, kTool, [&](std::size_t key, Reader& r) {
           if (key != 0) return r.value();
           has_function = true;
           return members(r, kFunction, [&](std::size_t k, Reader& f) {
             if (k == 0) return f.peek() == '"' && (has_name = true, f.string(t.name));
             if (k == 1) return optional_string(f, t.description);
             if (k == 2) {
               std::string_view raw;
               if (!f.value(&raw)) return false;
               t.parameters = parameters_of(raw);
               return true;
             }
             return f.value();
           });
         }) &&
         has_function && has_name;
}

}  // namespace

namespace detail {

std::optional<ChatRequest> decode_common_chat_request(std::string_view body) {
  Reader in(body);
  ChatRequest r;
  bool has_model = false, has_messages = false;
  static constexpr std::array<std::string_view, 5> kRequest{"model", "messages", "tools", "stream", "stream_options"};
  const bool ok = members(in, kRequest, [&](std::size_t key, Reader& v) {
    switch (key) {
      case 0: return v.peek() == '"' && (has_model = true, v.string(r.model));
      case 1:
        has_messages = true;
        return items(v, [&](Reader& item) {
          r.messages.emplace_back();
          return message(item, r.messages.back());
        });
      case 2:
        if (v.peek() == 'n') return v.null();
        return items(v, [&](Reader& item) {
          r.tools.emplace_back();
          return tool(item, r.tools.back());
        });
      case 3: return v.boolean(r.stream);
      case 4: {
        if (v.peek() != '{') return v.value();  // not an object: the core parser ignores it too
        static constexpr std::array<std::string_view, 1> kOptions{"include_usage"};
        return members(v, kOptions, [&](std::size_t k, Reader& o) { return k == 0 ? o.boolean(r.include_usage) : o.value(); });
      }
      default: return v.value();
    }
  });
  if (!ok || !in.at_end() || !has_model || !has_messages || r.messages.empty()) return std::nullopt;
  return r;
}

}  // namespace detail

ChatRequest decode_chat_request(std::string_view body) {
  try {
    if (auto fast = detail::decode_common_chat_request(body)) return std::move(*fast);
  } catch (const json::exception&) {  // a schema the core parser would read differently or reject
  }
  return parse_chat_request(body);
}

namespace {

using core::append_json_string;

void append_integer(std::string& out, std::int64_t n) {
  std::array<char, 24> digits{};
  out.append(digits.data(), std::to_chars(digits.data(), digits.data() + digits.size(), n).ptr);
}
void append_integer(std::string& out, std::uint64_t n) {
  std::array<char, 24> digits{};
  out.append(digits.data(), std::to_chars(digits.data(), digits.data() + digits.size(), n).ptr);
}

// Keys in nlohmann's order (sorted), as core::to_json and core::encode_chat_response build them.
bool append_completion(std::string& out, const ChatResponse& r) {
  const auto& m = r.message;
  out += R"({"choices":[{"finish_reason":)";
  if (!append_json_string(out, r.finish_reason)) return false;
  out += R"(,"index":0,"logprobs":null,"message":{"content":)";
  if (m.role == "assistant" && !m.tool_calls.empty() && m.content.empty()) out += "null";
  else if (!append_json_string(out, m.content)) return false;
  if (!m.name.empty()) {
    out += R"(,"name":)";
    if (!append_json_string(out, m.name)) return false;
  }
  out += R"(,"role":)";
  if (!append_json_string(out, m.role)) return false;
  if (!m.tool_call_id.empty()) {
    out += R"(,"tool_call_id":)";
    if (!append_json_string(out, m.tool_call_id)) return false;
  }
  if (!m.tool_calls.empty()) {
    out += R"(,"tool_calls":[)";
    for (std::size_t i = 0; i < m.tool_calls.size(); ++i) {
      const auto& c = m.tool_calls[i];
      if (i > 0) out += ',';
      out += R"({"function":{"arguments":)";
      if (!append_json_string(out, c.arguments)) return false;
      out += R"(,"name":)";
      if (!append_json_string(out, c.name)) return false;
      out += R"(},"id":)";
      if (!append_json_string(out, c.id)) return false;
      out += R"(,"type":"function"})";
    }
    out += ']';
  }
  out += R"(}}],"created":)";
  append_integer(out, r.created);
  out += R"(,"id":)";
  if (!append_json_string(out, r.id)) return false;
  out += R"(,"model":)";
  if (!append_json_string(out, r.model)) return false;
  out += R"(,"object":"chat.completion","usage":{"completion_tokens":)";
  append_integer(out, r.usage.completion_tokens);
  out += R"(,"prompt_tokens":)";
  append_integer(out, r.usage.prompt_tokens);
  out += R"(,"total_tokens":)";
  append_integer(out, r.usage.prompt_tokens + r.usage.completion_tokens);
  out += "}}";
  return true;
}

}  // namespace

std::string encode_chat_completion(const ChatResponse& response) {
  std::string out;
  out.reserve(512);
  if (append_completion(out, response)) return out;
  return encode_chat_response(response);  // invalid UTF-8: the core encoder reports it
}

}  // namespace legion::oracle
