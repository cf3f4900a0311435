#include "legion/core/llm_client.hpp"

#include <httplib.h>

#include <thread>

namespace legion::core {

LlmClient::LlmClient(ClientOptions options) : options_(std::move(options)) {
  // base_url = scheme://host:port/prefix
  const auto& url = options_.base_url;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos || url.substr(0, scheme_end) != "http")
    throw std::invalid_argument("base_url must be http://host:port/prefix, got '" + url + "'");
  auto path_start = url.find('/', scheme_end + 3);
  auto origin = url.substr(0, path_start);
  path_ = (path_start == std::string::npos ? "" : url.substr(path_start)) + "/chat/completions";
  http_ = std::make_unique<httplib::Client>(origin);
  http_->set_keep_alive(true);
  http_->set_tcp_nodelay(true);  // small request bodies must not wait for delayed ACKs
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(options_.timeout).count();
  http_->set_read_timeout(secs, 0);
  http_->set_write_timeout(secs, 0);
  http_->set_connection_timeout(5, 0);
  http_->set_bearer_token_auth(options_.api_key);
}

LlmClient::~LlmClient() = default;

ChatResponse LlmClient::attempt(const std::string& body, bool stream) {
  auto result = http_->Post(path_, body, "application/json");
  if (!result) throw LlmError(0, "request failed: " + httplib::to_string(result.error()));
  if (result->status != 200)
    throw LlmError(result->status, "HTTP " + std::to_string(result->status) + ": " + result->body.substr(0, 300));
  try {
    return stream ? parse_stream(result->body) : parse_chat_response(result->body);
  } catch (const WireError& e) {
    throw LlmError(result->status, std::string("malformed response: ") + e.what());
  }
}

ChatResponse LlmClient::complete(const ChatRequest& request) {
  if (options_.injected_delay.count() > 0) {  // spun, not slept: a sleep overshoots by the timer slack (~50 µs)
    const auto until = std::chrono::steady_clock::now() + options_.injected_delay;
    while (std::chrono::steady_clock::now() < until) {
    }
  }
  const auto body = encode_chat_request(request);
  for (int attempt_no = 0;; ++attempt_no) {
    try {
      return attempt(body, request.stream);
    } catch (const LlmError& e) {
      bool retryable = e.status == 0 || e.status == 429 || e.status >= 500;
      if (!retryable || attempt_no >= options_.max_retries) throw;
      std::this_thread::sleep_for(options_.backoff * (1 << attempt_no));
    }
  }
}

ClientPool::Lease ClientPool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(client));
    }
  }
  return Lease(*this, std::make_unique<LlmClient>(options_));
}

void ClientPool::release(std::unique_ptr<LlmClient> client) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(client));
}

}  // namespace legion::core
