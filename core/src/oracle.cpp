#include "legion/core/oracle.hpp"

#include <httplib.h>
#include <sys/socket.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <sstream>

namespace legion::core {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::int64_t elapsed_ns(Clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - since).count();
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finaliser: a stateless hash of the request number
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::string error_body(const std::string& message, const std::string& type) {
  return json{{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}}.dump();
}

// Everything a request carried, for {{seen.X}} and {{majority}}.
class RequestEvidence final : public Evidence {
 public:
  explicit RequestEvidence(const ChatRequest& request) {
    std::map<std::string, std::string> calls;  // tool_call_id -> name + canonical arguments
    for (const auto& m : request.messages) {
      text_ += m.content;
      text_ += '\n';
      for (const auto& c : m.tool_calls) {
        text_ += c.arguments;
        text_ += '\n';
        calls[c.id] = key(c.name, c.arguments);
      }
      if (m.role == "tool")
        if (auto it = calls.find(m.tool_call_id); it != calls.end()) answered_.insert(it->second);
    }
  }
  // Whether a call of this tool with these arguments got a result back in the request.
  bool answered(const std::string& tool, const std::string& arguments) const { return answered_.contains(key(tool, arguments)); }
  bool carries(std::string_view value) const override { return text_.find(value) != std::string::npos; }
  std::string majority_vote() const override {
    std::map<std::string, int> votes;
    for (auto& option : votes_in(text_)) ++votes[option];
    std::string best = "MISSING(votes)";
    int best_count = 0;
    for (const auto& [option, count] : votes)  // ties go to the alphabetically first option
      if (count > best_count) best = option, best_count = count;
    return best;
  }

 private:
  static std::string key(const std::string& tool, const std::string& arguments) {
    auto parsed = json::parse(arguments.empty() ? std::string("{}") : arguments, nullptr, false);
    return tool + "\n" + (parsed.is_discarded() ? arguments : parsed.dump());
  }
  std::string text_;
  std::set<std::string> answered_;
};

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

// ---------------------------------------------------------------- latency and faults

LatencyProfile LatencyProfile::parse(const std::string& spec) {
  LatencyProfile p;
  if (spec.empty() || spec == "zero") return p;
  if (spec == "realistic") {
    p.name = "realistic";
    p.time_to_first_token = std::chrono::milliseconds(400);
    p.tokens_per_second = 60;
    return p;
  }
  p.name = spec;
  std::istringstream fields(spec);
  std::string field;
  bool any = false;
  while (std::getline(fields, field, ',')) {
    auto eq = field.find('=');
    auto key = field.substr(0, eq);
    auto value = eq == std::string::npos ? "" : field.substr(eq + 1);
    auto bad = [&](const std::string& why) {
      return std::invalid_argument("--latency '" + spec + "': " + why + " (expected zero, realistic or ttft=MS,tps=N)");
    };
    double number = 0;
    try {
      std::size_t used = 0;
      number = std::stod(value, &used);
      if (used != value.size()) throw std::invalid_argument(value);
    } catch (const std::exception&) {
      throw bad("'" + field + "' is not KEY=NUMBER");
    }
    // A day bounds both: beyond it the figures would overflow the clock, not model any server.
    if (key == "ttft") {
      if (!(number >= 0 && number <= 86'400'000)) throw bad("ttft must be between 0 and 86400000 ms");
      p.time_to_first_token = std::chrono::microseconds(static_cast<std::int64_t>(number * 1000));
    } else if (key == "tps") {
      if (!(number == 0 || (number >= 0.001 && number <= 1e9))) throw bad("tps must be 0 (all at once) or between 0.001 and 1e9");
      p.tokens_per_second = number;
    } else {
      throw bad("unknown key '" + key + "'");
    }
    any = true;
  }
  if (!any) throw std::invalid_argument("--latency '" + spec + "': no ttft or tps given");
  return p;
}

std::chrono::microseconds LatencyProfile::generation_time(std::uint64_t completion_tokens) const {
  if (tokens_per_second <= 0) return std::chrono::microseconds(0);
  return std::chrono::microseconds(static_cast<std::int64_t>(static_cast<double>(completion_tokens) * 1e6 / tokens_per_second));
}

std::string_view to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::http_429: return "http_429";
    case FaultKind::http_500: return "http_500";
    case FaultKind::timeout: return "timeout";
    case FaultKind::malformed_json: return "malformed_json";
    case FaultKind::truncated_stream: return "truncated_stream";
    case FaultKind::slow_stream: return "slow_stream";
  }
  return "?";
}

FaultPlan FaultPlan::parse(const std::string& spec) {
  FaultPlan plan;
  if (spec.empty() || spec == "none") return plan;
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("bad fault plan '" + spec + "': " + why +
                                 " (expected e.g. rate=0.05,kinds=http_429+http_500,seed=7 or at=3+5,kinds=timeout)");
  };
  std::istringstream fields(spec);
  std::string field;
  while (std::getline(fields, field, ',')) {
    auto eq = field.find('=');
    if (eq == std::string::npos) throw bad("'" + field + "' has no value");
    auto key = field.substr(0, eq);
    std::istringstream values(field.substr(eq + 1));
    std::string v;
    try {
      if (key == "rate") {
        plan.probability = std::stod(field.substr(eq + 1));
      } else if (key == "seed") {
        plan.seed = std::stoull(field.substr(eq + 1));
      } else if (key == "stall_ms") {
        plan.stall = std::chrono::milliseconds(std::stoll(field.substr(eq + 1)));
      } else if (key == "gap_ms") {
        plan.slow_gap = std::chrono::milliseconds(std::stoll(field.substr(eq + 1)));
      } else if (key == "at") {
        while (std::getline(values, v, '+')) plan.at_requests.insert(std::stoull(v));
      } else if (key == "kinds") {
        while (std::getline(values, v, '+')) {
          bool found = false;
          for (auto k : {FaultKind::http_429, FaultKind::http_500, FaultKind::timeout, FaultKind::malformed_json,
                         FaultKind::truncated_stream, FaultKind::slow_stream})
            if (v == to_string(k)) plan.kinds.push_back(k), found = true;
          if (!found) throw bad("unknown fault kind '" + v + "'");
        }
      } else {
        throw bad("unknown key '" + key + "'");
      }
    } catch (const std::invalid_argument& e) {
      if (std::string(e.what()).starts_with("bad fault plan")) throw;
      throw bad("'" + field + "' is not a number");
    }
  }
  if (plan.probability < 0 || plan.probability > 1) throw bad("rate must be within [0, 1]");
  if (plan.kinds.empty()) plan.kinds = {FaultKind::http_500};
  return plan;
}

std::optional<FaultKind> FaultPlan::fault_for(std::uint64_t n) const {
  auto h = mix(n ^ mix(seed));
  bool hit = at_requests.contains(n) ||
             (probability > 0 && static_cast<double>(h >> 11) * 0x1.0p-53 < probability);
  if (!hit || kinds.empty()) return std::nullopt;
  return kinds[mix(h) % kinds.size()];
}

// ---------------------------------------------------------------- token counting

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

// ---------------------------------------------------------------- the script

ScriptPolicy::ScriptPolicy(std::shared_ptr<const ScenarioSpec> scenario, Dialect dialect,
                           std::shared_ptr<TokenCounter> counter)
    : scenario_(std::move(scenario)), dialect_(std::move(dialect)), counter_(std::move(counter)) {}

ScriptPolicy::Decision ScriptPolicy::decide(const ChatRequest& request, std::uint64_t n) const {
  const auto& spec = *scenario_;
  RequestEvidence evidence(request);
  Decision d;
  auto& reply = d.response.message;
  reply.role = "assistant";
  d.response.id = "chatcmpl-legion-" + std::to_string(n);
  d.response.model = request.model;
  d.response.created = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  d.response.finish_reason = "stop";

  if (dialect_.is_selector_request(request)) {
    // The next speaker follows the scripted order, indexed by how many turns the request shows as done.
    std::size_t done = 0;
    for (const auto& agent : spec.agents)
      for (const auto& step : agent.script)
        if (step.kind == StepKind::say && evidence.carries(step.witness)) ++done;
    if (spec.speaker_order.empty()) throw PolicyError("scenario '" + spec.name + "' has no speaker order");
    const auto& next = spec.speaker_order[std::min(done, spec.speaker_order.size() - 1)];
    reply.content = dialect_.selector_answer(*spec.agent(next));
    d.agent = "selector";
    d.step = static_cast<int>(done);
    d.action = "select";
  } else {
    // Which agent is asking: the one whose identity line appears first in the system prompt.
    std::string system;
    for (const auto& m : request.messages)
      if (m.role == "system" || m.role == "developer") system += m.content + "\n";
    if (system.empty()) system = request.messages.front().content;
    const AgentSpec* agent = nullptr;
    std::size_t best = std::string::npos;
    for (const auto& a : spec.agents) {
      auto pos = system.find(dialect_.identity_of(a));
      if (pos != std::string::npos && (pos < best || (pos == best && a.role.size() > agent->role.size()))) {
        agent = &a;
        best = pos;
      }
    }
    if (!agent)
      throw PolicyError("no agent of scenario '" + spec.name + "' is named in the system prompt (expected e.g. \"" +
                        dialect_.identity_of(spec.agents.front()) + "\")");
    // The current step is the first one not done yet: its witness is not carried, and for calls and
    // delegations, no result of that very call came back either (a result that lost the planted
    // value still moves the script on, so the loss shows in the answer instead of a loop).
    auto call_of = [&](const Step& step) {
      return step.kind == StepKind::call
                 ? ToolCall{"", step.tool, render_placeholders_json(step.args, spec, evidence).dump()}
                 : dialect_.delegate_call(*spec.agent(step.target), render_placeholders(step.text, spec, evidence), "");
    };
    auto done = [&](const Step& step) {
      if (evidence.carries(step.witness)) return true;
      if (step.kind == StepKind::say) return false;
      auto call = call_of(step);
      return evidence.answered(call.name, call.arguments);
    };
    std::size_t index = 0;
    while (index < agent->script.size() && done(agent->script[index])) ++index;
    if (index == agent->script.size()) {  // all done: repeat the last answer
      index = agent->script.size() - 1;
      while (index > 0 && agent->script[index].kind != StepKind::say) --index;
    }
    const auto& step = agent->script[index];
    d.agent = agent->id;
    d.step = static_cast<int>(index);
    auto offered = [&](const std::string& tool) {
      return std::any_of(request.tools.begin(), request.tools.end(), [&](const ToolDefinition& t) { return t.name == tool; });
    };
    auto call_id = "call_" + std::to_string(n);
    switch (step.kind) {
      case StepKind::call:
      case StepKind::delegate: {
        d.action = step.kind == StepKind::call ? "call" : "delegate";
        auto call = call_of(step);
        if (!offered(call.name)) {
          reply.content = "MISSING(tool " + call.name + " was not offered)";
          break;
        }
        call.id = call_id;
        reply.tool_calls.push_back(std::move(call));
        break;
      }
      case StepKind::say:
        d.action = "say";
        reply.content = render_placeholders(step.text, spec, evidence);
        break;
    }
    if (!reply.tool_calls.empty()) d.response.finish_reason = "tool_calls";
  }
  d.response.usage.prompt_tokens = counter_->prompt(request);
  d.response.usage.completion_tokens = counter_->completion(reply);
  return d;
}

// ---------------------------------------------------------------- the server

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

}  // namespace legion::core
