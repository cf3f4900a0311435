#pragma once
// Escaping for each place text from outside (scenario files, model output, input files, the command
// line) ends up: a terminal, a spreadsheet cell, a shell, Markdown, HTML and SVG, and JSON. Each
// format has one function here, and every piece of outside text it writes goes through it.
//
// Control characters (C0, DEL, C1) could move a terminal's cursor, set its title or hide text when
// a file is shown with `cat`, and bytes that are not UTF-8 could start such a sequence. A terminal
// gets them as \xHH and JSON escapes them (\u001b); in CSV, Markdown and HTML each becomes U+FFFD,
// the replacement character, but for the tab and line feed a format can hold. results.json keeps
// the exact text of anything that is UTF-8.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace legion::report {

// For a terminal: control bytes (C0, DEL, C1) and bytes that are not valid UTF-8 become \xHH, and a
// backslash becomes \\, so input cannot move the cursor, change colours or hide text.
std::string printable(std::string_view text);

// One CSV cell (RFC 4180 quoting). Control characters other than tab and line feed become U+FFFD.
// A cell that a spreadsheet would read as a formula (it begins with = + - @ or tab) gets a leading
// single quote and is quoted, as OWASP's CSV-injection guidance advises.
std::string csv_cell(std::string_view text);

// One shell word that a POSIX shell (and bash) reads back as exactly `text`: unchanged when it holds
// only safe characters, '…' otherwise, and $'…' when it holds control characters such as a newline
// or bytes that are not UTF-8 (spelled as \n, \xHH), so that none reaches the terminal raw.
std::string shell_quote(std::string_view text);

// Text in Markdown, a table cell included: \ ` * _ [ ] | ~ are backslash-escaped and < > & become
// character references, so the text can make no link, image, emphasis, code, HTML or cell boundary
// (a link or image needs a bracket, so parentheses stay as they are); tab, line feed and carriage
// return become spaces (a line break would end the table row or heading), other control characters
// U+FFFD.
std::string markdown_escape(std::string_view text);

// A Markdown code span holding `text` verbatim (backslashes show as they are inside one): the
// backtick fence is longer than any run of backticks inside. Line breaks become spaces and other
// control characters U+FFFD. Not for table cells, where a | inside would still split the cell.
std::string markdown_code_span(std::string_view text);

// A Markdown fenced code block holding `text` verbatim: the fence is longer than any run of
// backticks inside, so the text cannot close the block.
std::string markdown_code_block(std::string_view text);

// HTML or SVG text and attribute values (either quote): < > & " ' become character references;
// control characters other than tab and line feed become U+FFFD.
std::string html_escape(std::string_view text);

// JSON text of `value` (indented by `indent` spaces, or on one line when negative). The library
// escapes C0 controls; DEL and C1 controls are escaped here too (\u007f, \u0080..\u009f), so the
// file is inert in a terminal, and bytes that are not UTF-8 become U+FFFD instead of failing.
std::string json_text(const nlohmann::json& value, int indent = -1);

}  // namespace legion::report
