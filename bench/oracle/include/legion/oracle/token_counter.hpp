#pragma once
// Token counts of requests and replies with the o200k_base encoding.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "legion/core/chat.hpp"
#include "legion/oracle/tokenizer.hpp"

namespace legion::oracle {

using core::ChatRequest;
using core::Message;

// Counts prompt tokens the way OpenAI's cookbook describes for chat models (3 per message, the role,
// content and name; 3 to prime the reply) plus the tool definitions as JSON. Counts are cached by text.
class TokenCounter {
 public:
  explicit TokenCounter(std::shared_ptr<const Tokenizer> tokenizer);
  static std::shared_ptr<TokenCounter> shared();  // o200k_base, one per process
  std::uint64_t text(std::string_view s) const;
  std::uint64_t prompt(const ChatRequest& request) const;
  std::uint64_t completion(const Message& reply) const;

 private:
  std::shared_ptr<const Tokenizer> tokenizer_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, std::uint32_t> cache_;
};

}  // namespace legion::oracle
