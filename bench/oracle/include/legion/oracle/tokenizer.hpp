#pragma once
// Byte-pair-encoding tokenizer compatible with OpenAI's o200k_base encoding.
//
// The rank table and the pre-tokenisation pattern are read from js-tiktoken's
// ranks file (an npm registry package installed at set-up time); nothing is
// downloaded at run time. Pre-tokenisation needs Unicode property classes
// (\p{L}, \p{N}, ...), hence PCRE2 rather than std::regex.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace legion::oracle {

class Tokenizer {
 public:
  // Loads a js-tiktoken ranks file ("export default {pat_str, special_tokens, bpe_ranks}").
  // Throws std::runtime_error naming the file when it is missing or malformed.
  static std::shared_ptr<const Tokenizer> load(const std::filesystem::path& ranks_file);
  // The o200k_base table (js-tiktoken's ranks file under datasets/tokenizer/, installed from the npm
  // registry by scripts/bootstrap.sh), loaded once per process.
  static std::shared_ptr<const Tokenizer> o200k_base();

  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;
  ~Tokenizer();

  // Encodes ordinary text (special tokens are treated as plain text, as tiktoken's encode_ordinary).
  std::vector<std::uint32_t> encode(std::string_view text) const;
  std::size_t count(std::string_view text) const;
  std::size_t vocabulary_size() const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Where the rank table comes from and its package version, e.g. "js-tiktoken 1.0.21 o200k_base".
std::filesystem::path js_tiktoken_dir();
std::string tokenizer_version();

}  // namespace legion::oracle
