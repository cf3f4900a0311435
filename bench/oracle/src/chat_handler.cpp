#include "legion/oracle/chat_handler.hpp"

#include <spdlog/spdlog.h>

#include "legion/oracle/wire.hpp"

namespace legion::oracle::detail {

using namespace legion::core;
using nlohmann::json;

namespace {

// Splits a reply into word-sized pieces for streaming.
std::vector<std::string> stream_pieces(const std::string& content) {
  std::vector<std::string> pieces;
  std::size_t start = 0;
  while (start < content.size()) {
    auto next = content.find(' ', start + 1);
    if (next == std::string::npos) next = content.size();
    pieces.push_back(content.substr(start, next - start));
    start = next;
  }
  return pieces;
}

}  // namespace

std::string error_body(std::string_view message, std::string_view type) {
  return json{{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}}.dump();
}

Reply error_reply(int status, std::string_view message, std::string_view type) {
  Reply r;
  r.status = status;
  r.body = error_body(message, type);
  return r;
}

Reply answer_models(const std::string& model) {
  Reply r;
  r.body = json{{"object", "list"},
                {"data", json::array({{{"id", model}, {"object", "model"}, {"created", 0}, {"owned_by", "legion-bench"}}})}}
               .dump();
  return r;
}

Reply answer_chat(std::string_view body, const ServingState& state, const LatencyProfile& latency, RequestLogEntry& entry) {
  entry.request_bytes = body.size();
  auto fail = [&](int status, std::string_view message, std::string_view type) {
    entry.status = status;
    entry.action = "error";
    return error_reply(status, message, type);
  };

  const auto fault = state.faults.fault_for(entry.seq);
  if (fault) {
    entry.fault = std::string(to_string(*fault));
    if (*fault == FaultKind::http_429) {  // as OpenAI does: how long to wait, in seconds
      auto reply = fail(429, "Rate limit reached (injected fault)", "rate_limit_exceeded");
      reply.headers.emplace_back("Retry-After", "1");
      return reply;
    }
    if (*fault == FaultKind::http_500) return fail(500, "The server had an error (injected fault)", "server_error");
    if (*fault == FaultKind::timeout) {
      auto reply = fail(504, "Gateway timeout (injected fault)", "timeout");
      reply.first_delay = std::chrono::duration_cast<std::chrono::microseconds>(state.faults.stall);
      return reply;
    }
  }

  ChatRequest request;
  ScriptPolicy::Decision decision;
  try {
    request = decode_chat_request(body);
    if (request.messages.size() > kMaxChatMessages)
      throw WireError("'messages' has " + std::to_string(request.messages.size()) + " items; at most " +
                      std::to_string(kMaxChatMessages) + " are accepted per request");
    if (!state.policy) throw PolicyError("no scenario is loaded");
    decision = state.policy->decide(request, entry.seq);
  } catch (const std::exception& e) {
    spdlog::warn("oracle: request {} rejected: {}", entry.seq, e.what());
    return fail(400, e.what(), "invalid_request_error");
  }
  entry.agent = decision.agent;
  entry.step = decision.step;
  entry.action = decision.action;
  entry.stream = request.stream;
  entry.tools_offered = static_cast<std::uint32_t>(request.tools.size());
  entry.prompt_tokens = decision.response.usage.prompt_tokens;
  entry.completion_tokens = decision.response.usage.completion_tokens;

  const auto generation = latency.generation_time(entry.completion_tokens);
  Reply reply;
  if (fault && *fault == FaultKind::malformed_json) {
    auto full = encode_chat_completion(decision.response);
    reply.body = full.substr(0, full.size() / 2);
    return reply;
  }
  if (!request.stream) {
    reply.first_delay = latency.time_to_first_token + generation;
    reply.body = encode_chat_completion(decision.response);
    return reply;
  }
  reply.stream = true;
  reply.content_type = "text/event-stream";
  reply.headers.emplace_back("Cache-Control", "no-cache");
  reply.events = encode_stream_events(decision.response, stream_pieces(decision.response.message.content), request.include_usage);
  reply.first_delay = latency.time_to_first_token;
  if (fault && *fault == FaultKind::slow_stream)
    reply.gap = std::chrono::duration_cast<std::chrono::microseconds>(state.faults.slow_gap);
  else if (reply.events.size() > 1)
    reply.gap = generation / static_cast<std::int64_t>(reply.events.size() - 1);
  else
    reply.gap = generation;
  if (fault && *fault == FaultKind::truncated_stream) reply.events.resize(reply.events.size() / 2);  // no [DONE]
  return reply;
}

}  // namespace legion::oracle::detail
