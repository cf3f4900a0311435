#include "legion/oracle/server.hpp"

#include <httplib.h>
#include <sys/socket.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <sstream>

namespace legion::oracle {

using namespace legion::core;
using namespace legion::datasets;
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::int64_t elapsed_ns(Clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - since).count();
}

std::string error_body(const std::string& message, const std::string& type) {
  return json{{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}}.dump();
}

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

bool is_loopback(const std::string& host) { return host == "127.0.0.1" || host == "localhost" || host == "::1"; }

// Set on the threads that answer connections beyond the limit: every request there gets a 503.
thread_local bool over_connection_limit = false;

// cpp-httplib hands each accepted connection to a task queue that runs it to its close. This one
// runs at most `limit` at once, each on its own thread; a connection beyond that goes to a few
// overflow threads that answer its request with 503 at once, so no client waits for a thread that
// an idle keep-alive connection holds.
class ConnectionLimit final : public httplib::TaskQueue {
 public:
  static constexpr std::size_t kOverflowThreads = 4;
  explicit ConnectionLimit(std::size_t limit) : limit_(limit), pool_(limit), overflow_(kOverflowThreads) {}

  void enqueue(std::function<void()> connection) override {
    if (open_.fetch_add(1) < limit_) {
      pool_.enqueue([this, connection = std::move(connection)] {
        connection();
        open_.fetch_sub(1);
      });
      return;
    }
    open_.fetch_sub(1);
    overflow_.enqueue([connection = std::move(connection)] {
      over_connection_limit = true;
      connection();
      over_connection_limit = false;
    });
  }
  void shutdown() override {
    pool_.shutdown();
    overflow_.shutdown();
  }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> open_{0};
  httplib::ThreadPool pool_;
  httplib::ThreadPool overflow_;
};

}  // namespace

Oracle::Oracle(Options options) : options_(std::move(options)), server_(std::make_unique<httplib::Server>()) {
  if (!is_loopback(options_.host))
    throw std::invalid_argument("the oracle binds loopback addresses only, not '" + options_.host + "'");
  if (options_.max_connections < 1) throw std::invalid_argument("the oracle needs at least one connection");
  auto limit = options_.max_connections;
  server_->new_task_queue = [limit] { return new ConnectionLimit(limit); };
  server_->set_pre_routing_handler([limit](const httplib::Request&, httplib::Response& res) {
    if (!over_connection_limit) return httplib::Server::HandlerResponse::Unhandled;
    res.status = 503;
    res.set_header("Connection", "close");
    res.set_header("Retry-After", "1");
    res.set_content(error_body("The model server is at its limit of " + std::to_string(limit) +
                                   " open connections (--max-connections); retry after closing idle ones",
                               "server_overloaded"),
                    "application/json");
    return httplib::Server::HandlerResponse::Handled;
  });
  server_->set_keep_alive_max_count(1u << 30);
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_timeout(static_cast<time_t>(options_.keep_alive_timeout.count()));
  server_->set_read_timeout(120, 0);
  server_->set_write_timeout(120, 0);
  server_->set_payload_max_length(64u << 20);

  server_->Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    json models = {{"object", "list"},
                   {"data", json::array({{{"id", options_.model}, {"object", "model"}, {"created", 0}, {"owned_by", "legion-bench"}}})}};
    res.set_content(models.dump(), "application/json");
  });
  server_->Get("/health", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  server_->Post("/v1/chat/completions",
                [this](const httplib::Request& req, httplib::Response& res) { serve_chat(req.body, &res); });

  // The packaged cpp-httplib listens with a backlog of 5, which drops connections when hundreds of
  // agents connect at once; remember the listening socket and raise its backlog after binding
  // (listen() on a listening socket updates the backlog on Linux).
  auto listening = std::make_shared<std::atomic<int>>(-1);
  server_->set_socket_options([listening](int sock) {
    httplib::default_socket_options(sock);
    listening->store(sock);
  });
  port_ = options_.port == 0 ? server_->bind_to_any_port(options_.host) : options_.port;
  if (port_ <= 0 || (options_.port != 0 && !server_->bind_to_port(options_.host, options_.port)))
    throw std::runtime_error("oracle: cannot bind " + options_.host + ":" + std::to_string(options_.port));
  if (listening->load() >= 0) ::listen(listening->load(), SOMAXCONN);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  for (int i = 0; !server_->is_running(); ++i) {
    if (i > 5000) throw std::runtime_error("oracle: server did not start listening");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

Oracle::~Oracle() { stop(); }

void Oracle::stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

std::string Oracle::base_url() const {
  auto host = options_.host == "::1" ? "[::1]" : options_.host;
  return "http://" + host + ":" + std::to_string(port_) + "/v1";
}

void Oracle::set_script(std::shared_ptr<const ScriptPolicy> policy) {
  std::lock_guard lock(mutex_);
  policy_ = std::move(policy);
}

void Oracle::set_faults(FaultPlan faults) {
  std::lock_guard lock(mutex_);
  options_.faults = std::move(faults);
}

void Oracle::record(RequestLogEntry entry) {
  std::lock_guard lock(mutex_);
  auto seq = entry.seq;
  log_.emplace(seq, std::move(entry));
}

std::vector<RequestLogEntry> Oracle::log_since(std::uint64_t seq) const {
  std::lock_guard lock(mutex_);
  std::vector<RequestLogEntry> out;
  for (auto it = log_.upper_bound(seq); it != log_.end(); ++it) out.push_back(it->second);
  return out;
}

void Oracle::serve_chat(const std::string& body, void* response_ptr) {
  auto& res = *static_cast<httplib::Response*>(response_ptr);
  auto started = Clock::now();
  RequestLogEntry entry;
  entry.seq = ++seq_;
  entry.request_bytes = body.size();

  std::shared_ptr<const ScriptPolicy> policy;
  FaultPlan faults;
  {
    std::lock_guard lock(mutex_);
    policy = policy_;
    faults = options_.faults;
  }
  auto fail = [&](int status, const std::string& message, const std::string& type) {
    res.status = status;
    res.set_content(error_body(message, type), "application/json");
    entry.status = status;
    entry.action = "error";
    entry.response_bytes = res.body.size();
    entry.service_ns = elapsed_ns(started);
    record(entry);
  };

  auto fault = faults.fault_for(entry.seq);
  if (fault) {
    entry.fault = std::string(to_string(*fault));
    if (*fault == FaultKind::http_429) return fail(429, "Rate limit reached (injected fault)", "rate_limit_exceeded");
    if (*fault == FaultKind::http_500) return fail(500, "The server had an error (injected fault)", "server_error");
    if (*fault == FaultKind::timeout) {
      std::this_thread::sleep_for(faults.stall);
      return fail(504, "Gateway timeout (injected fault)", "timeout");
    }
  }

  ChatRequest request;
  ScriptPolicy::Decision decision;
  try {
    request = parse_chat_request(body);
    if (!policy) throw PolicyError("no scenario is loaded");
    decision = policy->decide(request, entry.seq);
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

  const auto latency = options_.latency;
  const auto generation = latency.generation_time(entry.completion_tokens);

  if (fault && *fault == FaultKind::malformed_json) {
    auto full = encode_chat_response(decision.response);
    res.set_content(full.substr(0, full.size() / 2), "application/json");
    entry.response_bytes = res.body.size();
    entry.service_ns = elapsed_ns(started);
    record(entry);
    return;
  }

  if (!request.stream) {
    std::this_thread::sleep_for(latency.time_to_first_token + generation);
    res.set_content(encode_chat_response(decision.response), "application/json");
    entry.response_bytes = res.body.size();
    entry.service_ns = elapsed_ns(started);
    record(entry);
    return;
  }

  auto pieces = stream_pieces(decision.response.message.content);
  auto events = std::make_shared<std::vector<std::string>>(
      encode_stream_events(decision.response, pieces, request.include_usage));
  auto gap = fault && *fault == FaultKind::slow_stream
                 ? std::chrono::duration_cast<std::chrono::microseconds>(faults.slow_gap)
                 : (events->size() > 1 ? generation / static_cast<std::int64_t>(events->size() - 1) : generation);
  auto truncate = fault && *fault == FaultKind::truncated_stream;
  auto ttft = latency.time_to_first_token;
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, events, gap, ttft, truncate, started, entry](std::size_t index, httplib::DataSink& sink) mutable {
        // index counts bytes already sent; track events by our own cursor instead.
        (void)index;
        std::size_t limit = truncate ? events->size() / 2 : events->size();
        for (std::size_t i = 0; i < limit; ++i) {
          std::this_thread::sleep_for(i == 0 ? ttft : gap);
          if (!sink.write((*events)[i].data(), (*events)[i].size())) break;
          entry.response_bytes += (*events)[i].size();
        }
        sink.done();
        entry.service_ns = elapsed_ns(started);
        record(entry);
        return true;
      });
}

OracleTotals totals(const std::vector<RequestLogEntry>& entries) {
  OracleTotals t;
  for (const auto& e : entries) {
    ++t.requests;
    t.prompt_tokens += e.prompt_tokens;
    t.completion_tokens += e.completion_tokens;
    t.service_ns += e.service_ns;
    if (e.status != 200) ++t.errors;
    if (!e.fault.empty()) ++t.faults;
  }
  return t;
}

}  // namespace legion::oracle
