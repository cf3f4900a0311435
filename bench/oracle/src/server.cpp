#include "legion/oracle/server.hpp"

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <charconv>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include "legion/oracle/chat_handler.hpp"
#include "legion/oracle/embeddings.hpp"
#include "legion/oracle/metrics_text.hpp"

namespace legion::oracle {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using detail::Reply;

namespace {

constexpr auto kSweepInterval = std::chrono::milliseconds(500);
constexpr auto kRefusalLinger = std::chrono::seconds(2);
constexpr std::size_t kMaxRefusalsAtOnce = 1024;
constexpr std::size_t kIdleBufferKept = 32u << 10;
constexpr std::size_t kPipelineBatch = 64u << 10;  // answers to pipelined requests gathered into one write

bool is_loopback(const std::string& host) { return host == "127.0.0.1" || host == "localhost" || host == "::1"; }

// The path a request names, without its query.
std::string_view path_of(const http::request<http::string_body>& request) {
  const std::string_view target(request.target().data(), request.target().size());
  return target.substr(0, target.find('?'));
}

std::size_t body_limit_for(std::string_view path) {
  if (path == "/v1/chat/completions" || path == "/chat/completions") return kChatBodyLimit;
  if (path == "/v1/embeddings" || path == "/embeddings") return kEmbeddingsBodyLimit;
  return kOtherBodyLimit;
}

std::string_view reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

void append_number(std::string& out, std::uint64_t n, int base = 10) {
  std::array<char, 24> digits{};
  auto end = std::to_chars(digits.data(), digits.data() + digits.size(), n, base).ptr;
  out.append(digits.data(), end);
}

// The status line and headers. Without a length the body is chunked (HTTP/1.1) or runs to the close.
void append_head(std::string& out, const Reply& reply, std::optional<std::size_t> content_length, bool keep_alive, bool http10) {
  out += "HTTP/1.1 ";
  append_number(out, static_cast<std::uint64_t>(reply.status));
  out += ' ';
  out += reason(reply.status);
  out += "\r\nContent-Type: ";
  out += reply.content_type;
  if (content_length) {
    out += "\r\nContent-Length: ";
    append_number(out, *content_length);
  } else if (!http10) {
    out += "\r\nTransfer-Encoding: chunked";
  }
  if (!keep_alive) out += "\r\nConnection: close";
  else if (http10) out += "\r\nConnection: keep-alive";
  for (const auto& [name, value] : reply.headers) {
    out += "\r\n";
    out += name;
    out += ": ";
    out += value;
  }
  out += "\r\n\r\n";
}

void append_chunk(std::string& out, std::string_view data, bool chunked) {
  if (!chunked) {
    out += data;
    return;
  }
  append_number(out, data.size(), 16);
  out += "\r\n";
  out += data;
  out += "\r\n";
}

// Lets the process hold as many connections as its hard limit allows; returns the soft limit.
std::size_t raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? std::size_t{1} << 20 : static_cast<std::size_t>(limit.rlim_cur);
}

class Connection;

// One I/O thread's event loop and the connections it owns (touched by that thread only).
struct Loop {
  std::unordered_set<Connection*> connections;  // declared before the context: outlives the handlers that own connections
  asio::io_context context{1};
  std::optional<asio::steady_timer> sweep;
  std::thread thread;
};

}  // namespace

struct Oracle::Impl {
  explicit Impl(Options o) : options(std::move(o)), log(options.log_capacity) {}

  std::shared_ptr<const detail::ServingState> serving() const {
    std::lock_guard lock(state_mutex);
    return state;
  }
  void accept();
  void refuse(Loop& loop, tcp::socket socket);
  void sweep(Loop& loop);

  Options options;
  RequestLog log;
  std::vector<std::unique_ptr<Loop>> loops;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry;
  std::size_t next_loop = 0;  // the acceptor's thread only
  int port = 0;
  std::atomic<std::uint64_t> seq{0};
  std::atomic<std::size_t> open{0};
  std::atomic<std::size_t> refusing{0};
  std::atomic<bool> stopped{false};
  mutable std::mutex state_mutex;
  std::shared_ptr<const detail::ServingState> state = std::make_shared<detail::ServingState>();
};

namespace {

// One keep-alive connection: reads requests one at a time (pipelined bytes wait in the buffer),
// answers each in order, with timers for the latency profile.
class Connection final : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Oracle::Impl& server, Loop& loop, tcp::socket socket)
      : server_(server), loop_(loop), socket_(std::move(socket)) {}
  ~Connection() {
    loop_.connections.erase(this);
    server_.open.fetch_sub(1);
  }

  void start() {
    loop_.connections.insert(this);
    beast::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    next_request();
  }

  // Called by the loop's sweep: closes a connection that has waited too long for a request, whose
  // request, once begun, has not arrived by its deadline (however steadily it trickles in), or whose
  // client does not take its answer in time.
  void close_if_late(Clock::time_point now) {
    const auto& o = server_.options;
    bool late = writing_since_ && now - *writing_since_ > o.write_timeout;
    if (waiting_)
      late = !request_started_            ? now - last_activity_ > o.keep_alive_timeout
             : !parser_->is_header_done() ? now - *request_started_ > o.header_timeout
                                          : now - header_done_at_ > o.body_timeout;
    if (late) {
      beast::error_code ec;
      socket_.close(ec);  // the pending read ends with operation_aborted and releases the connection
    }
  }

 private:
  void next_request() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kChatBodyLimit);  // the largest; lowered to the endpoint's once the header names it
    parser_->eager(false);                // stop after the header, so that its limit applies to the body
    body_limit_.reset();
    continue_sent_ = false;
    last_activity_ = Clock::now();
    request_started_.reset();
    if (buffer_.size() > 0) request_started_ = last_activity_;  // pipelined: already here
    parse();
  }

  void parse() {
    while (buffer_.size() > 0) {
      beast::error_code ec;
      const auto used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec && ec != http::error::need_more) return bad_request(ec);
      if (parser_->is_header_done() && !body_limit_ && !limit_body()) return;
      if (parser_->is_done()) return serve();
      if (used == 0) break;
    }
    if (parser_->is_header_done() && !continue_sent_) {
      continue_sent_ = true;
      const auto& fields = parser_->get();
      if (const auto expect = fields.find(http::field::expect);
          expect != fields.end() && beast::iequals(expect->value(), "100-continue")) {
        out_ += "HTTP/1.1 100 Continue\r\n\r\n";  // read() sends it first
      }
    }
    read();
  }

  void read() {
    if (!out_.empty()) return flush([](Connection& self) { self.read(); });
    waiting_ = true;
    // A large request leaves a large buffer; an idle connection gives it back before it waits (never
    // while a read is pending: the read owns the buffer's memory until it completes).
    if (buffer_.size() == 0 && buffer_.capacity() > kIdleBufferKept) buffer_.shrink_to_fit();
    const std::size_t size = parser_->is_header_done() ? 65536 : 8192;
    socket_.async_read_some(buffer_.prepare(size), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->waiting_ = false;
      if (ec) return;  // closed by the client, the sweep or stop(): the connection ends here
      self->buffer_.commit(n);
      self->last_activity_ = Clock::now();
      if (!self->request_started_) self->request_started_ = self->last_activity_;
      self->parse();
    });
  }

  // The header names the endpoint, and with it the largest body the request may carry: a declared
  // length beyond it is refused before any of the body is read, a chunked body once it exceeds it.
  bool limit_body() {
    header_done_at_ = Clock::now();
    body_limit_ = body_limit_for(path_of(parser_->get()));
    if (const auto length = parser_->content_length(); length && *length > *body_limit_) {
      bad_request(http::error::body_limit);
      return false;
    }
    parser_->body_limit(*body_limit_);
    parser_->eager(true);
    return true;
  }

  void bad_request(beast::error_code ec) {
    keep_alive_ = false;
    http10_ = false;
    if (ec == http::error::body_limit) {
      const auto& request = parser_->get();
      reply_ = detail::error_reply(413,
                                   "The request body is larger than the " + std::to_string(body_limit_.value_or(kChatBodyLimit)) +
                                       " bytes that " + std::string(request.method_string()) + " " + std::string(path_of(request)) + " accepts",
                                   "invalid_request_error");
    } else if (ec == http::error::header_limit) {
      reply_ = detail::error_reply(413, "The request line and headers are larger than the " + std::to_string(kHeaderLimit) +
                                            " bytes the model server accepts",
                                   "invalid_request_error");
    } else {
      reply_ = detail::error_reply(400, "Malformed HTTP request: " + ec.message(), "invalid_request_error");
    }
    entry_.reset();
    started_ = Clock::now();
    deliver();
  }

  void serve() {
    started_ = Clock::now();
    auto request = parser_->release();
    keep_alive_ = request.keep_alive();
    http10_ = request.version() == 10;
    entry_.reset();
    const auto target = path_of(request);
    const auto method = request.method();
    try {
      if (target == "/v1/chat/completions" || target == "/chat/completions") {
        if (method != http::verb::post) {
          reply_ = detail::error_reply(405, "Use POST for /v1/chat/completions", "invalid_request_error");
        } else {
          entry_.emplace();
          entry_->seq = server_.seq.fetch_add(1) + 1;
          reply_ = detail::answer_chat(request.body(), *server_.serving(), server_.options.latency, *entry_);
        }
      } else if (target == "/v1/embeddings" || target == "/embeddings") {
        if (method != http::verb::post) {
          reply_ = detail::error_reply(405, "Use POST for /v1/embeddings", "invalid_request_error");
        } else {
          entry_.emplace();
          entry_->seq = server_.seq.fetch_add(1) + 1;
          reply_ = detail::answer_embeddings(request.body(), server_.options.model, *entry_);
        }
      } else if (target == "/v1/models" && method == http::verb::get) {
        reply_ = detail::answer_models(server_.options.model);
      } else if (target == "/health" && method == http::verb::get) {
        reply_ = Reply{};
        reply_.content_type = "text/plain";
        reply_.body = "ok";
      } else if (target == "/metrics" && method == http::verb::get) {
        reply_ = Reply{};
        reply_.content_type = "text/plain; version=0.0.4; charset=utf-8";
        reply_.body = prometheus_text(server_.log.totals());
      } else {
        reply_ = detail::error_reply(404, "Unknown request URL: " + std::string(request.method_string()) + " " +
                                              std::string(target),
                                     "invalid_request_error");
      }
    } catch (const std::exception& e) {
      spdlog::error("oracle: request failed: {}", e.what());
      reply_ = detail::error_reply(500, e.what(), "server_error");
      if (entry_) entry_->status = 500, entry_->action = "error";
    }
    next_event_ = 0;
    response_bytes_ = 0;
    if (reply_.first_delay.count() > 0) {
      if (out_.empty()) return after(reply_.first_delay);
      return flush([](Connection& self) { self.after(self.reply_.first_delay); });  // earlier answers go now
    }
    deliver();
  }

  // Writes what is pending, then carries on with `then` (unless the connection broke).
  template <typename Then>
  void flush(Then then) {
    writing_since_ = Clock::now();
    asio::async_write(socket_, asio::buffer(out_), [self = shared_from_this(), then](beast::error_code ec, std::size_t) {
      self->writing_since_.reset();
      if (ec) return;
      self->out_.clear();
      then(*self);
    });
  }

  void after(std::chrono::microseconds delay) {
    if (!timer_) timer_.emplace(socket_.get_executor());
    timer_->expires_after(delay);
    timer_->async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->deliver();
    });
  }

  // Writes the reply, or its next streamed event(s); the log entry is recorded before the last
  // bytes are handed to the socket, so a client that has its answer finds the request logged.
  // Requests that were pipelined behind this one and are already in the buffer are answered before
  // anything is written, so that their answers leave in one write.
  void deliver() {
    bool last = true;
    if (!reply_.stream) {
      append_head(out_, reply_, reply_.body.size(), keep_alive_, http10_);
      out_ += reply_.body;
      response_bytes_ = reply_.body.size();
    } else {
      const bool chunked = !http10_;
      if (!chunked) keep_alive_ = false;  // an HTTP/1.0 stream ends with the connection
      if (next_event_ == 0) append_head(out_, reply_, std::nullopt, keep_alive_, http10_);
      const bool paced = reply_.gap.count() > 0;
      while (next_event_ < reply_.events.size()) {
        const auto& event = reply_.events[next_event_++];
        append_chunk(out_, event, chunked);
        response_bytes_ += event.size();
        if (paced) break;
      }
      last = next_event_ == reply_.events.size();
      if (last && chunked) out_ += "0\r\n\r\n";
    }
    if (last && entry_) {
      entry_->response_bytes = response_bytes_;
      entry_->started_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(started_.time_since_epoch()).count();
      entry_->service_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started_).count();
      server_.log.record(std::move(*entry_));
      entry_.reset();
    }
    if (!last) return flush([](Connection& self) { self.after(self.reply_.gap); });
    if (keep_alive_ && buffer_.size() > 0 && out_.size() < kPipelineBatch) return next_request();
    flush([](Connection& self) { self.finish(); });
  }

  void finish() {
    if (!keep_alive_) return linger();
    next_request();
  }

  // The answer was the connection's last: stop sending, then read and drop what the client still
  // sends (a body refused unread) until it closes or a short linger ends. Closing with unread bytes
  // would reset the connection and could destroy the answer before the client reads it.
  void linger() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (!timer_) timer_.emplace(socket_.get_executor());
    timer_->expires_after(kRefusalLinger);
    timer_->async_wait([self = shared_from_this()](beast::error_code error) {
      if (error) return;
      beast::error_code ignored;
      self->socket_.close(ignored);
    });
    drain();
  }

  void drain() {
    buffer_.consume(buffer_.size());
    socket_.async_read_some(buffer_.prepare(8192), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {  // the client closed (or the linger did): the connection ends here
        self->timer_->cancel();
        return;
      }
      self->drain();
    });
  }

  Oracle::Impl& server_;
  Loop& loop_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<asio::steady_timer> timer_;
  std::string out_;
  Reply reply_;
  std::optional<RequestLogEntry> entry_;
  Clock::time_point started_;
  Clock::time_point last_activity_;
  std::optional<Clock::time_point> request_started_;  // the current request's first byte, once it came
  Clock::time_point header_done_at_;
  std::optional<Clock::time_point> writing_since_;     // while a write is pending
  std::optional<std::size_t> body_limit_;             // once the header has named the endpoint
  std::size_t next_event_ = 0;
  std::size_t response_bytes_ = 0;
  bool waiting_ = false;  // for request bytes (not while a reply is being timed or written)
  bool continue_sent_ = false;
  bool keep_alive_ = true;
  bool http10_ = false;
};

// A connection beyond the limit: answered with 503 at once, without waiting for its request, then
// drained until the client closes (closing with unread bytes would reset the connection and could
// destroy the answer before the client reads it) or a short linger ends.
class Refusal final : public std::enable_shared_from_this<Refusal> {
 public:
  Refusal(Oracle::Impl& server, tcp::socket socket) : server_(server), socket_(std::move(socket)), linger_(socket_.get_executor()) {}
  ~Refusal() { server_.refusing.fetch_sub(1); }

  void start() {
    Reply reply = detail::error_reply(503,
                                      "The model server is at its limit of " + std::to_string(server_.options.max_connections) +
                                          " open connections (--max-connections); retry after closing idle ones",
                                      "server_overloaded");
    reply.headers.emplace_back("Retry-After", "1");
    append_head(out_, reply, reply.body.size(), false, false);
    out_ += reply.body;
    linger_.expires_after(kRefusalLinger);
    linger_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      beast::error_code ignored;
      self->socket_.close(ignored);
    });
    asio::async_write(socket_, asio::buffer(out_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->linger_.cancel();
        return;
      }
      beast::error_code ignored;
      self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
      self->drain();
    });
  }

 private:
  void drain() {
    socket_.async_read_some(asio::buffer(sink_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->linger_.cancel();
        return;
      }
      self->drain();
    });
  }

  Oracle::Impl& server_;
  tcp::socket socket_;
  asio::steady_timer linger_;
  std::string out_;
  std::array<char, 4096> sink_{};
};

}  // namespace

void Oracle::Impl::accept() {
  auto& loop = *loops[next_loop++ % loops.size()];
  acceptor->async_accept(loop.context, [this, &loop](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopped) return;
    if (ec) {
      // Out of file descriptors or buffers: connections wait in the backlog while some close.
      spdlog::warn("oracle: accept failed: {}", ec.message());
      accept_retry->expires_after(std::chrono::milliseconds(10));
      accept_retry->async_wait([this](beast::error_code error) {
        if (!error) accept();
      });
      return;
    }
    if (open.fetch_add(1) >= options.max_connections) {
      open.fetch_sub(1);
      refuse(loop, std::move(socket));
    } else {
      asio::post(loop.context, [this, &loop, s = std::move(socket)]() mutable {
        std::make_shared<Connection>(*this, loop, std::move(s))->start();
      });
    }
    accept();
  });
}

void Oracle::Impl::refuse(Loop& loop, tcp::socket socket) {
  if (refusing.fetch_add(1) >= kMaxRefusalsAtOnce) {  // a flood: no answer beats running out of descriptors
    refusing.fetch_sub(1);
    beast::error_code ignored;
    socket.close(ignored);
    return;
  }
  asio::post(loop.context, [this, s = std::move(socket)]() mutable { std::make_shared<Refusal>(*this, std::move(s))->start(); });
}

void Oracle::Impl::sweep(Loop& loop) {
  loop.sweep->expires_after(kSweepInterval);
  loop.sweep->async_wait([this, &loop](beast::error_code ec) {
    if (ec) return;
    const auto now = Clock::now();
    for (auto* connection : loop.connections) connection->close_if_late(now);
    sweep(loop);
  });
}

Oracle::Oracle(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {
  auto& o = impl_->options;
  if (!is_loopback(o.host)) throw std::invalid_argument("the oracle binds loopback addresses only, not '" + o.host + "'");
  if (o.max_connections < 1) throw std::invalid_argument("the oracle needs at least one connection");
  if (o.io_threads == 0) o.io_threads = std::clamp(std::thread::hardware_concurrency(), 1u, 2u);
  // Each connection holds a descriptor; keep some for the rest of the process.
  const auto files = raise_open_file_limit();
  const auto allowed = files > 128 ? files - 64 : files / 2;
  if (o.max_connections > allowed) {
    spdlog::warn("oracle: --max-connections {} lowered to {} (open-file limit {})", o.max_connections, allowed, files);
    o.max_connections = allowed;
  }
  impl_->state = std::make_shared<detail::ServingState>(detail::ServingState{o.script, o.faults});

  for (unsigned i = 0; i < o.io_threads; ++i) impl_->loops.push_back(std::make_unique<Loop>());
  auto& first = impl_->loops.front()->context;
  const auto address = asio::ip::make_address(o.host == "localhost" ? "127.0.0.1" : o.host);
  impl_->acceptor.emplace(first);
  impl_->accept_retry.emplace(first);
  beast::error_code ec;
  const tcp::endpoint endpoint(address, static_cast<std::uint16_t>(o.port));
  impl_->acceptor->open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor->bind(endpoint, ec);
  if (!ec) impl_->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("oracle: cannot bind " + o.host + ":" + std::to_string(o.port) + ": " + ec.message());
  impl_->port = impl_->acceptor->local_endpoint().port();

  impl_->accept();
  for (auto& loop : impl_->loops) {
    loop->sweep.emplace(loop->context);
    impl_->sweep(*loop);
    loop->thread = std::thread([context = &loop->context] {
      auto work = asio::make_work_guard(*context);
      for (;;) {
        try {
          context->run();
          return;
        } catch (const std::exception& e) {  // a handler threw: log it and keep serving the others
          spdlog::error("oracle: {}", e.what());
        }
      }
    });
  }
}

Oracle::~Oracle() { stop(); }

Oracle::DirectAnswer Oracle::answer_directly(std::string_view path, std::string_view body) {
  const auto started = std::chrono::steady_clock::now();
  if (path.starts_with("/v1/")) path.remove_prefix(3);
  if (path == "/health") return {200, "ok"};
  RequestLogEntry entry;
  detail::Reply reply;
  try {
    if (path == "/chat/completions") {
      entry.seq = impl_->seq.fetch_add(1) + 1;
      reply = detail::answer_chat(body, *impl_->serving(), impl_->options.latency, entry);
    } else if (path == "/embeddings") {
      entry.seq = impl_->seq.fetch_add(1) + 1;
      reply = detail::answer_embeddings(body, impl_->options.model, entry);
    } else {
      return {404, detail::error_body("Unknown request path: " + std::string(path), "invalid_request_error")};
    }
  } catch (const std::exception& e) {
    reply = detail::error_reply(500, e.what(), "server_error");
    entry.status = 500, entry.action = "error";
  }
  if (reply.stream || reply.first_delay.count() > 0 || reply.gap.count() > 0)
    throw std::logic_error("the in-process model answers at once and whole: no latency profile, faults or streaming");
  entry.response_bytes = reply.body.size();
  entry.started_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(started.time_since_epoch()).count();
  entry.service_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count();
  impl_->log.record(std::move(entry));
  return {reply.status, std::move(reply.body)};
}

void Oracle::stop() {
  if (impl_->stopped.exchange(true)) return;
  for (auto& loop : impl_->loops) loop->context.stop();
  for (auto& loop : impl_->loops)
    if (loop->thread.joinable()) loop->thread.join();
  // No loop runs now: close the listening socket, then let each context destroy its handlers (and
  // with them the connections) before the loops themselves go.
  beast::error_code ignored;
  impl_->acceptor->close(ignored);
  impl_->accept_retry.reset();
  impl_->acceptor.reset();
  for (auto& loop : impl_->loops) loop->sweep.reset();
  impl_->loops.clear();
}

int Oracle::port() const { return impl_->port; }

std::string Oracle::base_url() const {
  auto host = impl_->options.host == "::1" ? "[::1]" : impl_->options.host;
  return "http://" + host + ":" + std::to_string(impl_->port) + "/v1";
}

std::string Oracle::model() const { return impl_->options.model; }
unsigned Oracle::io_threads() const { return impl_->options.io_threads; }
std::size_t Oracle::max_connections() const { return impl_->options.max_connections; }
std::size_t Oracle::open_connections() const { return impl_->open.load(); }
std::uint64_t Oracle::last_seq() const { return impl_->seq.load(); }
std::vector<RequestLogEntry> Oracle::log_since(std::uint64_t seq) const { return impl_->log.since(seq); }
std::size_t Oracle::log_size() const { return impl_->log.size(); }
OracleTotals Oracle::totals() const { return impl_->log.totals(); }
std::uint64_t Oracle::mark() { return impl_->log.mark(impl_->seq); }
OracleTotals Oracle::totals_since(std::uint64_t mark) const { return impl_->log.totals_since(mark); }
std::int64_t Oracle::busy_since(std::uint64_t mark) const { return impl_->log.busy_since(mark); }
std::int64_t Oracle::service_quantile_ns(double q) const { return impl_->log.service_quantile_ns(q); }

void Oracle::set_script(std::shared_ptr<const ScriptPolicy> policy) {
  std::lock_guard lock(impl_->state_mutex);
  impl_->state = std::make_shared<detail::ServingState>(detail::ServingState{std::move(policy), impl_->state->faults});
}

void Oracle::set_faults(FaultPlan faults) {
  std::lock_guard lock(impl_->state_mutex);
  impl_->state = std::make_shared<detail::ServingState>(detail::ServingState{impl_->state->policy, std::move(faults)});
}

}  // namespace legion::oracle
