#pragma once
// Escaping for each place text from outside (scenario files, model output, input files, the command
// line) ends up: a terminal, a spreadsheet cell, a shell, a Markdown code block, HTML and SVG.
#include <string>
#include <string_view>

namespace legion::report {

// For a terminal: control bytes (C0, DEL, C1) and bytes that are not valid UTF-8 become \xHH, and a
// backslash becomes \\, so input cannot move the cursor, change colours or hide text.
std::string printable(std::string_view text);

// One CSV cell (RFC 4180 quoting). A cell that a spreadsheet would read as a formula (it begins with
// = + - @ tab or carriage return) gets a leading single quote and is quoted, as OWASP's
// CSV-injection guidance advises.
std::string csv_cell(std::string_view text);

// One shell word that a POSIX shell (and bash) reads back as exactly `text`: unchanged when it holds
// only safe characters, '…' otherwise, and $'…' when it holds control characters such as a newline.
std::string shell_quote(std::string_view text);

// A Markdown fenced code block holding `text` verbatim: the fence is longer than any run of
// backticks inside, so the text cannot close the block.
std::string markdown_code_block(std::string_view text);

// HTML or SVG text and attribute values (either quote): < > & " ' become character references.
std::string html_escape(std::string_view text);

}  // namespace legion::report
