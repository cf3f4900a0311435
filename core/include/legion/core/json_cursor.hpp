#pragma once
// A strict, allocation-light JSON reader over a body in memory: the fast path of the client
// (Chat Completions responses) and of the model server (requests). Each method reads one token or
// value and returns false where the text is not what was asked for; the caller then hands the body
// to a tree parser (nlohmann::json), which gives the same result or the error naming the field.
// Strings are checked as UTF-8 and their escapes resolved (surrogate pairs included); nesting is
// limited, so a hostile body cannot exhaust the stack. append_json_string is the writing side,
// shared by the client's request encoder and the server's response encoder.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "legion/core/utf8.hpp"

namespace legion::core {

class JsonCursor {
 public:
  static constexpr int kMaxDepth = 64;

  explicit JsonCursor(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  // False once any read failed through fail() (object, array, string and the like).
  bool ok() const { return ok_; }
  bool fail() { return ok_ = false; }

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
  bool expect(char c) { return eat(c) || fail(); }
  char peek() {
    skip_space();
    return p_ < end_ ? *p_ : '\0';
  }
  // Consumes a null if one is next; false (and nothing consumed) otherwise.
  bool null() { return literal("null"); }
  bool boolean(bool& out) {
    if (literal("true")) return out = true, true;
    if (literal("false")) return out = false, true;
    return false;
  }

  // Iterates an object: calls field(key) for each member, which must consume the value.
  template <class F>
  bool object(F&& field) {
    if (!expect('{')) return false;
    if (eat('}')) return true;
    std::string key;
    do {
      if (!string(key) || !expect(':') || !field(key)) return fail();
    } while (eat(','));
    return expect('}');
  }
  // Iterates an array: calls item(index) for each element, which must consume it.
  template <class F>
  bool array(F&& item) {
    if (!expect('[')) return false;
    if (eat(']')) return true;
    std::size_t i = 0;
    do {
      if (!item(i++)) return fail();
    } while (eat(','));
    return expect(']');
  }

  // A string into `out` (escapes resolved, UTF-8 checked).
  bool string(std::string& out) {
    out.clear();
    if (!expect('"')) return false;
    for (;;) {
      const char* start = p_;
      bool ascii = true;
      for (; p_ < end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20; ++p_)
        ascii &= static_cast<unsigned char>(*p_) < 0x80;
      const auto run = std::string_view(start, static_cast<std::size_t>(p_ - start));
      if (!ascii && first_invalid_utf8(run) != std::string_view::npos) return fail();
      out.append(run);
      if (p_ == end_ || static_cast<unsigned char>(*p_) < 0x20) return fail();
      if (*p_++ == '"') return true;
      if (p_ == end_) return fail();
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
          if (!hex4(code)) return fail();
          if (code >= 0xD800 && code <= 0xDBFF) {  // a surrogate pair
            std::uint32_t low = 0;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return fail();
            p_ += 2;
            if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return fail();
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xDC00 && code <= 0xDFFF) {
            return fail();
          }
          append_utf8(out, code);
          break;
        }
        default: return fail();
      }
    }
  }
  // A string, or null read as an empty one; anything else fails.
  bool string_or_null(std::string& out) {
    if (null()) return out.clear(), true;
    return string(out);
  }
  // A non-negative integer that fits 64 bits; a fraction or exponent fails (the tree parser decides).
  bool unsigned_number(std::uint64_t& out) {
    skip_space();
    const char* start = p_;
    std::uint64_t v = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      if (v > (UINT64_MAX - 9) / 10) return fail();
      v = v * 10 + static_cast<std::uint64_t>(*p_++ - '0');
    }
    if (p_ == start || (p_ - start > 1 && *start == '0')) return fail();
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return fail();
    out = v;
    return true;
  }

  // Any value, checked and skipped; `raw` gets its text.
  bool value(std::string_view* raw = nullptr, int depth = 0) {
    if (depth > kMaxDepth) return fail();
    skip_space();
    const char* start = p_;
    bool read = false;
    switch (peek()) {
      case '"': read = string(scratch_); break;
      case '{': read = object([&](const std::string&) { return value(nullptr, depth + 1); }); break;
      case '[': read = array([&](std::size_t) { return value(nullptr, depth + 1); }); break;
      case 't': read = literal("true") || fail(); break;
      case 'f': read = literal("false") || fail(); break;
      case 'n': read = literal("null") || fail(); break;
      default: read = number(); break;
    }
    if (read && raw) *raw = std::string_view(start, static_cast<std::size_t>(p_ - start));
    return read;
  }
  bool skip() { return value(); }

 private:
  bool literal(std::string_view word) {
    skip_space();
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) return false;
    p_ += word.size();
    return true;
  }
  bool digits() {
    const char* start = p_;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    return p_ > start;
  }
  bool number() {  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ < end_ && *p_ == '0') ++p_;
    else if (!digits()) return fail();
    if (p_ < end_ && *p_ == '.' && (++p_, !digits())) return fail();
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return fail();
    }
    return true;
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
  bool ok_ = true;
  std::string scratch_;  // skipped strings
};

// Appends `text` as a JSON string, byte for byte as nlohmann::json::dump() writes it (the same
// escapes, UTF-8 kept); false when the text is not valid UTF-8 (dump() throws there).
inline bool append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t clean = 0;  // start of the run of bytes that need no escape
  bool ascii = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      ascii = ascii && c < 0x80;
      continue;
    }
    out.append(text.data() + clean, i - clean);
    clean = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(text.data() + clean, text.size() - clean);
  out.push_back('"');
  return ascii || first_invalid_utf8(text) == std::string_view::npos;
}

}  // namespace legion::core
