#pragma once
// What the server answers to one request, independent of how the bytes travel: the status, the
// body or the server-sent events, when to send them (latency profile, faults) and the log entry.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "legion/oracle/profile.hpp"
#include "legion/oracle/request_log.hpp"
#include "legion/oracle/script_policy.hpp"

namespace legion::oracle::detail {

// What answers requests right now; swapped whole, so a request sees one consistent version.
struct ServingState {
  std::shared_ptr<const ScriptPolicy> policy;
  FaultPlan faults;
};

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;                 // when not streamed
  bool stream = false;
  std::vector<std::string> events;  // when streamed: one chunk each, sent in order
  std::chrono::microseconds first_delay{0};  // before the first byte
  std::chrono::microseconds gap{0};          // between two streamed events
  std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type and framing
};

std::string error_body(std::string_view message, std::string_view type);
Reply error_reply(int status, std::string_view message, std::string_view type);

// Messages one chat request may carry, as Azure OpenAI documents ("Max number of
// /chat/completions messages"); beyond them the request is refused with HTTP 400.
constexpr std::size_t kMaxChatMessages = 2048;

// POST /v1/chat/completions. Fills `entry` (all but response_bytes and service_ns).
Reply answer_chat(std::string_view body, const ServingState& state, const LatencyProfile& latency, RequestLogEntry& entry);
// GET /v1/models.
Reply answer_models(const std::string& model);

}  // namespace legion::oracle::detail
