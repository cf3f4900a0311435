#include "legion/core/llm_client.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

namespace legion::core {

namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct AsyncLlmClient::Connection {
  explicit Connection(const asio::any_io_executor& executor) : socket(executor) {}
  tcp::socket socket;
  boost::beast::flat_buffer buffer;  // kept between requests: no allocation once it has grown
  std::uint64_t requests = 0;
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
};

struct AsyncLlmClient::Waiter {
  explicit Waiter(const asio::any_io_executor& executor) : ready(executor) {}
  Signal ready;
  std::unique_ptr<Connection> connection;  // handed over by release(); empty: open a new one
};

namespace {

constexpr std::uint64_t kMaxResponseBytes = 64u << 20;

tcp::endpoint resolve(const std::string& host, const std::string& port) {
  asio::io_context context;
  tcp::resolver resolver(context);
  boost::system::error_code ec;
  auto results = resolver.resolve(host, port, ec);
  if (ec || results.empty()) throw LlmError(0, "cannot resolve " + host + ":" + port + ": " + ec.message());
  return results.begin()->endpoint();
}

}  // namespace

AsyncLlmClient::AsyncLlmClient(const asio::any_io_executor& executor, ClientOptions options)
    : executor_(executor), options_(std::move(options)), alive_(std::make_shared<bool>(true)) {
  // base_url = http://host:port/prefix
  const auto& url = options_.base_url;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos || url.substr(0, scheme_end) != "http")
    throw std::invalid_argument("base_url must be http://host:port/prefix, got '" + url + "'");
  auto path_start = url.find('/', scheme_end + 3);
  auto authority = url.substr(scheme_end + 3, path_start == std::string::npos ? std::string::npos : path_start - scheme_end - 3);
  const auto prefix = path_start == std::string::npos ? std::string() : url.substr(path_start);
  auto colon = authority.rfind(':');
  host_ = colon == std::string::npos ? authority : authority.substr(0, colon);
  port_ = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  if (options_.max_connections < 1) throw std::invalid_argument("the model client needs at least one connection");
  auto head = [&](const std::string& path) {
    return "POST " + prefix + path + " HTTP/1.1\r\nHost: " + authority + "\r\nAuthorization: Bearer " + options_.api_key +
           "\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: ";
  };
  request_head_ = head("/chat/completions");
  embeddings_head_ = head("/embeddings");
}

AsyncLlmClient::~AsyncLlmClient() {
  *alive_ = false;
  for (auto& c : idle_) {
    boost::system::error_code ignored;
    c->socket.close(ignored);
  }
}

Async<std::unique_ptr<AsyncLlmClient::Connection>> AsyncLlmClient::acquire() {
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    co_return c;
  }
  if (open_ >= options_.max_connections) {
    Waiter waiter(executor_);
    waiters_.push_back(&waiter);
    co_await waiter.ready.wait();
    if (waiter.connection) co_return std::move(waiter.connection);
    // A connection was closed and its place handed to us: open one.
  } else {
    ++open_;
  }
  if (!endpoint_) endpoint_ = resolve(host_, port_);
  auto c = std::make_unique<Connection>(executor_);
  boost::system::error_code ec;
  co_await c->socket.async_connect(*endpoint_, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) c->socket.set_option(tcp::no_delay(true), ec);  // small requests must not wait for delayed ACKs
  if (ec) {
    discard(nullptr);
    throw LlmError(0, "request failed: cannot connect to " + host_ + ":" + port_ + ": " + ec.message());
  }
  ++opened_;
  co_return c;
}

void AsyncLlmClient::release(std::unique_ptr<Connection> connection) {
  if (!waiters_.empty()) {
    auto* waiter = waiters_.front();
    waiters_.pop_front();
    waiter->connection = std::move(connection);
    waiter->ready.set();
    return;
  }
  idle_.push_back(std::move(connection));
}

void AsyncLlmClient::discard(std::unique_ptr<Connection> connection) {
  if (connection) {
    boost::system::error_code ignored;
    connection->socket.close(ignored);
  }
  if (!waiters_.empty()) {  // its place goes to the first waiter, which opens a new connection
    auto* waiter = waiters_.front();
    waiters_.pop_front();
    waiter->ready.set();
    return;
  }
  --open_;
}

Async<void> AsyncLlmClient::watchdog() {
  auto alive = alive_;
  asio::steady_timer timer(executor_);
  const auto tick = std::clamp<Clock::duration>(options_.timeout / 8, std::chrono::milliseconds(5), std::chrono::seconds(1));
  while (*alive && !busy_.empty()) {
    timer.expires_after(tick);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!*alive) co_return;
    const auto now = Clock::now();
    for (auto* c : busy_)
      if (!c->timed_out && c->deadline <= now) {
        c->timed_out = true;
        c->socket.cancel(ec);  // the pending read or write ends with operation_aborted
      }
  }
  if (*alive) watchdog_running_ = false;
}

Async<std::string> AsyncLlmClient::exchange(const std::string& head_prefix, const std::string& body) {
  const auto head = head_prefix + std::to_string(body.size()) + "\r\n\r\n";
  for (;;) {
    auto c = co_await acquire();
    const bool reused = c->requests++ > 0;
    c->deadline = Clock::now() + options_.timeout;
    c->timed_out = false;
    busy_.push_back(c.get());
    if (!watchdog_running_) {
      watchdog_running_ = true;
      asio::co_spawn(executor_, watchdog(), asio::detached);
    }
    boost::system::error_code ec;
    const std::array<asio::const_buffer, 2> request{asio::buffer(head), asio::buffer(body)};
    co_await asio::async_write(c->socket, request, asio::redirect_error(asio::use_awaitable, ec));
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBytes);
    if (!ec) co_await http::async_read(c->socket, c->buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    busy_.erase(std::find(busy_.begin(), busy_.end(), c.get()));
    if (ec) {
      const bool timed_out = c->timed_out;
      discard(std::move(c));
      if (timed_out) throw LlmError(0, "request failed: no answer within " + std::to_string(options_.timeout.count()) + " ms");
      // A kept-alive connection the server closed while it was idle: once more on another one.
      // Idle connections age together, so the next one from the pool may be closed too; each
      // failure discards one, and a connection opened for this request ends the loop.
      if (reused && !parser.got_some()) continue;
      throw LlmError(0, "request failed: " + ec.message());
    }
    auto& response = parser.get();
    const int status = static_cast<int>(response.result_int());
    if (response.keep_alive()) release(std::move(c));
    else discard(std::move(c));
    if (status != 200)
      throw LlmError(status, "HTTP " + std::to_string(status) + ": " + response.body().substr(0, 300));
    co_return std::move(response.body());
  }
}

Async<std::string> AsyncLlmClient::post(const std::string& head, std::string_view path, const std::string& body) {
  if (options_.in_process) co_return options_.in_process->post(path, body);
  co_return co_await exchange(head, body);
}

Async<ChatResponse> AsyncLlmClient::attempt(const std::string& body, bool stream) {
  const auto answer = co_await post(request_head_, "/chat/completions", body);
  try {
    co_return stream ? parse_stream(answer) : parse_chat_response(answer);
  } catch (const WireError& e) {
    throw LlmError(200, std::string("malformed response: ") + e.what());
  }
}

Async<ChatResponse> AsyncLlmClient::complete(const ChatRequest& request) {
  if (options_.injected_delay.count() > 0) {  // spun, not slept: a sleep overshoots by the timer slack (~50 µs)
    const auto until = Clock::now() + options_.injected_delay;
    while (Clock::now() < until) {
    }
  }
  co_return co_await complete_encoded(encode_chat_request(request), request.stream);
}

Async<ChatResponse> AsyncLlmClient::complete_encoded(std::string body, bool stream) {
  for (int attempt_no = 0;; ++attempt_no) {
    try {
      co_return co_await attempt(body, stream);
    } catch (const LlmError& e) {
      const bool retryable = e.status == 0 || e.status == 429 || e.status >= 500;
      if (!retryable || attempt_no >= options_.max_retries) throw;
    }
    asio::steady_timer backoff(executor_, options_.backoff * (1 << attempt_no));
    co_await backoff.async_wait(asio::use_awaitable);
  }
}

Async<std::vector<std::vector<float>>> AsyncLlmClient::embed(const std::vector<std::string>& inputs, const std::string& model) {
  const auto body = nlohmann::json{{"model", model}, {"input", inputs}, {"encoding_format", "float"}}.dump();
  std::string answer;
  for (int attempt_no = 0;; ++attempt_no) {
    try {
      answer = co_await post(embeddings_head_, "/embeddings", body);
      break;
    } catch (const LlmError& e) {
      const bool retryable = e.status == 0 || e.status == 429 || e.status >= 500;
      if (!retryable || attempt_no >= options_.max_retries) throw;
    }
    asio::steady_timer backoff(executor_, options_.backoff * (1 << attempt_no));
    co_await backoff.async_wait(asio::use_awaitable);
  }
  const auto reply = nlohmann::json::parse(answer, nullptr, false);
  const auto data = reply.is_object() ? reply.find("data") : reply.end();
  if (reply.is_discarded() || !reply.is_object() || data == reply.end() || !data->is_array() || data->size() != inputs.size())
    throw LlmError(200, "malformed embeddings response: expected 'data' with " + std::to_string(inputs.size()) + " vectors");
  std::vector<std::vector<float>> vectors(inputs.size());
  try {
    for (const auto& item : *data) {
      const auto index = item.at("index").get<std::size_t>();
      if (index >= vectors.size()) throw LlmError(200, "malformed embeddings response: index " + std::to_string(index) + " out of range");
      vectors[index] = item.at("embedding").get<std::vector<float>>();
    }
  } catch (const nlohmann::json::exception& e) {
    throw LlmError(200, std::string("malformed embeddings response: ") + e.what());
  }
  co_return vectors;
}

LlmClient::LlmClient(ClientOptions options) : client_(loop_.executor(), std::move(options)) {}
LlmClient::~LlmClient() = default;

ChatResponse LlmClient::complete(const ChatRequest& request) { return loop_.run(client_.complete(request)); }

}  // namespace legion::core
