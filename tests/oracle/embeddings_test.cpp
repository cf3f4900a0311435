// POST /v1/embeddings: deterministic, normalised hashed-bag-of-words vectors in OpenAI's wire
// format (float and base64), counted apart from the chat calls, bad requests refused by name.
#include "legion/oracle/embeddings.hpp"
#include "legion/oracle/server.hpp"
#include "legion/oracle/token_counter.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>
#include <cstring>

namespace legion::oracle {
namespace {

using nlohmann::json;

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0;
  for (std::size_t i = 0; i < a.size(); ++i) dot += static_cast<double>(a[i]) * b[i];
  return dot;  // both have length 1
}

TEST(Embeddings, VectorsAreDeterministicNormalisedAndFollowSharedWords) {
  const auto order = embed_text("Refund policy for damaged espresso machines");
  ASSERT_EQ(order.size(), kEmbeddingDimensions);
  EXPECT_EQ(order, embed_text("refund POLICY for damaged espresso machines!"));  // case and punctuation aside
  double norm = 0;
  for (float v : order) norm += static_cast<double>(v) * v;
  EXPECT_NEAR(norm, 1.0, 1e-6);
  const auto related = embed_text("damaged espresso machine refund");
  const auto unrelated = embed_text("quarterly sales of garden furniture in Norway");
  EXPECT_GT(cosine(order, related), 0.5);
  EXPECT_LT(std::abs(cosine(order, unrelated)), 0.3);
  EXPECT_EQ(embed_text("  ...  "), std::vector<float>(kEmbeddingDimensions, 0.0f));
  EXPECT_EQ(embed_text("a b c", 8).size(), 8u);
}

class EmbeddingsServer : public ::testing::Test {
 protected:
  Oracle oracle_{Oracle::Options{}};
  httplib::Client client_{"127.0.0.1", oracle_.port()};
  httplib::Result post(const json& body) { return client_.Post("/v1/embeddings", body.dump(), "application/json"); }
};

TEST_F(EmbeddingsServer, AnswersInOpenAIsFormat) {
  auto res = post({{"model", "legion-oracle"}, {"input", {"refund policy", "garden furniture"}}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const auto j = json::parse(res->body);
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["model"], "legion-oracle");
  ASSERT_EQ(j["data"].size(), 2u);
  EXPECT_EQ(j["data"][1]["object"], "embedding");
  EXPECT_EQ(j["data"][1]["index"], 1);
  EXPECT_EQ(j["data"][0]["embedding"].get<std::vector<float>>(), embed_text("refund policy"));
  EXPECT_GT(j["usage"]["prompt_tokens"].get<int>(), 0);
  EXPECT_EQ(j["usage"]["total_tokens"], j["usage"]["prompt_tokens"]);
}

TEST_F(EmbeddingsServer, Base64IsLittleEndianFloat32) {
  auto res = post({{"input", "refund policy"}, {"encoding_format", "base64"}, {"dimensions", 4}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const auto text = json::parse(res->body)["data"][0]["embedding"].get<std::string>();
  ASSERT_EQ(text.size(), 24u);  // 16 bytes -> 24 base64 characters, with padding
  std::string bytes;
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t n = 0;
    for (int k = 0; k < 4; ++k) n = (n << 6) | (text[i + k] == '=' ? 0u : static_cast<std::uint32_t>(alphabet.find(text[i + k])));
    bytes += static_cast<char>(n >> 16), bytes += static_cast<char>(n >> 8), bytes += static_cast<char>(n);
  }
  const auto expected = embed_text("refund policy", 4);
  for (std::size_t i = 0; i < 4; ++i) {
    std::uint32_t bits = 0;
    for (int b = 0; b < 4; ++b) bits |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i * 4 + b])) << (8 * b);
    float value = 0;
    std::memcpy(&value, &bits, sizeof value);
    EXPECT_EQ(value, expected[i]) << i;
  }
}

TEST_F(EmbeddingsServer, CountsEmbeddingsApartFromChatCalls) {
  ASSERT_TRUE(post({{"input", {"one", "two three"}}}));
  const auto totals = oracle_.totals();
  EXPECT_EQ(totals.requests, 0u);
  EXPECT_EQ(totals.prompt_tokens, 0u);
  EXPECT_EQ(totals.embedding_requests, 1u);
  EXPECT_EQ(totals.embedding_tokens, 3u);
}

TEST_F(EmbeddingsServer, RefusesBadRequestsNamingTheField) {
  auto message = [&](const json& body) {
    auto res = post(body);
    EXPECT_EQ(res->status, 400);
    return json::parse(res->body)["error"]["message"].get<std::string>();
  };
  EXPECT_EQ(message(json::object()), "'input' is required");
  EXPECT_EQ(message({{"input", {{1, 2, 3}}}}),
            "'input' must be a string or a list of strings (this server embeds text, not token ids)");
  EXPECT_EQ(message({{"input", json::array()}}), "'input' must be a string or a non-empty list of strings");
  EXPECT_EQ(message({{"input", "x"}, {"dimensions", 0}}), "'dimensions' must be an integer from 1 to 4096");
  EXPECT_EQ(message({{"input", "x"}, {"encoding_format", "int8"}}), "'encoding_format' must be \"float\" or \"base64\"");
  EXPECT_EQ(client_.Get("/v1/embeddings")->status, 405);
  EXPECT_EQ(oracle_.totals().requests, 0u);  // refusals are errors, not chat calls
  EXPECT_EQ(oracle_.totals().errors, 5u);
}

// OpenAI's limits on one request: 2,048 inputs, 8,192 tokens each, 300,000 in all. A request at
// each limit is answered; one past it is refused with 400 naming the limit, whatever it sends: the
// inputs beyond the limit are counted, never embedded.
TEST_F(EmbeddingsServer, RefusesRequestsBeyondOpenAIsLimitsAndAnswersThoseAtThem) {
  auto refusal = [&](const json& body) {
    auto res = post(body);
    EXPECT_TRUE(res);
    if (!res) return std::string();
    EXPECT_EQ(res->status, 400);
    const auto error = json::parse(res->body)["error"];
    EXPECT_EQ(error["type"], "invalid_request_error");
    return error["message"].get<std::string>();
  };
  auto answered = [&](const json& body) {
    auto res = post(body);
    EXPECT_TRUE(res);
    if (!res) return std::size_t{0};
    EXPECT_EQ(res->status, 200) << res->body.substr(0, 200);
    return json::parse(res->body)["data"].size();
  };
  EXPECT_EQ(answered({{"input", std::vector<std::string>(kMaxEmbeddingInputs, "refund")}}), kMaxEmbeddingInputs);
  EXPECT_EQ(refusal({{"input", std::vector<std::string>(kMaxEmbeddingInputs + 1, "refund")}}),
            "'input' has 2049 items; at most 2048 are accepted per request");
  EXPECT_EQ(refusal({{"input", std::vector<std::string>(200'000, "refund")}}),
            "'input' has 200000 items; at most 2048 are accepted per request");

  // "a a a ..." is one token per word.
  auto words = [](std::uint64_t n) {
    std::string text = "a";
    for (std::uint64_t i = 1; i < n; ++i) text += " a";
    return text;
  };
  const auto counter = TokenCounter::shared();
  const auto longest = words(kMaxEmbeddingInputTokens);
  ASSERT_EQ(counter->text(longest), kMaxEmbeddingInputTokens);
  ASSERT_EQ(counter->text(words(kMaxEmbeddingInputTokens + 1)), kMaxEmbeddingInputTokens + 1);
  EXPECT_EQ(answered({{"input", longest}}), 1u);
  EXPECT_EQ(refusal({{"input", {"refund", words(kMaxEmbeddingInputTokens + 1)}}}),
            "'input' item 1 has 8193 tokens; at most 8192 are accepted per input");

  std::vector<std::string> texts(kMaxEmbeddingRequestTokens / kMaxEmbeddingInputTokens, longest);  // 36 of them
  texts.push_back(words(kMaxEmbeddingRequestTokens - texts.size() * kMaxEmbeddingInputTokens));
  EXPECT_EQ(answered({{"input", texts}}), texts.size());
  EXPECT_EQ(oracle_.totals().embedding_tokens,
            kMaxEmbeddingInputs * counter->text("refund") + kMaxEmbeddingInputTokens + kMaxEmbeddingRequestTokens);
  texts.back() += " a";
  EXPECT_EQ(refusal({{"input", texts}}), "'input' has 300001 tokens in all; at most 300000 are accepted per request");
}

}  // namespace
}  // namespace legion::oracle
