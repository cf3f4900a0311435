#include "legion/oracle/embeddings.hpp"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "legion/oracle/token_counter.hpp"

namespace legion::oracle {
namespace {

using nlohmann::json;

std::string base64(const std::vector<float>& values) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(values.size() * sizeof(float), '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {  // little-endian float32, as numpy's frombuffer reads it
    std::uint32_t bits = 0;
    std::memcpy(&bits, &values[i], sizeof bits);
    for (int b = 0; b < 4; ++b) bytes[i * 4 + static_cast<std::size_t>(b)] = static_cast<char>((bits >> (8 * b)) & 0xFF);
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const auto byte = [&](std::size_t k) { return k < bytes.size() ? static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])) : 0u; };
    const std::uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

}  // namespace

std::vector<float> embed_text(std::string_view text, std::size_t dimensions) {
  std::vector<double> sum(dimensions, 0.0);
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && !std::isalnum(static_cast<unsigned char>(text[pos]))) ++pos;
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the lower-cased word
    std::size_t length = 0;
    for (; pos < text.size() && std::isalnum(static_cast<unsigned char>(text[pos])); ++pos, ++length)
      h = (h ^ static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(text[pos])))) * 1099511628211ull;
    if (length == 0) continue;
    sum[h % dimensions] += (h >> 63) ? 1.0 : -1.0;
  }
  double norm = 0;
  for (double v : sum) norm += v * v;
  norm = std::sqrt(norm);
  std::vector<float> out(dimensions, 0.0f);
  if (norm > 0)
    for (std::size_t i = 0; i < dimensions; ++i) out[i] = static_cast<float>(sum[i] / norm);
  return out;
}

namespace detail {

Reply answer_embeddings(std::string_view body, const std::string& model, RequestLogEntry& entry) {
  entry.request_bytes = body.size();
  entry.action = "embed";
  auto fail = [&](std::string_view message) {
    entry.status = 400;
    return error_reply(400, message, "invalid_request_error");
  };
  const auto request = json::parse(body, nullptr, false);
  if (request.is_discarded() || !request.is_object()) return fail("The body is not a JSON object");
  const auto input = request.find("input");
  if (input == request.end()) return fail("'input' is required");
  std::vector<std::string> texts;
  if (input->is_string()) texts.push_back(input->get<std::string>());
  else if (input->is_array() && !input->empty())
    for (const auto& item : *input) {
      if (!item.is_string())
        return fail("'input' must be a string or a list of strings (this server embeds text, not token ids)");
      texts.push_back(item.get<std::string>());
    }
  else return fail("'input' must be a string or a non-empty list of strings");
  std::size_t dimensions = kEmbeddingDimensions;
  if (const auto d = request.find("dimensions"); d != request.end() && !d->is_null()) {
    if (!d->is_number_integer() || d->get<std::int64_t>() < 1 || d->get<std::int64_t>() > 4096)
      return fail("'dimensions' must be an integer from 1 to 4096");
    dimensions = d->get<std::size_t>();
  }
  const auto format = request.value("encoding_format", std::string("float"));
  if (format != "float" && format != "base64") return fail("'encoding_format' must be \"float\" or \"base64\"");

  const auto counter = TokenCounter::shared();
  json data = json::array();
  std::uint64_t tokens = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto vector = embed_text(texts[i], dimensions);
    tokens += counter->text(texts[i]);
    data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", format == "base64" ? json(base64(vector)) : json(vector)}});
  }
  entry.prompt_tokens = tokens;
  Reply r;
  r.body = json{{"object", "list"},
                {"data", std::move(data)},
                {"model", request.value("model", model)},
                {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}}
               .dump();
  return r;
}

}  // namespace detail
}  // namespace legion::oracle
