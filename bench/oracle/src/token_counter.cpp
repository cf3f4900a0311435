#include "legion/oracle/token_counter.hpp"

namespace legion::oracle {

using namespace legion::core;

using nlohmann::json;

TokenCounter::TokenCounter(std::shared_ptr<const Tokenizer> tokenizer) : tokenizer_(std::move(tokenizer)) {}

std::shared_ptr<TokenCounter> TokenCounter::shared() {
  static auto instance = std::make_shared<TokenCounter>(Tokenizer::o200k_base());
  return instance;
}

std::uint64_t TokenCounter::text(std::string_view s) const {
  if (s.empty()) return 0;
  if (s.size() < 24) return tokenizer_->count(s);  // cheaper than a lookup
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(std::string(s)); it != cache_.end()) return it->second;
  }
  auto n = static_cast<std::uint32_t>(tokenizer_->count(s));
  std::lock_guard lock(mutex_);
  if (cache_.size() > 200000) cache_.clear();  // bound memory on very long runs
  cache_.emplace(std::string(s), n);
  return n;
}

std::uint64_t TokenCounter::prompt(const ChatRequest& r) const {
  std::uint64_t n = 3;  // every reply is primed with <|start|>assistant<|message|>
  for (const auto& m : r.messages) {
    n += 3 + text(m.role) + text(m.content);
    if (!m.name.empty()) n += 1 + text(m.name);
    for (const auto& c : m.tool_calls) n += 3 + text(c.name) + text(c.arguments);
  }
  if (!r.tools.empty()) {
    json tools = json::array();
    for (const auto& t : r.tools) tools.push_back({{"name", t.name}, {"description", t.description}, {"parameters", t.parameters}});
    n += text(tools.dump());
  }
  return n;
}

std::uint64_t TokenCounter::completion(const Message& reply) const {
  std::uint64_t n = text(reply.content);
  for (const auto& c : reply.tool_calls) n += 3 + text(c.name) + text(c.arguments);
  return n;
}

}  // namespace legion::oracle
