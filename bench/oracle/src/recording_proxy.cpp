#include "legion/oracle/recording_proxy.hpp"

#include <arpa/inet.h>
#include <httplib.h>

#include <atomic>
#include <ctime>
#include <deque>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "legion/core/error_text.hpp"
#include "legion/oracle/embeddings.hpp"

namespace legion::oracle {

using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t steady_ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// An endpoint's base URL split into what a client connects to and the path before each route.
struct Url {
  std::string scheme_host_port;  // http://127.0.0.1:8080
  std::string host;              // 127.0.0.1
  std::string prefix;            // /v1
};

Url parse_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos || (url.compare(0, scheme_end, "http") != 0 && url.compare(0, scheme_end, "https") != 0))
    throw std::invalid_argument("endpoint '" + url + "': expected an http:// or https:// URL");
  const auto path_start = url.find('/', scheme_end + 3);
  Url u;
  u.scheme_host_port = url.substr(0, path_start);
  u.prefix = path_start == std::string::npos ? "" : url.substr(path_start);
  while (!u.prefix.empty() && u.prefix.back() == '/') u.prefix.pop_back();
  auto authority = url.substr(scheme_end + 3, path_start == std::string::npos ? std::string::npos : path_start - scheme_end - 3);
  if (authority.find('@') != std::string::npos)
    throw std::invalid_argument("endpoint '" + url + "': credentials in the URL are not accepted (use --api-key-env)");
  if (authority.starts_with("[")) u.host = authority.substr(1, authority.find(']') - 1);
  else u.host = authority.substr(0, authority.find(':'));
  if (u.host.empty()) throw std::invalid_argument("endpoint '" + url + "': no host");
  return u;
}

// The error message an OpenAI-style error body carries, or the body's start.
std::string error_message(const std::string& body) {
  const auto j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    if (const auto e = j.find("error"); e != j.end()) {
      if (e->is_object() && e->contains("message") && (*e)["message"].is_string()) return (*e)["message"].get<std::string>();
      if (e->is_string()) return e->get<std::string>();
    }
    if (const auto m = j.find("message"); m != j.end() && m->is_string()) return m->get<std::string>();
  }
  return core::clip_error_text(body.substr(0, 300));
}

std::string utc_now_ms() {
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03lldZ", buf, static_cast<long long>(ms));
  return out;
}

}  // namespace

json parse_answer_body(const std::string& body) {
  auto j = json::parse(body, nullptr, false);
  if (!j.is_discarded()) return j;
  // Server-sent events: one JSON object per `data:` line, ending with `data: [DONE]`.
  json events = json::array();
  std::size_t start = 0;
  while (start < body.size()) {
    auto end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    std::string_view line(body.data() + start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("data:")) {
      line.remove_prefix(5);
      while (line.starts_with(' ')) line.remove_prefix(1);
      if (line != "[DONE]") {
        auto event = json::parse(line, nullptr, false);
        if (event.is_discarded()) return body;
        events.push_back(std::move(event));
      }
    }
    start = end + 1;
  }
  if (events.empty()) return body;
  return json{{"events", std::move(events)}};
}

ReportedUsage reported_usage(const json& answer) {
  ReportedUsage u;
  auto take = [&](const json& j) {
    if (!j.is_object()) return;
    if (const auto usage = j.find("usage"); usage != j.end() && usage->is_object()) {
      u.reported = true;
      u.prompt_tokens = usage->value("prompt_tokens", std::uint64_t{0});
      u.completion_tokens = usage->value("completion_tokens", std::uint64_t{0});
      if (const auto details = usage->find("prompt_tokens_details"); details != usage->end() && details->is_object())
        u.cached_prompt_tokens = details->value("cached_tokens", std::uint64_t{0});
    }
    // llama.cpp's server reports the prompt tokens it reused from its cache in its timings.
    if (const auto timings = j.find("timings"); timings != j.end() && timings->is_object() && u.cached_prompt_tokens == 0)
      u.cached_prompt_tokens = timings->value("cache_n", std::uint64_t{0});
  };
  if (const auto events = answer.is_object() ? answer.find("events") : answer.end(); answer.is_object() && events != answer.end()) {
    for (const auto& e : *events) take(e);  // the usage, where there is one, rides on the last events
  } else {
    take(answer);
  }
  return u;
}

bool is_loopback_url(const std::string& url) {
  const auto host = parse_url(url).host;
  if (host == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

struct RecordingProxy::Impl {
  Options options;
  Url upstream;
  httplib::Server server;
  std::thread listener;
  int port = 0;

  std::atomic<std::uint64_t> seq{0};
  RequestLog log{65536};

  mutable std::mutex mutex;  // guards what follows
  std::optional<Sampling> sampling;
  std::string label;
  std::deque<Exchange> kept;
  std::set<std::string> models, fingerprints;
  std::ofstream exchanges;
  std::vector<std::unique_ptr<httplib::Client>> idle_clients;

  explicit Impl(Options o) : options(std::move(o)), upstream(parse_url(options.upstream)) {}

  std::unique_ptr<httplib::Client> client() {
    {
      std::lock_guard lock(mutex);
      if (!idle_clients.empty()) {
        auto c = std::move(idle_clients.back());
        idle_clients.pop_back();
        return c;
      }
    }
    auto c = std::make_unique<httplib::Client>(upstream.scheme_host_port);
    c->set_keep_alive(true);
    c->set_connection_timeout(std::chrono::seconds(10));
    c->set_read_timeout(options.timeout);
    c->set_write_timeout(std::chrono::seconds(60));
    return c;
  }
  void give_back(std::unique_ptr<httplib::Client> c) {
    std::lock_guard lock(mutex);
    idle_clients.push_back(std::move(c));
  }

  // Sends one request upstream: the body as given, the real key, nothing else of the system's.
  httplib::Result send(const std::string& method, const std::string& route, const std::string& body) {
    httplib::Headers headers;
    if (!options.api_key.empty()) headers.emplace("Authorization", "Bearer " + options.api_key);
    auto c = client();
    auto result = method == "GET" ? c->Get(upstream.prefix + route, headers)
                                  : c->Post(upstream.prefix + route, headers, body, "application/json");
    if (result) give_back(std::move(c));  // a failed connection is not reused
    return result;
  }

  // Forwards a system's request and records it. `counted`: it is a model call of the current
  // record (the endpoint check before the run is not).
  std::pair<int, std::string> forward(const std::string& method, const std::string& route, const std::string& body,
                                      std::string& content_type, bool counted) {
    RequestLogEntry entry;
    entry.seq = counted ? seq.fetch_add(1) + 1 : 0;
    entry.request_bytes = body.size();
    Exchange x;
    x.seq = entry.seq;
    x.path = route;
    json asked, applied;  // the sampling the system asked for and what the proxy sent instead
    json request = json::parse(body, nullptr, false);
    if (request.is_discarded()) request = nullptr;
    std::string sent = body;
    {
      std::lock_guard lock(mutex);
      x.label = counted ? label : "endpoint check";
      if (route == "/chat/completions" && request.is_object() && sampling) {
        asked = {{"temperature", request.value("temperature", json(nullptr))}, {"seed", request.value("seed", json(nullptr))}};
        request["temperature"] = sampling->temperature;
        if (sampling->seed) request["seed"] = *sampling->seed;
        else request.erase("seed");
        sent = request.dump();
        applied = {{"temperature", request["temperature"]}, {"seed", request.value("seed", json(nullptr))}};
      }
    }
    if (request.is_object()) {
      entry.stream = request.value("stream", false);
      if (const auto tools = request.find("tools"); tools != request.end() && tools->is_array())
        entry.tools_offered = static_cast<std::uint32_t>(tools->size());
    }
    x.request = request;

    std::string answer;
    const auto start = Clock::now();
    if (route == "/embeddings") {
      // Answered here, the same for every endpoint (see the header).
      entry.action = "embed";
      const auto reply = detail::answer_embeddings(body, request.is_object() ? request.value("model", std::string()) : "", entry);
      x.status = reply.status;
      answer = reply.body;
      content_type = reply.content_type;
    } else {
      entry.action = "chat";
      auto result = send(method, route, sent);
      if (result) {
        x.status = result->status;
        answer = result->body;
        content_type = result->get_header_value("Content-Type");
        if (content_type.empty()) content_type = "application/json";
      } else {
        x.status = 502;
        x.error = "the endpoint could not be reached: " + httplib::to_string(result.error());
        answer = json{{"error", {{"message", "legion-bench recording proxy: " + x.error}, {"type", "proxy_error"}}}}.dump();
        content_type = "application/json";
      }
    }
    const auto end = Clock::now();
    x.model_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count();
    x.response = parse_answer_body(answer);
    entry.started_ns = steady_ns(start);
    entry.service_ns = x.model_ns;
    entry.status = x.status;
    entry.response_bytes = answer.size();
    if (entry.action == "chat") {
      const auto usage = reported_usage(x.response);
      entry.prompt_tokens = usage.prompt_tokens;
      entry.completion_tokens = usage.completion_tokens;
      entry.cached_prompt_tokens = usage.cached_prompt_tokens;
    }
    // Model calls and embeddings count in the record, as the scripted server counts them; other
    // routes (a model list) are forwarded and written down only.
    if (counted && (route == "/chat/completions" || route == "/embeddings")) log.record(entry);
    remember(x, applied, asked);
    return {x.status, std::move(answer)};
  }

  void remember(Exchange x, const json& applied, const json& asked) {
    std::lock_guard lock(mutex);
    auto note_identity = [&](const json& j) {
      if (!j.is_object()) return;
      if (const auto m = j.find("model"); m != j.end() && m->is_string() && x.path == "/chat/completions") models.insert(m->get<std::string>());
      if (const auto f = j.find("system_fingerprint"); f != j.end() && f->is_string()) fingerprints.insert(f->get<std::string>());
    };
    if (x.status == 200) {
      if (x.response.is_object() && x.response.contains("events"))
        for (const auto& e : x.response["events"]) note_identity(e);
      else note_identity(x.response);
    }
    if (exchanges.is_open()) {
      json line = {{"seq", x.seq}, {"record", x.label}, {"at", utc_now_ms()}, {"path", x.path}, {"status", x.status},
                   {"model_ns", x.model_ns}, {"request", x.request}, {"response", x.response}};
      if (!applied.is_null()) line["sampling"] = applied;
      if (!asked.is_null()) line["asked"] = asked;
      if (!x.error.empty()) line["error"] = x.error;
      exchanges << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n' << std::flush;
    }
    kept.push_back(std::move(x));
    while (kept.size() > options.exchanges_kept) kept.pop_front();
  }
};

RecordingProxy::RecordingProxy(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {
  auto& I = *impl_;
  if (!I.options.exchanges_file.empty()) {
    I.exchanges.open(I.options.exchanges_file, std::ios::app);
    if (!I.exchanges) throw std::runtime_error("cannot write " + I.options.exchanges_file.string());
  }
  auto handle = [&I](const httplib::Request& req, httplib::Response& res) {
    std::string route = req.path;
    if (route.starts_with("/v1/")) route.erase(0, 3);
    std::string content_type;
    auto [status, body] = I.forward(req.method, route, req.body, content_type, true);
    res.status = status;
    res.set_content(std::move(body), content_type.c_str());
  };
  I.server.Post(R"(/.*)", handle);
  I.server.Get(R"(/.*)", handle);
  I.server.set_payload_max_length(64u << 20);
  I.server.set_read_timeout(std::chrono::seconds(60));
  I.server.set_write_timeout(std::chrono::seconds(60));
  I.server.set_keep_alive_timeout(30);
  I.port = I.server.bind_to_any_port("127.0.0.1");
  if (I.port <= 0) throw std::runtime_error("the recording proxy could not listen on 127.0.0.1");
  I.listener = std::thread([&I] { I.server.listen_after_bind(); });
  // A stop() before the loop runs would not end it, and the destructor would wait for ever.
  while (!I.server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

RecordingProxy::~RecordingProxy() {
  impl_->server.stop();
  if (impl_->listener.joinable()) impl_->listener.join();
}

std::string RecordingProxy::base_url() const { return "http://127.0.0.1:" + std::to_string(impl_->port) + "/v1"; }
std::uint64_t RecordingProxy::mark() { return impl_->log.mark(impl_->seq); }
OracleTotals RecordingProxy::totals_since(std::uint64_t mark) const { return impl_->log.totals_since(mark); }
std::int64_t RecordingProxy::busy_since(std::uint64_t mark) const { return impl_->log.busy_since(mark); }
std::vector<RequestLogEntry> RecordingProxy::requests_since(std::uint64_t mark) const { return impl_->log.since(mark); }

void RecordingProxy::set_sampling(std::optional<Sampling> sampling) {
  std::lock_guard lock(impl_->mutex);
  impl_->sampling = sampling;
}

void RecordingProxy::set_label(std::string label) {
  std::lock_guard lock(impl_->mutex);
  impl_->label = std::move(label);
}

std::vector<Exchange> RecordingProxy::exchanges_since(std::uint64_t mark) const {
  std::lock_guard lock(impl_->mutex);
  std::vector<Exchange> out;
  for (const auto& x : impl_->kept)
    if (x.seq > mark) out.push_back(x);
  return out;
}

std::set<std::string> RecordingProxy::reported_models() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->models;
}

std::set<std::string> RecordingProxy::system_fingerprints() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->fingerprints;
}

void RecordingProxy::check_endpoint(const std::string& model) {
  auto& I = *impl_;
  const auto where = I.options.upstream;
  auto refused_key = [&](int status, const std::string& body) {
    return std::runtime_error("the endpoint " + where + " refused the API key (HTTP " + std::to_string(status) + ": " +
                              error_message(body) + ")");
  };
  // The model list, where the endpoint has one: a name it does not list is caught here, by name.
  auto listed = I.send("GET", "/models", "");
  if (!listed)
    throw std::runtime_error("the endpoint " + where + " could not be reached: " + httplib::to_string(listed.error()));
  if (listed->status == 401 || listed->status == 403) throw refused_key(listed->status, listed->body);
  if (listed->status == 200) {
    const auto j = json::parse(listed->body, nullptr, false);
    if (j.is_object() && j.contains("data") && j["data"].is_array() && !j["data"].empty()) {
      std::vector<std::string> ids;
      for (const auto& m : j["data"])
        if (m.is_object() && m.contains("id") && m["id"].is_string()) ids.push_back(m["id"].get<std::string>());
      if (!ids.empty() && std::find(ids.begin(), ids.end(), model) == ids.end()) {
        std::string names;
        for (std::size_t i = 0; i < ids.size() && i < 20; ++i) names += (i ? ", " : "") + ids[i];
        throw std::runtime_error("the endpoint " + where + " serves no model '" + model + "' (it lists: " + names +
                                 (ids.size() > 20 ? ", …" : "") + ")");
      }
    }
  }
  if (listed->status == 200) return;  // the key opened the list and the list holds the model
  // No model list (not every endpoint has one): one short chat request with the run's sampling
  // tries the key, the model and the settings together.
  const json probe = {{"model", model}, {"messages", json::array({{{"role", "user"}, {"content", "Reply with the word OK."}}})},
                      {"max_tokens", 8}};
  std::string content_type;
  const auto [status, body] = I.forward("POST", "/chat/completions", probe.dump(), content_type, false);
  if (status == 401 || status == 403) throw refused_key(status, body);
  if (status == 502) throw std::runtime_error("the endpoint " + where + " could not be reached: " + error_message(body));
  if (status != 200)
    throw std::runtime_error("the endpoint " + where + " refused a one-line chat request to model '" + model + "' (HTTP " +
                             std::to_string(status) + ": " + error_message(body) + ")");
  const auto answer = parse_answer_body(body);
  if (!answer.is_object() || !answer.contains("choices"))
    throw std::runtime_error("the endpoint " + where + " answered a chat request with something that is not a chat completion: " +
                             core::clip_error_text(body.substr(0, 300)));
}

}  // namespace legion::oracle
