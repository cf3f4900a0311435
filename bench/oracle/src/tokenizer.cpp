#include "legion/oracle/tokenizer.hpp"

#include "legion/datasets/files.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <array>
#include <fstream>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

namespace legion::oracle {
namespace {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

std::string base64_decode(std::string_view in) {
  static constexpr auto table = [] {
    std::array<int, 256> t{};
    t.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = i;
    return t;
  }();
  std::string out;
  out.reserve(in.size() * 3 / 4);
  int buffer = 0, bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = table[static_cast<unsigned char>(c)];
    if (v < 0) throw std::runtime_error("invalid base64 token '" + std::string(in) + "'");
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace

struct Tokenizer::Impl {
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> ranks;
  pcre2_code* pattern = nullptr;

  ~Impl() { pcre2_code_free(pattern); }

  std::uint32_t rank_of(std::string_view bytes) const {
    auto it = ranks.find(bytes);
    return it == ranks.end() ? std::numeric_limits<std::uint32_t>::max() : it->second;
  }

  // Classic tiktoken byte-pair merge: repeatedly merge the adjacent pair with the lowest rank.
  void merge_piece(std::string_view piece, std::vector<std::uint32_t>& out) const {
    if (auto r = rank_of(piece); r != std::numeric_limits<std::uint32_t>::max()) {
      out.push_back(r);
      return;
    }
    constexpr auto none = std::numeric_limits<std::uint32_t>::max();
    std::vector<std::size_t> bounds(piece.size() + 1);
    for (std::size_t i = 0; i <= piece.size(); ++i) bounds[i] = i;
    auto pair_rank = [&](std::size_t i) {
      return i + 2 < bounds.size() ? rank_of(piece.substr(bounds[i], bounds[i + 2] - bounds[i])) : none;
    };
    std::vector<std::uint32_t> pair_ranks(bounds.size());
    for (std::size_t i = 0; i < bounds.size(); ++i) pair_ranks[i] = pair_rank(i);
    while (bounds.size() > 2) {
      std::size_t best = 0;
      for (std::size_t i = 1; i + 2 < bounds.size(); ++i)
        if (pair_ranks[i] < pair_ranks[best]) best = i;
      if (pair_ranks[best] == none) break;
      bounds.erase(bounds.begin() + static_cast<std::ptrdiff_t>(best) + 1);
      pair_ranks.erase(pair_ranks.begin() + static_cast<std::ptrdiff_t>(best) + 1);
      pair_ranks[best] = pair_rank(best);
      if (best > 0) pair_ranks[best - 1] = pair_rank(best - 1);
    }
    for (std::size_t i = 0; i + 1 < bounds.size(); ++i) {
      auto r = rank_of(piece.substr(bounds[i], bounds[i + 1] - bounds[i]));
      if (r == none) throw std::runtime_error("o200k_base: byte sequence without rank");
      out.push_back(r);
    }
  }
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

std::shared_ptr<const Tokenizer> Tokenizer::load(const std::filesystem::path& ranks_file) {
  std::ifstream in(ranks_file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open tokenizer rank file " + ranks_file.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  auto brace = text.find('{');
  auto end = text.rfind('}');
  if (brace == std::string::npos || end == std::string::npos)
    throw std::runtime_error(ranks_file.string() + ": not a js-tiktoken ranks file");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.substr(brace, end - brace + 1));
  } catch (const std::exception& e) {
    throw std::runtime_error(ranks_file.string() + ": " + e.what());
  }
  auto impl = std::make_unique<Impl>();
  // Each line: "<marker> <first rank> <base64 token> <base64 token> ..." with consecutive ranks.
  std::istringstream lines(doc.at("bpe_ranks").get<std::string>());
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string marker, token;
    std::uint32_t rank = 0;
    if (!(fields >> marker >> rank)) continue;
    while (fields >> token) impl->ranks.emplace(base64_decode(token), rank++);
  }
  const auto pattern = doc.at("pat_str").get<std::string>();
  int error = 0;
  PCRE2_SIZE offset = 0;
  impl->pattern = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
  if (!impl->pattern) throw std::runtime_error(ranks_file.string() + ": pattern does not compile");
  pcre2_jit_compile(impl->pattern, PCRE2_JIT_COMPLETE);  // falls back to the interpreter if JIT is unavailable
  return std::shared_ptr<const Tokenizer>(new Tokenizer(std::move(impl)));
}

std::filesystem::path js_tiktoken_dir() { return datasets::datasets_dir() / "tokenizer" / "node_modules" / "js-tiktoken"; }

std::string tokenizer_version() {
  std::ifstream in(js_tiktoken_dir() / "package.json");
  auto j = nlohmann::json::parse(in, nullptr, false);
  return j.is_object() ? "js-tiktoken " + j.value("version", std::string("?")) + " o200k_base" : "o200k_base";
}

std::shared_ptr<const Tokenizer> Tokenizer::o200k_base() {
  static const auto instance = load(js_tiktoken_dir() / "dist" / "ranks" / "o200k_base.js");
  return instance;
}

std::vector<std::uint32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<std::uint32_t> out;
  // Invalid UTF-8 is tokenised byte-wise as one piece rather than rejected.
  thread_local std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create(4, nullptr), &pcre2_match_data_free);
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  std::size_t start = 0;
  std::uint32_t options = 0;  // UTF-8 validity is checked on the first call only (later calls would rescan)
  while (start < text.size()) {
    int rc = pcre2_match(impl_->pattern, subject, text.size(), start, options, match.get(), nullptr);
    options = PCRE2_NO_UTF_CHECK;
    if (rc < 0) {
      if (rc == PCRE2_ERROR_NOMATCH) break;
      impl_->merge_piece(text.substr(start), out);  // e.g. invalid UTF-8
      break;
    }
    auto* ovector = pcre2_get_ovector_pointer(match.get());
    if (ovector[1] == ovector[0]) {  // empty match: advance one byte
      ++start;
      continue;
    }
    impl_->merge_piece(text.substr(ovector[0], ovector[1] - ovector[0]), out);
    start = ovector[1];
  }
  return out;
}

std::size_t Tokenizer::count(std::string_view text) const { return encode(text).size(); }
std::size_t Tokenizer::vocabulary_size() const { return impl_->ranks.size(); }

}  // namespace legion::oracle
