#include "blocks.hpp"

#include <algorithm>

#include "legion/report/escape.hpp"

namespace legion::report::detail {

std::string markdown(const Text& text) {
  std::string out;
  bool strong = false;
  for (const auto& span : text) {
    if (span.strong != strong) out += "**", strong = span.strong;
    out += span.kind == Span::own ? span.text : span.kind == Span::outside ? markdown_escape(span.text) : markdown_code_span(span.text);
  }
  if (strong) out += "**";
  return out;
}

// As HTML text: the markup goes, outside text keeps to one line as in the Markdown.
std::string html(const Text& text) {
  std::string out;
  for (const auto& span : text) {
    auto t = span.text;
    if (span.kind != Span::own) std::replace_if(t.begin(), t.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
    out += html_escape(t);
  }
  return out;
}

namespace {

void write_block(std::ostream& out, const Block& b, int shift) {
  switch (b.kind) {
    case Block::heading:
      out << std::string(static_cast<std::size_t>(b.level + shift), '#') << " " << markdown(b.text) << "\n";
      break;
    case Block::paragraph:
      out << markdown(b.text) << "\n";
      break;
    case Block::item:
      out << "- " << markdown(b.text) << "\n";
      break;
    case Block::table:
      out << "|";
      for (const auto& h : b.header) out << " " << markdown(h) << " |";
      out << "\n|";
      for (const bool right : b.numeric) out << (right ? "---:|" : "---|");
      out << "\n";
      for (const auto& row : b.rows) {
        out << "|";
        for (const auto& cell : row) out << " " << markdown(cell) << " |";
        out << "\n";
      }
      break;
    case Block::code_block:
      out << markdown_code_block(b.code);
      break;
  }
}

}  // namespace

Block table(std::vector<Text> header, std::vector<bool> numeric, std::vector<std::vector<Text>> rows) {
  Block b{Block::table};
  b.header = std::move(header);
  b.numeric = std::move(numeric);
  b.rows = std::move(rows);
  return b;
}

Block table(std::vector<std::string> headers, std::vector<bool> numeric, std::vector<std::vector<Text>> rows) {
  std::vector<Text> header;
  for (auto& h : headers) header.push_back({own(std::move(h))});
  return table(std::move(header), std::move(numeric), std::move(rows));
}

Block code_block(std::string code) {
  Block b{Block::code_block};
  b.code = std::move(code);
  return b;
}

void add(Text& text, const Text& more) { text.insert(text.end(), more.begin(), more.end()); }

Text with_code(std::string_view text, Span::Kind kind) {
  Text out;
  std::size_t at = 0;
  for (auto open = text.find('`'); open != std::string_view::npos; open = text.find('`', at)) {
    const auto close = text.find('`', open + 1);
    if (close == std::string_view::npos) break;
    if (open > at) out.push_back({kind, std::string(text.substr(at, open - at))});
    out.push_back(code(std::string(text.substr(open + 1, close - open - 1))));
    at = close + 1;
  }
  if (at < text.size() || out.empty()) out.push_back({kind, std::string(text.substr(at))});
  return out;
}

std::string plain_text(const Text& text) {
  std::string out;
  for (const auto& span : text) out += span.text;
  return out;
}

void write_markdown(std::ostream& out, const Section& section, int shift) {
  if (!section.title.empty()) out << "\n" << std::string(static_cast<std::size_t>(2 + shift), '#') << " " << section.title << "\n";
  for (const auto& b : section.blocks) {
    if (b.kind == Block::heading && b.level == 1 && shift > 0) continue;
    if (!b.joined && !(b.kind == Block::heading && b.level == 1)) out << "\n";
    write_block(out, b, shift);
  }
}

void write_markdown(std::ostream& out, const std::vector<Section>& sections, int shift) {
  for (const auto& s : sections) write_markdown(out, s, shift);
}

void HtmlBlocks::write(const std::vector<Block>& blocks, const std::string& title, int level) {
  const auto h = "h" + std::to_string(std::min(6, level));
  std::string heading = title;
  if (!title.empty()) out_ << "<" << h << ">" << html_escape(title) << "</" << h << ">\n";
  for (const auto& b : blocks) {
    switch (b.kind) {
      case Block::heading:
        heading = plain_text(b.text);
        out_ << "<" << h << ">" << html(b.text) << "</" << h << ">\n";
        break;
      case Block::paragraph:
        out_ << "<p>" << html(b.text) << "</p>\n";
        break;
      case Block::item:
        out_ << "<p class=\"note\">• " << html(b.text) << "</p>\n";
        break;
      case Block::table:
        out_ << "<table><caption><b>Table " << ++tables_ << ".</b> " << html_escape(heading) << "</caption>\n<tr>";
        for (const auto& c : b.header) out_ << "<th class=\"text\"> " << html(c) << " </th>";
        out_ << "</tr>\n";
        for (const auto& row : b.rows) {
          out_ << "<tr>";
          for (std::size_t i = 0; i < row.size(); ++i)  // text columns left-aligned, numbers right
            out_ << (i < b.numeric.size() && b.numeric[i] ? "<td> " : "<td class=\"text\"> ") << html(row[i]) << " </td>";
          out_ << "</tr>\n";
        }
        out_ << "</table>\n";
        break;
      case Block::code_block: {
        out_ << "<pre>" << html_escape(b.code) << "\n</pre>\n";
        break;
      }
    }
  }
}

}  // namespace legion::report::detail
