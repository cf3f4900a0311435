#include "legion/oracle/tokenizer.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

namespace legion::oracle {
namespace {


// tests/data/o200k_reference.json holds token ids produced by tiktoken itself
// (tools/make_tokenizer_reference.py), so this compares against the reference implementation.
TEST(Tokenizer, MatchesTiktokenOnReferenceCorpus) {
  std::ifstream in(std::string(LEGION_TEST_DATA) + "/o200k_reference.json");
  ASSERT_TRUE(in) << "missing test data";
  auto reference = nlohmann::json::parse(in);
  auto tokenizer = Tokenizer::o200k_base();
  EXPECT_EQ(tokenizer->vocabulary_size(), reference["vocabulary_size"].get<std::size_t>());
  ASSERT_GE(reference["cases"].size(), 20u);
  for (const auto& c : reference["cases"]) {
    auto text = c["text"].get<std::string>();
    auto expected = c["ids"].get<std::vector<std::uint32_t>>();
    EXPECT_EQ(tokenizer->encode(text), expected) << "text: " << text;
    EXPECT_EQ(tokenizer->count(text), expected.size());
  }
}

TEST(Tokenizer, MissingRankFileNamesTheFile) {
  try {
    Tokenizer::load("/nonexistent/o200k_base.js");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/o200k_base.js"), std::string::npos);
  }
}

TEST(Tokenizer, InvalidUtf8IsCountedNotRejected) {
  auto tokenizer = Tokenizer::o200k_base();
  EXPECT_GT(tokenizer->count(std::string("abc\xff\xfe def")), 0u);
}

}  // namespace
}  // namespace legion::oracle
