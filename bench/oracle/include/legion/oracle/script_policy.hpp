#pragma once
// The oracle's script: decides each reply from what the request actually carried (pure, no I/O),
// filling the scenario's run-time placeholders — {{seen.NAME}} (the planted value, if the request
// carried it) and {{majority}} (the most frequent "VOTE: x" among the messages it carried).
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "legion/core/chat.hpp"
#include "legion/datasets/dialect.hpp"
#include "legion/datasets/scenario.hpp"
#include "legion/oracle/token_counter.hpp"

namespace legion::oracle {

using core::ChatRequest;
using core::ChatResponse;
using datasets::Dialect;
using datasets::ScenarioSpec;

struct PolicyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Placeholders that only the oracle can fill, from what a request carried.
struct Evidence {
  virtual ~Evidence() = default;
  virtual bool carries(std::string_view value) const = 0;
  virtual std::string majority_vote() const = 0;
};
std::string render_placeholders(std::string_view text, const ScenarioSpec& spec, const Evidence& evidence);
nlohmann::json render_placeholders_json(const nlohmann::json& value, const ScenarioSpec& spec, const Evidence& evidence);

class ScriptPolicy {
 public:
  struct Decision {
    ChatResponse response;
    std::string agent;
    int step = -1;
    std::string action;
  };
  ScriptPolicy(std::shared_ptr<const ScenarioSpec> scenario, Dialect dialect,
               std::shared_ptr<TokenCounter> counter = TokenCounter::shared());
  // Throws PolicyError when the request names no agent of the scenario.
  Decision decide(const ChatRequest& request, std::uint64_t request_number) const;
  const ScenarioSpec& scenario() const { return *scenario_; }
  const Dialect& dialect() const { return dialect_; }

 private:
  std::shared_ptr<const ScenarioSpec> scenario_;
  Dialect dialect_;
  std::shared_ptr<TokenCounter> counter_;
};

}  // namespace legion::oracle
