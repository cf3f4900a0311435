#include "legion/oracle/token_counter.hpp"

#include <cstring>
#include <vector>

namespace legion::oracle {

using namespace legion::core;
using nlohmann::json;

namespace detail {
namespace {

__extension__ using u128 = unsigned __int128;  // a GCC and Clang extension, on every 64-bit target we build for

std::uint64_t fold_multiply(std::uint64_t x, std::uint64_t y) {
  const auto product = static_cast<u128>(x) * y;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

std::uint64_t finish(std::uint64_t x) {  // splitmix64's finaliser
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

void Fingerprinter::mix(std::uint64_t word) {
  a_ = fold_multiply(a_ ^ word, 0xa0761d6478bd642full) + 0xe7037ed1a0b428dbull;
  b_ = fold_multiply(b_ ^ ((word << 32) | (word >> 32)) ^ 0x8ebc6af09c88c6e3ull, 0x589965cc75374cc3ull);
}

Fingerprinter& Fingerprinter::add(std::uint64_t value) {
  mix(value);
  return *this;
}

Fingerprinter& Fingerprinter::add(std::string_view bytes) {
  mix(bytes.size());
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    mix(word);
  }
  if (n > 0) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, n);
    mix(word);
  }
  return *this;
}

Fingerprint Fingerprinter::done() const { return {finish(a_), finish(b_ + 0x1d8e4e27c47d124full)}; }

bool CountCache::find(const Fingerprint& key, std::uint32_t& count) {
  if (auto it = young_.find(key); it != young_.end()) {
    count = it->second;
    return true;
  }
  auto it = old_.find(key);
  if (it == old_.end()) return false;
  count = it->second;
  old_.erase(it);
  insert(key, count);
  return true;
}

void CountCache::insert(const Fingerprint& key, std::uint32_t count) {
  if (young_.size() >= capacity_ / 2) {
    old_ = std::move(young_);
    young_ = {};
  }
  young_.emplace(key, count);
}

}  // namespace detail

namespace {

// Domains keep a message's fingerprint apart from a text's with the same bytes.
enum : std::uint64_t { kText = 1, kMessage = 2, kTools = 3 };

detail::Fingerprint message_fingerprint(const Message& m) {
  detail::Fingerprinter f;
  f.add(kMessage).add(m.role).add(m.content).add(m.name).add(m.tool_calls.size());
  for (const auto& c : m.tool_calls) f.add(c.name).add(c.arguments);
  return f.done();
}

detail::Fingerprint tools_fingerprint(const std::vector<ToolDefinition>& tools) {
  detail::Fingerprinter f;
  f.add(kTools).add(tools.size());
  for (const auto& t : tools) f.add(t.name).add(t.description).add(std::hash<json>{}(t.parameters));
  return f.done();
}

}  // namespace

TokenCounter::TokenCounter(std::shared_ptr<const Tokenizer> tokenizer, std::size_t capacity)
    : tokenizer_(std::move(tokenizer)), messages_(capacity), tools_(capacity), texts_(capacity) {}

std::shared_ptr<TokenCounter> TokenCounter::shared() {
  static auto instance = std::make_shared<TokenCounter>(Tokenizer::o200k_base());
  return instance;
}

std::uint64_t TokenCounter::text(std::string_view s) const {
  if (s.empty()) return 0;
  const auto key = detail::Fingerprinter().add(kText).add(s).done();
  std::uint32_t n = 0;
  {
    std::lock_guard lock(mutex_);
    if (texts_.find(key, n)) return ++hits_, n;
    ++misses_;
  }
  n = static_cast<std::uint32_t>(tokenizer_->count(s));
  std::lock_guard lock(mutex_);
  texts_.insert(key, n);
  return n;
}

std::uint64_t TokenCounter::message_uncached(const Message& m) const {
  std::uint64_t n = 3 + tokenizer_->count(m.role) + tokenizer_->count(m.content);
  if (!m.name.empty()) n += 1 + tokenizer_->count(m.name);
  for (const auto& c : m.tool_calls) n += 3 + tokenizer_->count(c.name) + tokenizer_->count(c.arguments);
  return n;
}

std::uint64_t TokenCounter::tools_uncached(const std::vector<ToolDefinition>& tools) const {
  if (tools.empty()) return 0;
  json list = json::array();
  for (const auto& t : tools) list.push_back({{"name", t.name}, {"description", t.description}, {"parameters", t.parameters}});
  return tokenizer_->count(list.dump());
}

std::uint64_t TokenCounter::prompt_uncached(const ChatRequest& r) const {
  std::uint64_t n = 3;  // every reply is primed with <|start|>assistant<|message|>
  for (const auto& m : r.messages) n += message_uncached(m);
  return n + tools_uncached(r.tools);
}

std::uint64_t TokenCounter::prompt(const ChatRequest& r) const {
  // Fingerprints outside the lock; one lock for all the lookups; new messages tokenised outside it.
  std::vector<detail::Fingerprint> keys;
  keys.reserve(r.messages.size());
  for (const auto& m : r.messages) keys.push_back(message_fingerprint(m));
  const auto tools_key = r.tools.empty() ? detail::Fingerprint{} : tools_fingerprint(r.tools);

  std::uint64_t n = 3;  // every reply is primed with <|start|>assistant<|message|>
  std::vector<std::size_t> missing;
  bool tools_missing = false;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      std::uint32_t count = 0;
      if (messages_.find(keys[i], count)) ++hits_, n += count;
      else ++misses_, missing.push_back(i);
    }
    if (!r.tools.empty()) {
      std::uint32_t count = 0;
      if (tools_.find(tools_key, count)) ++hits_, n += count;
      else ++misses_, tools_missing = true;
    }
  }
  if (missing.empty() && !tools_missing) return n;

  std::vector<std::uint32_t> counts;
  counts.reserve(missing.size());
  for (auto i : missing) counts.push_back(static_cast<std::uint32_t>(message_uncached(r.messages[i])));
  const auto tools_count = tools_missing ? static_cast<std::uint32_t>(tools_uncached(r.tools)) : 0u;
  std::lock_guard lock(mutex_);
  for (std::size_t k = 0; k < missing.size(); ++k) {
    messages_.insert(keys[missing[k]], counts[k]);
    n += counts[k];
  }
  if (tools_missing) {
    tools_.insert(tools_key, tools_count);
    n += tools_count;
  }
  return n;
}

std::uint64_t TokenCounter::completion(const Message& reply) const {
  std::uint64_t n = text(reply.content);
  for (const auto& c : reply.tool_calls) n += 3 + text(c.name) + text(c.arguments);
  return n;
}

std::uint64_t TokenCounter::completion_uncached(const Message& reply) const {
  std::uint64_t n = tokenizer_->count(reply.content);
  for (const auto& c : reply.tool_calls) n += 3 + tokenizer_->count(c.name) + tokenizer_->count(c.arguments);
  return n;
}

TokenCounter::CacheStats TokenCounter::cache_stats() const {
  std::lock_guard lock(mutex_);
  return {hits_, misses_, messages_.size() + tools_.size() + texts_.size()};
}

}  // namespace legion::oracle
