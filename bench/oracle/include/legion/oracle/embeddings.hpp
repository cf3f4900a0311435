#pragma once
// POST /v1/embeddings: deterministic vectors, so that retrieval is meaningful and the same for
// every system. A text's vector is a hashed bag of words: each lower-cased word (letters and
// digits) adds +1 or -1 (a bit of its FNV-1a hash) at the coordinate its hash picks, and the sum
// is normalised to length 1. Texts that share words point the same way; the server keeps no
// state between requests.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "legion/oracle/chat_handler.hpp"

namespace legion::oracle {

constexpr std::size_t kEmbeddingDimensions = 256;
// OpenAI's limits on one request (the API reference of `input`): at most 2,048 inputs, 8,192 tokens
// each and 300,000 tokens in all; beyond them the request is refused with HTTP 400.
constexpr std::size_t kMaxEmbeddingInputs = 2048;
constexpr std::uint64_t kMaxEmbeddingInputTokens = 8192;
constexpr std::uint64_t kMaxEmbeddingRequestTokens = 300'000;

// The vector of one text (all zeros for a text without words).
std::vector<float> embed_text(std::string_view text, std::size_t dimensions = kEmbeddingDimensions);

namespace detail {
// The request as OpenAI's Embeddings API takes it: `input` a string or a list of strings,
// `encoding_format` "float" (the default) or "base64" (little-endian float32, what the openai
// Python client asks for), `dimensions` optional (1 to 4096). Token-id inputs are refused: the
// server embeds text, and so are requests beyond the limits above. Fills `entry` (action "embed",
// prompt tokens; status 400 when refused).
Reply answer_embeddings(std::string_view body, const std::string& model, RequestLogEntry& entry);
}  // namespace detail

}  // namespace legion::oracle
