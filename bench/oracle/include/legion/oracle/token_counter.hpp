#pragma once
// Token counts of requests and replies with the o200k_base encoding.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "legion/core/chat.hpp"
#include "legion/oracle/tokenizer.hpp"

namespace legion::oracle {

using core::ChatRequest;
using core::Message;
using core::ToolDefinition;

namespace detail {

// 128 bits that identify a text (or a message, a list of tools) for the count caches: two
// independent 64-bit multiply-fold lanes over its bytes, each field preceded by its length.
struct Fingerprint {
  std::uint64_t a = 0, b = 0;
  bool operator==(const Fingerprint&) const = default;
};
struct FingerprintHash {
  std::size_t operator()(const Fingerprint& f) const { return static_cast<std::size_t>(f.a); }
};
class Fingerprinter {
 public:
  Fingerprinter& add(std::string_view bytes);
  Fingerprinter& add(std::uint64_t value);
  Fingerprint done() const;

 private:
  void mix(std::uint64_t word);
  std::uint64_t a_ = 0x243f6a8885a308d3ull, b_ = 0x13198a2e03707344ull;
};

// Token counts by fingerprint in bounded memory: two generations of at most capacity/2 entries
// each; when the young one is full it becomes the old one and the old one is dropped, and a hit in
// the old generation moves the entry back to the young one (least recently used entries go first).
class CountCache {
 public:
  explicit CountCache(std::size_t capacity) : capacity_(capacity < 2 ? 2 : capacity) {}
  bool find(const Fingerprint& key, std::uint32_t& count);
  void insert(const Fingerprint& key, std::uint32_t count);
  std::size_t size() const { return young_.size() + old_.size(); }

 private:
  std::size_t capacity_;
  std::unordered_map<Fingerprint, std::uint32_t, FingerprintHash> young_, old_;
};

}  // namespace detail

// Counts prompt tokens the way OpenAI's cookbook describes for chat models (3 per message, the role,
// content and name; 3 to prime the reply) plus the tool definitions as JSON.
//
// A conversation resends every earlier message with each request, so counts are cached: per
// message (its whole contribution, keyed by a fingerprint of the fields that count), per list of
// tools, and per text. A request then tokenises only the messages it is the first to carry; the
// rest costs a fingerprint and a lookup each. The caches are bounded (`capacity` entries each).
class TokenCounter {
 public:
  static constexpr std::size_t kDefaultCapacity = 1u << 16;
  explicit TokenCounter(std::shared_ptr<const Tokenizer> tokenizer, std::size_t capacity = kDefaultCapacity);
  static std::shared_ptr<TokenCounter> shared();  // o200k_base, one per process
  std::uint64_t text(std::string_view s) const;
  std::uint64_t prompt(const ChatRequest& request) const;
  std::uint64_t completion(const Message& reply) const;

  // The same counts from scratch, every text tokenised (what the caches must agree with).
  std::uint64_t prompt_uncached(const ChatRequest& request) const;
  std::uint64_t completion_uncached(const Message& reply) const;

  struct CacheStats {
    std::uint64_t hits = 0, misses = 0;
    std::size_t entries = 0;  // messages, tool lists and texts held now
  };
  CacheStats cache_stats() const;

 private:
  std::uint64_t message_uncached(const Message& m) const;
  std::uint64_t tools_uncached(const std::vector<ToolDefinition>& tools) const;

  std::shared_ptr<const Tokenizer> tokenizer_;
  mutable std::mutex mutex_;  // guards the caches and the statistics
  mutable detail::CountCache messages_, tools_, texts_;
  mutable std::uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace legion::oracle
