#pragma once
// OpenAI-compatible Chat Completions client: HTTP/1.1 with keep-alive connections over Boost.Asio.
// AsyncLlmClient lives on one event loop and keeps a pool of connections there: a model call is a
// coroutine that takes an idle connection (or opens one, or waits for one when the pool is at its
// limit), writes the request and is resumed when the answer has been read. LlmClient is the same
// thing for callers without a loop.
#include <chrono>
#include <cstdint>
#include <deque>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "legion/core/chat.hpp"
#include "legion/core/event_loop.hpp"

namespace legion::core {

struct LlmError : std::runtime_error {
  LlmError(int http_status, const std::string& what) : std::runtime_error(what), status(http_status) {}
  int status;  // HTTP status, 0 for a transport failure
};

// A model answered without HTTP or sockets: a request's body in, its answer's body out, in the
// calling thread. legion-bench's in-process mode (`--systems NAME@in-process`) gives a system one
// whose answers come from the runner's scripted model over a pipe (bench/src/model_pipe.hpp).
class InProcessModel {
 public:
  virtual ~InProcessModel() = default;
  // POST `path` ("/chat/completions", "/embeddings") with `body`: the answer's body. Throws LlmError
  // with the status when the model refuses the request, with status 0 when it cannot be reached.
  virtual std::string post(std::string_view path, const std::string& body) = 0;
};

struct ClientOptions {
  std::string base_url;  // http://127.0.0.1:PORT/v1
  std::string api_key = "legion-bench";
  std::chrono::milliseconds timeout{120000};  // per request, from sending to the last byte of the answer
  int max_retries = 0;  // retries on 429/5xx/transport errors, with exponential back-off
  std::chrono::milliseconds backoff{50};
  // Connections one event loop keeps open at most; calls beyond them wait for one in FIFO order.
  // HTTP/1.1 carries one request at a time per connection, so this bounds the calls in flight.
  std::size_t max_connections = 64;
  // Test-only: waited before every request, a known slowdown for checking that the tool's own
  // comparisons find changes (docs/statistics.md). Zero outside such tests.
  std::chrono::microseconds injected_delay{0};
  // When set, requests go to this model instead of base_url's server (no connection is opened).
  std::shared_ptr<InProcessModel> in_process;
};

class AsyncLlmClient {
 public:
  AsyncLlmClient(const asio::any_io_executor& executor, ClientOptions options);
  ~AsyncLlmClient();
  AsyncLlmClient(const AsyncLlmClient&) = delete;
  AsyncLlmClient& operator=(const AsyncLlmClient&) = delete;

  Async<ChatResponse> complete(const ChatRequest& request);  // throws LlmError
  // The same with a request already encoded (`stream`: the body asks for server-sent events).
  Async<ChatResponse> complete_encoded(std::string body, bool stream);
  // POST /v1/embeddings: one vector per input text, in order (throws LlmError).
  Async<std::vector<std::vector<float>>> embed(const std::vector<std::string>& inputs, const std::string& model);

  std::size_t open_connections() const { return open_; }
  std::uint64_t connections_opened() const { return opened_; }

 private:
  struct Connection;
  struct Waiter;
  Async<std::unique_ptr<Connection>> acquire();
  void release(std::unique_ptr<Connection> connection);
  void discard(std::unique_ptr<Connection> connection);
  Async<ChatResponse> attempt(const std::string& body, bool stream);
  // One request on a pooled connection; the answer's body when its status is 200.
  Async<std::string> exchange(const std::string& head, const std::string& body);
  // The answer's body from the in-process model, when there is one, or else over HTTP.
  Async<std::string> post(const std::string& head, std::string_view path, const std::string& body);
  Async<void> watchdog();

  asio::any_io_executor executor_;
  ClientOptions options_;
  std::string host_, port_, request_head_, embeddings_head_;
  std::optional<asio::ip::tcp::endpoint> endpoint_;  // resolved at the first connection  // request_head_: the request line and fixed headers
  std::vector<std::unique_ptr<Connection>> idle_;
  std::deque<Waiter*> waiters_;
  std::vector<Connection*> busy_;  // in flight, checked against their deadline by the watchdog
  std::size_t open_ = 0;
  std::uint64_t opened_ = 0;
  bool watchdog_running_ = false;
  std::shared_ptr<bool> alive_;  // the watchdog stops when the client is gone
};

// A blocking client with its own event loop; one caller at a time.
class LlmClient {
 public:
  explicit LlmClient(ClientOptions options);
  ~LlmClient();
  LlmClient(const LlmClient&) = delete;
  LlmClient& operator=(const LlmClient&) = delete;

  ChatResponse complete(const ChatRequest& request);  // throws LlmError

 private:
  EventLoop loop_;
  AsyncLlmClient client_;
};

}  // namespace legion::core
