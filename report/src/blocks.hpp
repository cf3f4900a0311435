#pragma once
// The text the Markdown and HTML reports share, in one structured form built once from the
// analysis: sections of headings, paragraphs, list items, tables and code. A Markdown writer and
// an HTML writer render it, so neither format parses the other. Internal to the report library.
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace legion::report::detail {

// A run of inline text: the report's own words (written as they are: they hold no markup), text
// from outside (escaped by each writer), or code; `strong` marks emphasis.
struct Span {
  enum Kind { own, outside, code } kind = own;
  std::string text = {};
  bool strong = false;
};
using Text = std::vector<Span>;

inline Span own(std::string text) { return {Span::own, std::move(text)}; }
inline Span outside(std::string text) { return {Span::outside, std::move(text)}; }
inline Span code(std::string text) { return {Span::code, std::move(text)}; }
inline Span strong(Span span) {
  span.strong = true;
  return span;
}
// Text of one span.
inline Text text(Span span) { return {std::move(span)}; }

struct Block {
  enum Kind { heading, paragraph, item, table, code_block } kind = paragraph;
  int level = 0;   // heading: 1 the document's title, 2 a section's, 3 below it
  Text text = {};  // heading, paragraph, item
  bool joined = false;  // follows the block before without a blank line (a list's later items)
  std::vector<Text> header = {};  // table: column headers
  std::vector<bool> numeric = {};  // table: right-aligned columns
  std::vector<std::vector<Text>> rows = {};
  std::string code = {};  // code_block: verbatim
};

// A section of a report: its heading (none when the title is empty) and its blocks.
struct Section {
  std::string id;  // what the HTML picks it by
  std::string title;
  std::vector<Block> blocks = {};
};

// Builders.
inline Block heading(int level, Text text) { return {Block::heading, level, std::move(text)}; }
inline Block paragraph(Text text) { return {Block::paragraph, 0, std::move(text)}; }
// A list item; `first` starts the list (a blank line before it).
inline Block item(Text text, bool first) { return {Block::item, 0, std::move(text), !first}; }
Block table(std::vector<Text> header, std::vector<bool> numeric, std::vector<std::vector<Text>> rows = {});
// A table whose column headers are the report's own words.
Block table(std::vector<std::string> headers, std::vector<bool> numeric, std::vector<std::vector<Text>> rows);
Block code_block(std::string code);
void add(Text& text, const Text& more);
// Text in which each part between a pair of backticks is code (how the project's own strings mark
// commands and settings) and the rest spans of `kind`; an unpaired backtick stays text.
Text with_code(std::string_view text, Span::Kind kind = Span::outside);
// The text as Markdown: own words as they are, outside text escaped, code as code spans.
std::string markdown(const Text& text);
// The text as escaped HTML, without markup (code reads as plain text).
std::string html(const Text& text);

// Markdown: each block after a blank line (but joined ones), headings `shift` levels down and
// level-1 headings left out when shift > 0 (a run's report inside a combined one).
void write_markdown(std::ostream& out, const std::vector<Section>& sections, int shift = 0);
void write_markdown(std::ostream& out, const Section& section, int shift = 0);

// HTML: the blocks of a section one after another, under `title` (none when empty) as a heading
// <h`level`>, headings inside at `level` too; each table numbered with `++tables` and captioned
// with the heading above it; items as notes.
class HtmlBlocks {
 public:
  HtmlBlocks(std::ostream& out, int& tables) : out_(out), tables_(tables) {}
  void write(const std::vector<Block>& blocks, const std::string& title, int level);

 private:
  std::ostream& out_;
  int& tables_;
};
// The text without its markup, as plain text (for captions and headings).
std::string plain_text(const Text& text);

}  // namespace legion::report::detail
