#include "legion/oracle/wire.hpp"

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

// A strict JSON reader over the body; every method returns false where the fast path gives up.
class Reader {
 public:
  explicit Reader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  void skip_space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool at_end() {
    skip_space();
    return p_ == end_;
  }
  bool eat(char c) {
    skip_space();
    if (p_ < end_ && *p_ == c) return ++p_, true;
    return false;
  }
  char peek() {
    skip_space();
    return p_ < end_ ? *p_ : '\0';
  }
  bool null() { return literal("null"); }

  // A string into `out` (escapes resolved, UTF-8 checked).
  bool string(std::string& out) {
    if (!eat('"')) return false;
    out.clear();
    for (;;) {
      const char* start = p_;
      while (p_ < end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20 &&
             static_cast<unsigned char>(*p_) < 0x80)
        ++p_;
      out.append(start, p_);
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') return ++p_, true;
      if (c < 0x20) return false;
      if (c >= 0x80) {
        const auto n = core::utf8_sequence_length(std::string_view(p_, static_cast<std::size_t>(end_ - p_)), 0);
        if (n == 0) return false;
        out.append(p_, n);
        p_ += n;
        continue;
      }
      if (++p_ == end_) return false;  // a backslash
      switch (*p_++) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t code = 0;
          if (!hex4(code)) return false;
          if (code >= 0xD800 && code <= 0xDBFF) {
            std::uint32_t low = 0;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xDC00 && code <= 0xDFFF) {
            return false;
          }
          core::append_utf8(out, code);
          break;
        }
        default: return false;
      }
    }
  }

  // Any value, checked and skipped; `raw` gets its text.
  bool value(std::string_view* raw = nullptr, int depth = 0) {
    if (depth > 64) return false;
    skip_space();
    const char* start = p_;
    bool ok = false;
    switch (peek()) {
      case '"': ok = string(scratch_); break;
      case '{': {
        ++p_;
        if (eat('}')) { ok = true; break; }
        do {
          if (!string(scratch_) || !eat(':') || !value(nullptr, depth + 1)) return false;
        } while (eat(','));
        ok = eat('}');
        break;
      }
      case '[': {
        ++p_;
        if (eat(']')) { ok = true; break; }
        do {
          if (!value(nullptr, depth + 1)) return false;
        } while (eat(','));
        ok = eat(']');
        break;
      }
      case 't': ok = literal("true"); break;
      case 'f': ok = literal("false"); break;
      case 'n': ok = literal("null"); break;
      default: ok = number(); break;
    }
    if (ok && raw) *raw = std::string_view(start, static_cast<std::size_t>(p_ - start));
    return ok;
  }

  bool boolean(bool& out) {
    if (literal("true")) return out = true, true;
    if (literal("false")) return out = false, true;
    return false;
  }

 private:
  bool literal(std::string_view word) {
    skip_space();
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) return false;
    p_ += word.size();
    return true;
  }
  bool number() {  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    const char* s = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') ++p_;
    else if (*p_ >= '1' && *p_ <= '9') while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    else return false;
    if (p_ < end_ && *p_ == '.') {
      const char* digits = ++p_;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      if (p_ == digits) return false;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      const char* digits = p_;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      if (p_ == digits) return false;
    }
    return p_ > s;
  }
  bool hex4(std::uint32_t& out) {
    if (end_ - p_ < 4) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      out <<= 4;
      if (c >= '0' && c <= '9') out |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') out |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') out |= static_cast<std::uint32_t>(c - 'A' + 10);
      else return false;
    }
    return true;
  }
  const char* p_;
  const char* end_;
  std::string scratch_;
};

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

// A JSON string as nlohmann's dump() writes it; false for invalid UTF-8 (dump() throws there).
bool append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      std::size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
      if (n == 0 || i + n > s.size()) return false;
      for (std::size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F)) return false;
      out.append(s.data() + i, n);
      i += n;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
  return true;
}

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
