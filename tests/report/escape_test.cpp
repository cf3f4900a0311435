#include "legion/report/escape.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <string>

namespace legion::report {
namespace {

TEST(Printable, EscapesWhatWouldControlATerminal) {
  EXPECT_EQ(printable("plain text, ünïcödé ✓"), "plain text, ünïcödé ✓");
  EXPECT_EQ(printable("\x1b[2J\x1b]0;owned\x07"), "\\x1B[2J\\x1B]0;owned\\x07");
  EXPECT_EQ(printable("a\rb\nc\td\x7f"), "a\\x0Db\\x0Ac\\x09d\\x7F");
  EXPECT_EQ(printable("\xc2\x9b" "31m"), "\\xC2\\x9B31m");  // C1 control sequence introducer
  EXPECT_EQ(printable("\xff\xfe\xc3"), "\\xFF\\xFE\\xC3");  // not UTF-8
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xED\\xA0\\x80");  // a surrogate
  EXPECT_EQ(printable("back\\slash"), "back\\\\slash");
}

TEST(CsvCell, NeutralisesFormulasAndQuotes) {
  EXPECT_EQ(csv_cell("single-tool"), "single-tool");
  EXPECT_EQ(csv_cell("=1+2"), "\"'=1+2\"");
  EXPECT_EQ(csv_cell("+SUM(A1:A9)"), "\"'+SUM(A1:A9)\"");
  EXPECT_EQ(csv_cell("-2+3"), "\"'-2+3\"");
  EXPECT_EQ(csv_cell("@cmd"), "\"'@cmd\"");
  EXPECT_EQ(csv_cell("\t=1"), "\"'\t=1\"");
  EXPECT_EQ(csv_cell("=HYPERLINK(\"http://x\",\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  EXPECT_EQ(csv_cell("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_cell(""), "");
}

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

TEST(CsvCell, ControlCharactersCannotReachATerminalThatShowsTheFile) {
  EXPECT_EQ(csv_cell("a\x1b]0;owned\x07" "b"), "a" + kReplacement + "]0;owned" + kReplacement + "b");
  EXPECT_EQ(csv_cell("cursor\rback\x7f"), "cursor" + kReplacement + "back" + kReplacement);
  EXPECT_EQ(csv_cell("\xc2\x9b" "31m \xff"), kReplacement + "31m " + kReplacement);  // C1 CSI, not UTF-8
  EXPECT_EQ(csv_cell("line\nbreak\ttab"), "\"line\nbreak\ttab\"");                 // what a CSV cell can hold
  EXPECT_EQ(csv_cell("ünïcödé ✓"), "ünïcödé ✓");
}

TEST(MarkdownEscape, OutsideTextMakesNoLinkCellOrMarkup) {
  EXPECT_EQ(markdown_escape("[click](http://evil.example)"), "\\[click\\](http://evil.example)");
  EXPECT_EQ(markdown_escape("![x](y) [ref]: http://z"), "!\\[x\\](y) \\[ref\\]: http://z");
  EXPECT_EQ(markdown_escape("a|b\\|c"), "a\\|b\\\\\\|c");  // an escaped | stays escaped
  EXPECT_EQ(markdown_escape("<http://x> & *em* _u_ `code` ~~s~~"),
            "&lt;http://x&gt; &amp; \\*em\\* \\_u\\_ \\`code\\` \\~\\~s\\~\\~");
  EXPECT_EQ(markdown_escape("a\nb\r\tc\x1b\x7f\xc2\x9b\xff"), "a b  c" + kReplacement + kReplacement + kReplacement + kReplacement);
  EXPECT_EQ(markdown_escape("single-tool (ünï)"), "single-tool (ünï)");
}

TEST(MarkdownCodeSpan, HoldsItsTextVerbatim) {
  EXPECT_EQ(markdown_code_span("native"), "`native`");
  EXPECT_EQ(markdown_code_span("a_b\\c*[x](y)"), "`a_b\\c*[x](y)`");
  EXPECT_EQ(markdown_code_span("a`b``c"), "```a`b``c```");
  EXPECT_EQ(markdown_code_span("`x"), "`` `x ``");
  EXPECT_EQ(markdown_code_span("a\nb\x1b"), "`a b" + kReplacement + "`");
}

TEST(HtmlEscape, MarkupAndControlCharactersBecomeText) {
  EXPECT_EQ(html_escape("<b a='1' b=\"2\">&"), "&lt;b a=&#39;1&#39; b=&quot;2&quot;&gt;&amp;");
  EXPECT_EQ(html_escape("a\x1b]0;t\x07\t\n\r\xc2\x85\xff"),
            "a" + kReplacement + "]0;t" + kReplacement + "\t\n" + kReplacement + kReplacement + kReplacement);
}

TEST(JsonText, EveryControlCharacterIsEscapedAndNothingThrows) {
  EXPECT_EQ(json_text(nlohmann::json("a\x1b\x07\x7f\xc2\x9b\xc2\xa0ü")), "\"a\\u001b\\u0007\\u007f\\u009b\xc2\xa0ü\"");
  EXPECT_EQ(json_text(nlohmann::json("\xff")), "\"" + kReplacement + "\"");
  const nlohmann::json doc = {{"name", "single-tool"}, {"n", 3}};
  EXPECT_EQ(json_text(doc, 2), doc.dump(2));
}

// What bash makes of a word: bash runs `printf %s WORD` and the test reads back what it printed.
std::string through_bash(const std::string& word) {
  int out[2];
  EXPECT_EQ(::pipe(out), 0);
  const std::string script = "printf %s " + shell_quote(word);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::execl("/bin/bash", "bash", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  std::array<char, 256> buffer{};
  for (ssize_t n; (n = ::read(out[0], buffer.data(), buffer.size())) > 0;) text.append(buffer.data(), static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << script;
  return text;
}

TEST(ShellQuote, EveryWordComesBackUnchangedAndInert) {
  EXPECT_EQ(shell_quote("--systems"), "--systems");
  EXPECT_EQ(shell_quote("results/run-1"), "results/run-1");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("x\ny"), "$'x\\ny'");
  EXPECT_EQ(shell_quote("a\xc2\x9b" "31m"), "$'a\\xC2\\x9B31m'");  // a C1 control shows as its bytes
  EXPECT_EQ(shell_quote("ünï ✓"), "'ünï ✓'");
  for (std::string word : {"", "a b", "it's", "$(touch /tmp/legion-pwned)", "`id`", "a|b", "a>b", "x\ny\r\tz", "\\'\"$'",
                           "```\n# injected\n<script>", "\x01\x7f", "~root", "*",
                           "a\xc2\x9b" "31m", "\xff\xfe'x", "ünï ✓"})
    EXPECT_EQ(through_bash(word), word) << shell_quote(word);
}

TEST(MarkdownCodeBlock, TheFenceOutgrowsEveryBacktickRun) {
  EXPECT_EQ(markdown_code_block("ls"), "```\nls\n```\n");
  EXPECT_EQ(markdown_code_block("a ``` b"), "````\na ``` b\n````\n");
  EXPECT_EQ(markdown_code_block("`````"), "``````\n`````\n``````\n");
}

}  // namespace
}  // namespace legion::report
