#pragma once
// OpenAI-compatible Chat Completions client over a keep-alive HTTP connection.
// One client serves one caller at a time; ClientPool hands them out to concurrent tasks.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "legion/core/chat.hpp"

namespace httplib { class Client; }

namespace legion::core {

struct LlmError : std::runtime_error {
  LlmError(int http_status, const std::string& what) : std::runtime_error(what), status(http_status) {}
  int status;  // HTTP status, 0 for a transport failure
};

struct ClientOptions {
  std::string base_url;  // http://127.0.0.1:PORT/v1
  std::string api_key = "legion-bench";
  std::chrono::milliseconds timeout{120000};
  int max_retries = 0;  // retries on 429/5xx/transport errors, with exponential back-off
  std::chrono::milliseconds backoff{50};
  // Test-only: waited before every request, a known slowdown for checking that the tool's own
  // comparisons find changes (docs/statistics.md). Zero outside such tests.
  std::chrono::microseconds injected_delay{0};
};

class LlmClient {
 public:
  explicit LlmClient(ClientOptions options);
  ~LlmClient();
  LlmClient(const LlmClient&) = delete;
  LlmClient& operator=(const LlmClient&) = delete;

  ChatResponse complete(const ChatRequest& request);  // throws LlmError

 private:
  ChatResponse attempt(const std::string& body, bool stream);
  ClientOptions options_;
  std::string path_;
  std::unique_ptr<httplib::Client> http_;
};

class ClientPool {
 public:
  explicit ClientPool(ClientOptions options) : options_(std::move(options)) {}
  struct Lease {
    Lease(ClientPool& pool, std::unique_ptr<LlmClient> client) : pool_(&pool), client_(std::move(client)) {}
    Lease(Lease&&) = default;
    ~Lease() { if (client_) pool_->release(std::move(client_)); }
    LlmClient& operator*() { return *client_; }
    LlmClient* operator->() { return client_.get(); }

   private:
    ClientPool* pool_;
    std::unique_ptr<LlmClient> client_;
  };
  Lease acquire();

 private:
  void release(std::unique_ptr<LlmClient> client);
  ClientOptions options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<LlmClient>> idle_;
};

}  // namespace legion::core
