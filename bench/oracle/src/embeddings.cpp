#include "legion/oracle/embeddings.hpp"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
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
namespace {

// Reads an embeddings request without building a document: only the fields the answer needs are
// kept, and inputs beyond the limit are counted but not stored, so that what a request costs is
// bounded by the limits rather than by what it sends.
class RequestReader final : public json::json_sax_t {
 public:
  bool is_object = false;
  std::optional<json> input;  // a scalar (a string when valid), or an empty array when a list came
  std::vector<std::string> texts;  // the list's first kMaxEmbeddingInputs strings
  std::size_t items = 0;           // the list's items, all of them
  bool not_text = false;           // an item that is not a string (token ids)
  std::optional<json> dimensions, encoding_format, model;  // scalars; an empty object for a container

  bool null() override { return scalar(json(nullptr)); }
  bool boolean(bool v) override { return scalar(json(v)); }
  bool number_integer(number_integer_t v) override { return scalar(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return scalar(json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return scalar(json(v)); }
  bool binary(binary_t&) override { return scalar(json()); }
  bool string(string_t& v) override {
    if (depth_ == 2 && in_list_) {
      ++items;
      if (texts.size() < kMaxEmbeddingInputs) texts.push_back(std::move(v));
      return true;
    }
    return scalar(json(std::move(v)));
  }
  bool start_object(std::size_t) override {
    if (depth_ == 0) is_object = true;
    container();
    ++depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ == 1 && key_ == "input") {
      begin_input();
      input = json::array();
      in_list_ = true;
    } else {
      container();
    }
    ++depth_;
    return true;
  }
  bool end_object() override { return --depth_, true; }
  bool end_array() override {
    if (--depth_ == 1) in_list_ = false;
    return true;
  }
  bool key(string_t& k) override {
    if (depth_ == 1) key_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    is_object = false;
    return false;
  }

 private:
  std::optional<json>* field() {
    if (depth_ != 1) return nullptr;
    if (key_ == "dimensions") return &dimensions;
    if (key_ == "encoding_format") return &encoding_format;
    if (key_ == "model") return &model;
    return nullptr;
  }
  void begin_input() {  // a key given twice counts once, the last time, as in a document
    texts.clear();
    items = 0;
    not_text = false;
  }
  bool scalar(json v) {
    if (depth_ == 2 && in_list_) {
      ++items;
      not_text = true;
    } else if (depth_ == 1 && key_ == "input") {
      begin_input();
      input = std::move(v);
    } else if (auto* f = field()) {
      *f = std::move(v);
    }
    return true;
  }
  void container() {  // an object or array opens: as a value, it is of the wrong kind
    if (depth_ == 2 && in_list_) ++items, not_text = true;
    else if (depth_ == 1 && key_ == "input") begin_input(), input = json::object();
    else if (auto* f = field()) *f = json::object();
  }

  std::size_t depth_ = 0;
  std::string key_;
  bool in_list_ = false;
};

}  // namespace

Reply answer_embeddings(std::string_view body, const std::string& model, RequestLogEntry& entry) {
  entry.request_bytes = body.size();
  entry.action = "embed";
  auto fail = [&](std::string_view message) {
    entry.status = 400;
    return error_reply(400, message, "invalid_request_error");
  };
  RequestReader request;
  if (!json::sax_parse(body.begin(), body.end(), &request) || !request.is_object) return fail("The body is not a JSON object");
  if (!request.input) return fail("'input' is required");
  if (request.input->is_string()) request.texts = {request.input->get<std::string>()}, request.items = 1;
  else if (request.not_text)
    return fail("'input' must be a string or a list of strings (this server embeds text, not token ids)");
  else if (!request.input->is_array() || request.items == 0)
    return fail("'input' must be a string or a non-empty list of strings");
  if (request.items > kMaxEmbeddingInputs)
    return fail("'input' has " + std::to_string(request.items) + " items; at most " + std::to_string(kMaxEmbeddingInputs) +
                " are accepted per request");
  std::size_t dimensions = kEmbeddingDimensions;
  if (const auto& d = request.dimensions; d && !d->is_null()) {
    if (!d->is_number_integer() || d->get<std::int64_t>() < 1 || d->get<std::int64_t>() > 4096)
      return fail("'dimensions' must be an integer from 1 to 4096");
    dimensions = d->get<std::size_t>();
  }
  const auto& f = request.encoding_format;
  const auto format = !f || f->is_null() ? std::string("float") : f->is_string() ? f->get<std::string>() : std::string();
  if (format != "float" && format != "base64") return fail("'encoding_format' must be \"float\" or \"base64\"");

  const auto counter = TokenCounter::shared();
  std::uint64_t tokens = 0;
  for (std::size_t i = 0; i < request.texts.size(); ++i) {
    const auto n = counter->text(request.texts[i]);
    if (n > kMaxEmbeddingInputTokens)
      return fail("'input' item " + std::to_string(i) + " has " + std::to_string(n) + " tokens; at most " +
                  std::to_string(kMaxEmbeddingInputTokens) + " are accepted per input");
    tokens += n;
  }
  if (tokens > kMaxEmbeddingRequestTokens)
    return fail("'input' has " + std::to_string(tokens) + " tokens in all; at most " + std::to_string(kMaxEmbeddingRequestTokens) +
                " are accepted per request");
  entry.prompt_tokens = tokens;

  // Written piece by piece (the bytes a whole document would dump, keys in its order), so that only
  // one vector at a time is held as a document.
  Reply r;
  r.body = R"({"data":[)";
  for (std::size_t i = 0; i < request.texts.size(); ++i) {
    const auto vector = embed_text(request.texts[i], dimensions);
    if (i > 0) r.body += ',';
    r.body += json{{"object", "embedding"}, {"index", i}, {"embedding", format == "base64" ? json(base64(vector)) : json(vector)}}.dump();
  }
  const auto& name = request.model && request.model->is_string() ? request.model->get_ref<const std::string&>() : model;
  r.body += R"(],"model":)" + json(name).dump() + R"(,"object":"list","usage":{"prompt_tokens":)" + std::to_string(tokens) +
            R"(,"total_tokens":)" + std::to_string(tokens) + "}}";
  return r;
}

}  // namespace detail
}  // namespace legion::oracle
