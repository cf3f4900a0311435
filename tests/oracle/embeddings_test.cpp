// POST /v1/embeddings: deterministic, normalised hashed-bag-of-words vectors in OpenAI's wire
// format (float and base64), counted apart from the chat calls, bad requests refused by name.
#include "legion/oracle/embeddings.hpp"
#include "legion/oracle/server.hpp"

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

}  // namespace
}  // namespace legion::oracle
