#include "legion/report/escape.hpp"

#include "legion/core/utf8.hpp"

#include <algorithm>
#include <cstdio>

namespace legion::report {
namespace {

std::string hex_byte(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", c);
  return buf;
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the character at text[i] when a terminal can only show it (printable ASCII, or
// well-formed UTF-8 beyond the C1 controls); 0 for a control character (C0, DEL, C1) or a byte that
// is not UTF-8.
std::size_t shown_length(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return c >= 0x20 && c != 0x7F ? 1 : 0;
  const auto n = core::utf8_sequence_length(text, i);
  const bool c1 = n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0;  // U+0080..U+009F
  return c1 ? 0 : n;
}

// The bytes of the control character, or the one byte that is not UTF-8, at text[i].
std::size_t unshown_length(std::string_view text, std::size_t i) {
  return std::max<std::size_t>(core::utf8_sequence_length(text, i), 1);
}

bool all_shown(std::string_view text) {
  for (std::size_t i = 0, n; i < text.size(); i += n)
    if ((n = shown_length(text, i)) == 0) return false;
  return true;
}

// `text` with each control character (C0 except those in `keep`, DEL, C1) and each byte that is not
// UTF-8 replaced by U+FFFD.
std::string neutralise_controls(std::string_view text, std::string_view keep) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (const auto n = shown_length(text, i)) {
      out.append(text.substr(i, n));
      i += n;
    } else if (keep.find(text[i]) != std::string_view::npos) {
      out += text[i++];
    } else {
      out += kReplacement;
      i += unshown_length(text, i);
    }
  }
  return out;
}

bool shell_safe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\\\";
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      out += hex_byte(c);
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else if (auto n = core::utf8_sequence_length(text, i); n > 0 && !(c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0)) {
      out.append(text.substr(i, n));  // valid UTF-8 and not a C1 control (U+0080..U+009F)
      i += n;
    } else {
      for (std::size_t k = 0; k < std::max<std::size_t>(n, 1); ++k) out += hex_byte(static_cast<unsigned char>(text[i + k]));
      i += std::max<std::size_t>(n, 1);
    }
  }
  return out;
}

std::string csv_cell(std::string_view raw) {
  const auto text = neutralise_controls(raw, "\t\n");
  const bool formula = !text.empty() && std::string_view("=+-@\t").find(text.front()) != std::string_view::npos;
  if (!formula && text.find_first_of(",\"\n") == std::string_view::npos) return text;
  std::string out = formula ? "\"'" : "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string shell_quote(std::string_view text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), shell_safe)) return std::string(text);
  if (all_shown(text)) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }
  // $'...' spells every control character, and every byte that is not UTF-8, as an escape.
  std::string out = "$'";
  for (std::size_t i = 0; i < text.size();) {
    if (const auto n = shown_length(text, i)) {
      if (text[i] == '\\' || text[i] == '\'') out += '\\';
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    switch (text[i]) {
      case '\n': out += "\\n"; ++i; break;
      case '\r': out += "\\r"; ++i; break;
      case '\t': out += "\\t"; ++i; break;
      default:
        for (const auto end = i + unshown_length(text, i); i < end; ++i) out += hex_byte(static_cast<unsigned char>(text[i]));
    }
  }
  return out + "'";
}

std::string markdown_escape(std::string_view raw) {
  std::string out;
  for (char c : neutralise_controls(raw, "\t\n\r")) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '\t': case '\n': case '\r': out += ' '; break;
      default:
        if (std::string_view("\\`*_[]|~").find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
  }
  return out;
}

std::string markdown_code_span(std::string_view raw) {
  auto text = neutralise_controls(raw, "\t\n\r");
  std::replace_if(text.begin(), text.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
  std::size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(longest + 1, '`');
  // A space on each side keeps a backtick at either end from joining the fence (CommonMark strips one).
  const bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
  return fence + (pad ? " " : "") + text + (pad ? " " : "") + fence;
}

std::string markdown_code_block(std::string_view text) {
  std::size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(std::max<std::size_t>(3, longest + 1), '`');
  return fence + "\n" + std::string(text) + "\n" + fence + "\n";
}

std::string html_escape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (char c : neutralise_controls(raw, "\t\n")) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string json_text(const nlohmann::json& value, int indent) {
  const auto text = value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
  // The dump is well-formed UTF-8, so these bytes can only be DEL and the C1 controls, inside strings.
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool c1 = c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xA0;
    if (c == 0x7F || c1) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c == 0x7F ? 0x7Fu : static_cast<unsigned char>(text[++i]));
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace legion::report
