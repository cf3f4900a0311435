#pragma once
// UTF-8 validity, for text from outside that must become JSON or reach a terminal.
#include <cstddef>
#include <string>
#include <string_view>

namespace legion::core {

// Length of the well-formed UTF-8 sequence that starts at text[at] (1 for ASCII), or 0 when the
// bytes there are not one (stray continuation bytes, overlong forms, surrogates, beyond U+10FFFF).
std::size_t utf8_sequence_length(std::string_view text, std::size_t at);

// Appends a code point (at most U+10FFFF, not a surrogate) as UTF-8: JSON readers decoding \u escapes.
void append_utf8(std::string& out, char32_t code);

// Offset of the first byte that does not belong to well-formed UTF-8, or npos.
std::size_t first_invalid_utf8(std::string_view text);

}  // namespace legion::core
