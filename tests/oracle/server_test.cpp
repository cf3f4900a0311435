#include "legion/oracle/server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "legion/core/engine.hpp"
#include "legion/oracle/chat_handler.hpp"
#include "legion/oracle/metrics_text.hpp"

namespace legion::oracle {
namespace {

using namespace legion::core;
using namespace legion::datasets;

using nlohmann::json;

class OracleTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  void start(Oracle::Options options) {
    oracle_.reset();
    spec_ = std::make_shared<const ScenarioSpec>(load_scenario(resolve_scenario("single-tool")));
    oracle_ = std::make_unique<Oracle>(std::move(options));
    oracle_->set_script(std::make_shared<ScriptPolicy>(spec_, dialect_named("native")));
    client_ = std::make_unique<httplib::Client>("127.0.0.1", oracle_->port());
  }

  // The first request the native engine sends for single-tool.
  ChatRequest first_request() const {
    ChatRequest r;
    r.model = "legion-oracle";
    r.messages = {{"system", native_system_prompt(spec_->agents[0]), {}, {}, {}}, {"user", "Task: " + spec_->task, {}, {}, {}}};
    for (const auto& t : spec_->tools) r.tools.push_back({t.name, t.description, t.parameters});
    return r;
  }

  httplib::Result post(const ChatRequest& r) { return client_->Post("/v1/chat/completions", encode_chat_request(r), "application/json"); }

  std::shared_ptr<const ScenarioSpec> spec_;
  std::unique_ptr<Oracle> oracle_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(OracleTest, ListsItsModel) {
  auto res = client_->Get("/v1/models");
  ASSERT_TRUE(res);
  auto j = json::parse(res->body);
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["data"][0]["id"], "legion-oracle");
  EXPECT_EQ(j["data"][0]["object"], "model");
}

// GET /metrics serves the server's totals in Prometheus's text format; read back, they are the
// totals (the live metrics of the stress suites read them there).
TEST_F(OracleTest, ServesItsTotalsAsPrometheusText) {
  ASSERT_TRUE(post(first_request()));
  ASSERT_TRUE(post(first_request()));
  auto res = client_->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_NE(res->body.find("# TYPE legion_model_server_requests_total counter\nlegion_model_server_requests_total 2\n"), std::string::npos)
      << res->body;
  const auto expected = oracle_->totals();
  const auto read = totals_from_prometheus_text(res->body);
  EXPECT_EQ(read.requests, 2u);
  EXPECT_EQ(read.prompt_tokens, expected.prompt_tokens);
  EXPECT_GT(read.prompt_tokens, 0u);
  EXPECT_EQ(read.completion_tokens, expected.completion_tokens);
  EXPECT_EQ(read.request_bytes, expected.request_bytes);
  EXPECT_EQ(read.errors, 0u);
  EXPECT_NEAR(static_cast<double>(read.service_ns), static_cast<double>(expected.service_ns), 1e3);
}

TEST(MetricsText, RoundTripsEveryCounterAndRefusesBrokenLinesNamingThem) {
  OracleTotals t;
  t.requests = 123456789, t.errors = 3, t.faults = 2, t.prompt_tokens = 9876543210ull, t.completion_tokens = 42;
  t.request_bytes = 1ull << 40, t.embedding_requests = 7, t.service_ns = 1'500'000'000;
  const auto r = totals_from_prometheus_text(prometheus_text(t));
  EXPECT_EQ(r.requests, t.requests);
  EXPECT_EQ(r.errors, t.errors);
  EXPECT_EQ(r.faults, t.faults);
  EXPECT_EQ(r.prompt_tokens, t.prompt_tokens);
  EXPECT_EQ(r.completion_tokens, t.completion_tokens);
  EXPECT_EQ(r.request_bytes, t.request_bytes);
  EXPECT_EQ(r.embedding_requests, t.embedding_requests);
  EXPECT_EQ(r.service_ns, t.service_ns);
  EXPECT_EQ(totals_from_prometheus_text("# only comments\n\nother_metric 5\n").requests, 0u);  // unknown names are skipped
  try {
    totals_from_prometheus_text("# HELP x\nlegion_model_server_requests_total 1\nlegion_model_server_errors_total lots\n");
    FAIL() << "a value that is not a number was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(totals_from_prometheus_text("legion_model_server_requests_total\n"), std::invalid_argument);
}

TEST_F(OracleTest, FollowsTheScriptFromWhatWasSent) {
  auto request = first_request();
  auto res = post(request);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto j = json::parse(res->body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "legion-oracle");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "tool_calls");
  const auto& call = j["choices"][0]["message"]["tool_calls"][0];
  EXPECT_EQ(call["type"], "function");
  EXPECT_EQ(call["function"]["name"], "lookup_record");
  ASSERT_TRUE(call["function"]["arguments"].is_string());
  EXPECT_EQ(json::parse(call["function"]["arguments"].get<std::string>()), json({{"key", "launch-code"}}));
  EXPECT_GT(j["usage"]["prompt_tokens"].get<int>(), 20);
  EXPECT_EQ(j["usage"]["total_tokens"], j["usage"]["prompt_tokens"].get<int>() + j["usage"]["completion_tokens"].get<int>());

  // Second call: the tool result is carried, so the answer repeats the planted values.
  auto id = call["id"].get<std::string>();
  request.messages.push_back({"assistant", "", {}, {}, {{id, "lookup_record", R"({"key":"launch-code"})"}}});
  request.messages.push_back({"tool", spec_->run_tool("lookup_record", R"({"key":"launch-code"})"), {}, id, {}});
  auto answer = parse_chat_response(post(request)->body);
  EXPECT_EQ(answer.finish_reason, "stop");
  EXPECT_TRUE(check_answer(*spec_, answer.message.content).correct) << answer.message.content;

  auto log = oracle_->log_since(0);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].agent, "assistant");
  EXPECT_EQ(log[0].action, "call");
  EXPECT_EQ(log[1].step, 1);
  EXPECT_EQ(log[1].tools_offered, 1u);
  EXPECT_GT(log[1].request_bytes, log[0].request_bytes);
  EXPECT_GT(log[1].service_ns, 0);
}

TEST_F(OracleTest, AValueThatWasNotCarriedCannotBeRepeated) {
  auto request = first_request();
  request.messages.push_back({"assistant", "", {}, {}, {{"c1", "lookup_record", R"({"key":"launch-code"})"}}});
  // A tool result that lost the planted value: the oracle cannot know it and says so.
  request.messages.push_back({"tool", "Record launch-code: (lost)", {}, "c1", {}});
  auto answer = parse_chat_response(post(request)->body);
  EXPECT_NE(answer.message.content.find("MISSING(code)"), std::string::npos) << answer.message.content;
  EXPECT_FALSE(check_answer(*spec_, answer.message.content).correct);
}

TEST_F(OracleTest, ToolNotOfferedIsVisibleInTheAnswer) {
  auto request = first_request();
  request.tools.clear();
  auto answer = parse_chat_response(post(request)->body);
  EXPECT_TRUE(answer.message.tool_calls.empty());
  EXPECT_NE(answer.message.content.find("MISSING(tool lookup_record was not offered)"), std::string::npos);
}

// smolagents' agents take an answer only as a call of their final_answer tool: under its dialect the
// scripted answer goes out as that call when the request offers the tool, as text when it does not,
// and the script's own tool calls stay what they are.
TEST_F(OracleTest, TheDialectsFinalAnswerToolCarriesTheAnswerWhenOffered) {
  ScriptPolicy policy(spec_, dialect_named("smolagents"));
  auto request = first_request();
  request.tools.push_back({"final_answer", "Provides a final answer to the given problem.",
                           json{{"type", "object"}, {"properties", {{"answer", {{"type", "string"}}}}}}});
  auto first = policy.decide(request, 1);
  ASSERT_EQ(first.response.message.tool_calls.size(), 1u);
  EXPECT_EQ(first.response.message.tool_calls[0].name, "lookup_record");

  request.messages.push_back({"assistant", "", {}, {}, {{"c1", "lookup_record", R"({"key":"launch-code"})"}}});
  request.messages.push_back({"tool", spec_->run_tool("lookup_record", R"({"key":"launch-code"})"), {}, "c1", {}});
  auto as_call = policy.decide(request, 2);
  EXPECT_EQ(as_call.response.finish_reason, "tool_calls");
  EXPECT_TRUE(as_call.response.message.content.empty());
  ASSERT_EQ(as_call.response.message.tool_calls.size(), 1u);
  const auto& call = as_call.response.message.tool_calls[0];
  EXPECT_EQ(call.name, "final_answer");
  EXPECT_EQ(call.id, "call_2");
  auto answer = json::parse(call.arguments).at("answer").get<std::string>();
  EXPECT_TRUE(check_answer(*spec_, answer).correct) << answer;

  request.tools.pop_back();
  auto as_text = policy.decide(request, 3);
  EXPECT_EQ(as_text.response.finish_reason, "stop");
  EXPECT_TRUE(as_text.response.message.tool_calls.empty());
  EXPECT_EQ(as_text.response.message.content, answer);
}

TEST_F(OracleTest, StreamsServerSentEventsWithUsage) {
  auto request = first_request();
  request.stream = true;
  request.include_usage = true;
  auto res = post(request);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
  EXPECT_NE(res->body.find("\"object\":\"chat.completion.chunk\""), std::string::npos);
  EXPECT_EQ(res->body.substr(res->body.size() - 14), "data: [DONE]\n\n");
  auto r = parse_stream(res->body);
  ASSERT_EQ(r.message.tool_calls.size(), 1u);
  EXPECT_EQ(r.finish_reason, "tool_calls");
  EXPECT_GT(r.usage.prompt_tokens, 0u);
}

TEST_F(OracleTest, RejectsRequestsNamingNoAgent) {
  ChatRequest r;
  r.model = "m";
  r.messages = {{"system", "You are somebody else.", {}, {}, {}}, {"user", "hi", {}, {}, {}}};
  auto res = post(r);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  auto j = json::parse(res->body);
  EXPECT_EQ(j["error"]["type"], "invalid_request_error");
  EXPECT_NE(j["error"]["message"].get<std::string>().find("You are Records Assistant."), std::string::npos);
  auto bad = client_->Post("/v1/chat/completions", "{not json", "application/json");
  EXPECT_EQ(bad->status, 400);
}

TEST_F(OracleTest, InjectsFaultsAtTheRequestsAsked) {
  oracle_->set_faults(FaultPlan::parse("at=1+2+3+4,kinds=http_429+http_500+malformed_json"));
  std::map<int, int> statuses;
  int malformed = 0;
  for (int i = 0; i < 4; ++i) {
    auto res = post(first_request());
    ASSERT_TRUE(res);
    ++statuses[res->status];
    if (res->status == 200 && json::parse(res->body, nullptr, false).is_discarded()) ++malformed;
  }
  EXPECT_EQ(statuses[429] + statuses[500] + malformed, 4);
  EXPECT_EQ(post(first_request())->status, 200);  // request 5 is clean
  auto log = oracle_->log_since(0);
  EXPECT_EQ(totals(log).faults, 4u);
}

TEST_F(OracleTest, FaultRateIsDeterministicAndNearItsRate) {
  auto plan = FaultPlan::parse("rate=0.2,kinds=http_500,seed=9");
  int hits = 0;
  for (std::uint64_t n = 1; n <= 10000; ++n) hits += plan.fault_for(n).has_value();
  EXPECT_NEAR(hits, 2000, 200);
  for (std::uint64_t n = 1; n <= 100; ++n) EXPECT_EQ(plan.fault_for(n), FaultPlan::parse("rate=0.2,kinds=http_500,seed=9").fault_for(n));
  EXPECT_THROW(FaultPlan::parse("rate=2"), std::invalid_argument);
  EXPECT_THROW(FaultPlan::parse("kinds=explode"), std::invalid_argument);
}

TEST_F(OracleTest, TruncatedStreamFailsTheClient) {
  oracle_->set_faults(FaultPlan::parse("at=1,kinds=truncated_stream"));
  ClientOptions options;
  options.base_url = oracle_->base_url();
  LlmClient client(options);
  auto request = first_request();
  request.stream = true;
  EXPECT_THROW(client.complete(request), LlmError);
}

TEST_F(OracleTest, ClientRetriesServerErrors) {
  oracle_->set_faults(FaultPlan::parse("at=1,kinds=http_500"));
  ClientOptions options;
  options.base_url = oracle_->base_url();
  options.max_retries = 1;
  options.backoff = std::chrono::milliseconds(1);
  LlmClient client(options);
  EXPECT_EQ(client.complete(first_request()).finish_reason, "tool_calls");
  EXPECT_EQ(oracle_->log_since(0).size(), 2u);
}

TEST_F(OracleTest, LatencyProfileDelaysTheAnswer) {
  Oracle::Options options;
  options.latency = LatencyProfile::parse("ttft=50,tps=1000");
  start(options);
  auto res = post(first_request());
  ASSERT_EQ(res->status, 200);
  // A lower bound only: the answer cannot come before the time to first token.
  EXPECT_GE(oracle_->log_since(0).at(0).service_ns, 50'000'000);
  EXPECT_EQ(LatencyProfile::parse("realistic").time_to_first_token, std::chrono::milliseconds(400));
  EXPECT_THROW(LatencyProfile::parse("fast"), std::invalid_argument);
}

TEST(LatencyProfile, NonsenseIsRefusedNamingTheFlag) {
  for (const char* spec : {"ttft=-5,tps=0", "ttft=5,tps=-1", "tps=1e-300", "ttft=1e300", "ttft=5x", "ttft=nan", ","}) {
    try {
      LatencyProfile::parse(spec);
      ADD_FAILURE() << spec << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).rfind("--latency '", 0), 0u) << e.what();
    }
  }
  EXPECT_EQ(LatencyProfile::parse("ttft=0,tps=0").tokens_per_second, 0);
}

// More connections than the limit, all open at once, one request each: every request is answered,
// 200 within the limit and 503 with an OpenAI-style error beyond it; none waits for a thread. The
// client closes a connection whose answer says "Connection: close", as HTTP clients do.
TEST(Oracle, AnswersConnectionsBeyondItsLimitWith503) {
  Oracle::Options options;
  options.max_connections = 8;
  Oracle oracle(options);
  constexpr int kConnections = 40;
  std::vector<int> sockets;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(oracle.port()));
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  for (int i = 0; i < kConnections; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    sockets.push_back(fd);
  }
  const std::string request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (int fd : sockets) ASSERT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));

  std::vector<std::string> answers(sockets.size());
  std::vector<bool> done(sockets.size(), false);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto complete = [](const std::string& a) {
    auto head = a.find("\r\n\r\n");
    auto length = a.find("Content-Length: ");
    return head != std::string::npos && length != std::string::npos && length < head &&
           a.size() >= head + 4 + std::stoul(a.substr(length + 16));
  };
  while (std::count(done.begin(), done.end(), true) < kConnections && std::chrono::steady_clock::now() < deadline) {
    std::vector<pollfd> waiting;
    for (std::size_t i = 0; i < sockets.size(); ++i)
      if (!done[i]) waiting.push_back({sockets[i], POLLIN, 0});
    ::poll(waiting.data(), waiting.size(), 100);
    for (const auto& p : waiting) {
      if (!(p.revents & POLLIN)) continue;
      auto i = static_cast<std::size_t>(std::find(sockets.begin(), sockets.end(), p.fd) - sockets.begin());
      char buffer[4096];
      auto n = ::read(p.fd, buffer, sizeof buffer);
      if (n > 0) answers[i].append(buffer, static_cast<std::size_t>(n));
      if (n <= 0 || complete(answers[i])) {
        done[i] = true;
        if (answers[i].find("Connection: close") != std::string::npos) ::close(p.fd), sockets[i] = -1;
      }
    }
  }
  int ok = 0, refused = 0;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    ASSERT_TRUE(done[i]) << "connection " << i << " got no answer within 10 s: '" << answers[i] << "'";
    if (answers[i].starts_with("HTTP/1.1 200")) {
      ++ok;
    } else {
      ASSERT_TRUE(answers[i].starts_with("HTTP/1.1 503")) << answers[i];
      auto body = json::parse(answers[i].substr(answers[i].find("\r\n\r\n") + 4));
      EXPECT_EQ(body["error"]["type"], "server_overloaded");
      EXPECT_NE(body["error"]["message"].get<std::string>().find("limit of 8 open connections"), std::string::npos);
      ++refused;
    }
  }
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(refused, kConnections - 8);
  for (int fd : sockets)
    if (fd >= 0) ::close(fd);
}

// Raw HTTP/1.1 over blocking sockets, for what a library client hides: many connections at once,
// pipelining, framing.
namespace raw {

int connect_to(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    auto n = ::write(fd, data.data() + sent, data.size() - sent);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::string post(const std::string& body, const std::string& extra_headers = "") {
  return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Length of the first complete response (Content-Length or chunked) at the start of `data`, or 0.
std::size_t complete_response(const std::string& data) {
  auto head = data.find("\r\n\r\n");
  if (head == std::string::npos) return 0;
  auto headers = data.substr(0, head);
  if (auto length = headers.find("Content-Length: "); length != std::string::npos) {
    auto end = head + 4 + std::stoul(headers.substr(length + 16));
    return data.size() >= end ? end : 0;
  }
  if (headers.find("Transfer-Encoding: chunked") == std::string::npos) return 0;
  auto pos = head + 4;
  while (true) {
    auto line = data.find("\r\n", pos);
    if (line == std::string::npos) return 0;
    auto size = std::stoul(data.substr(pos, line - pos), nullptr, 16);
    pos = line + 2 + size + 2;
    if (pos > data.size()) return 0;
    if (size == 0) return pos;
  }
}

// Reads from every socket until each has `per_socket` complete responses (or the deadline passes).
std::vector<std::vector<std::string>> responses(const std::vector<int>& sockets, std::size_t per_socket,
                                                std::chrono::seconds limit = std::chrono::seconds(60)) {
  std::vector<std::vector<std::string>> out(sockets.size());
  std::vector<std::string> pending(sockets.size());
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto finished = [&] {
    return std::all_of(out.begin(), out.end(), [&](const auto& r) { return r.size() >= per_socket; });
  };
  while (!finished() && std::chrono::steady_clock::now() < deadline) {
    std::vector<pollfd> waiting;
    for (std::size_t i = 0; i < sockets.size(); ++i)
      if (out[i].size() < per_socket) waiting.push_back({sockets[i], POLLIN, 0});
    if (::poll(waiting.data(), waiting.size(), 100) <= 0) continue;
    for (const auto& p : waiting) {
      if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      auto i = static_cast<std::size_t>(std::find(sockets.begin(), sockets.end(), p.fd) - sockets.begin());
      char buffer[16384];
      auto n = ::read(p.fd, buffer, sizeof buffer);
      if (n <= 0) {  // closed: what it had is all it gets
        while (out[i].size() < per_socket) out[i].push_back(std::exchange(pending[i], ""));
        continue;
      }
      pending[i].append(buffer, static_cast<std::size_t>(n));
      while (auto length = complete_response(pending[i])) {
        out[i].push_back(pending[i].substr(0, length));
        pending[i].erase(0, length);
      }
    }
  }
  return out;
}

std::string body_of(const std::string& response) { return response.substr(response.find("\r\n\r\n") + 4); }

}  // namespace raw

// The single-tool request after the tool result, as the native engine sends it.
std::string second_request_body(const ScenarioSpec& spec) {
  ChatRequest r;
  r.model = "legion-oracle";
  r.messages = {{"system", native_system_prompt(spec.agents[0]), {}, {}, {}}, {"user", "Task: " + spec.task, {}, {}, {}}};
  r.messages.push_back({"assistant", "", {}, {}, {{"call_1", "lookup_record", R"({"key":"launch-code"})"}}});
  r.messages.push_back({"tool", spec.run_tool("lookup_record", R"({"key":"launch-code"})"), {}, "call_1", {}});
  for (const auto& t : spec.tools) r.tools.push_back({t.name, t.description, t.parameters});
  return encode_chat_request(r);
}

std::unique_ptr<Oracle> scripted_oracle(Oracle::Options options, std::shared_ptr<const ScenarioSpec>& spec) {
  spec = std::make_shared<const ScenarioSpec>(load_scenario(resolve_scenario("single-tool")));
  auto oracle = std::make_unique<Oracle>(std::move(options));
  oracle->set_script(std::make_shared<ScriptPolicy>(spec, dialect_named("native")));
  return oracle;
}

// A thousand keep-alive connections open at once, two requests each: every request is answered
// correctly, on the connection it came on, and the connections stay open in between.
TEST(Oracle, ServesAThousandKeepAliveConnectionsAtOnce) {
  std::shared_ptr<const ScenarioSpec> spec;
  auto oracle = scripted_oracle({}, spec);
  ASSERT_GE(oracle->max_connections(), 1000u);
  constexpr std::size_t kConnections = 1000;
  const auto request = raw::post(second_request_body(*spec));
  std::vector<int> sockets;
  for (std::size_t i = 0; i < kConnections; ++i) {
    sockets.push_back(raw::connect_to(oracle->port()));
    ASSERT_GE(sockets.back(), 0) << "connection " << i;
  }
  for (int round = 0; round < 2; ++round) {
    for (int fd : sockets) ASSERT_TRUE(raw::send_all(fd, request));
    auto answers = raw::responses(sockets, 1);
    for (std::size_t i = 0; i < kConnections; ++i) {
      ASSERT_EQ(answers[i].size(), 1u);
      ASSERT_TRUE(answers[i][0].starts_with("HTTP/1.1 200 OK\r\n")) << "connection " << i << ": " << answers[i][0];
      EXPECT_EQ(answers[i][0].find("Connection: close"), std::string::npos);
      auto answer = parse_chat_response(raw::body_of(answers[i][0]));
      ASSERT_TRUE(check_answer(*spec, answer.message.content).correct) << answer.message.content;
    }
    EXPECT_EQ(oracle->open_connections(), kConnections);
  }
  EXPECT_EQ(oracle->totals().requests, 2 * kConnections);
  EXPECT_EQ(oracle->totals().errors, 0u);
  for (int fd : sockets) ::close(fd);
}

// Requests sent back to back on one connection before any answer (HTTP/1.1 pipelining) are
// answered in the order they were sent.
TEST(Oracle, AnswersPipelinedRequestsInOrder) {
  std::shared_ptr<const ScenarioSpec> spec;
  auto oracle = scripted_oracle({}, spec);
  int fd = raw::connect_to(oracle->port());
  ASSERT_GE(fd, 0);
  const auto chat = raw::post(second_request_body(*spec));
  ASSERT_TRUE(raw::send_all(fd, chat + "GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n" + chat + chat));
  auto answers = raw::responses({fd}, 4).at(0);
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(parse_chat_response(raw::body_of(answers[0])).id, "chatcmpl-legion-1");
  EXPECT_EQ(json::parse(raw::body_of(answers[1]))["object"], "list");
  EXPECT_EQ(parse_chat_response(raw::body_of(answers[2])).id, "chatcmpl-legion-2");
  EXPECT_EQ(parse_chat_response(raw::body_of(answers[3])).id, "chatcmpl-legion-3");
  ::close(fd);
}

// A request held by the latency profile or a stalled fault does not hold the event loop: with one
// I/O thread, a request on another connection is answered while the first still waits.
TEST(Oracle, AHeldRequestDoesNotBlockTheLoop) {
  Oracle::Options options;
  options.io_threads = 1;
  options.faults = FaultPlan::parse("at=1,kinds=timeout,stall_ms=60000");
  std::shared_ptr<const ScenarioSpec> spec;
  auto oracle = scripted_oracle(options, spec);
  const auto chat = raw::post(second_request_body(*spec));
  int held = raw::connect_to(oracle->port());
  ASSERT_TRUE(raw::send_all(held, chat));
  while (oracle->last_seq() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  int other = raw::connect_to(oracle->port());
  ASSERT_TRUE(raw::send_all(other, chat));
  auto answer = raw::responses({other}, 1).at(0).at(0);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK")) << answer;
  pollfd p{held, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0) << "the stalled request was answered before its stall ended";
  EXPECT_EQ(oracle->totals().requests, 1u);
  ::close(held);
  ::close(other);
}

// Paced streaming writes the events one by one on timers; the client sees the same stream.
TEST(Oracle, PacedStreamArrivesWhole) {
  Oracle::Options options;
  options.latency = LatencyProfile::parse("ttft=1,tps=2000");
  std::shared_ptr<const ScenarioSpec> spec;
  auto oracle = scripted_oracle(options, spec);
  auto request = parse_chat_request(second_request_body(*spec));
  request.stream = true;
  request.include_usage = true;
  int fd = raw::connect_to(oracle->port());
  ASSERT_TRUE(raw::send_all(fd, raw::post(encode_chat_request(request))));
  auto answer = raw::responses({fd}, 1).at(0).at(0);
  ASSERT_NE(answer.find("Transfer-Encoding: chunked"), std::string::npos) << answer;
  // Undo the chunked framing.
  std::string body, framed = raw::body_of(answer);
  for (std::size_t pos = 0;;) {
    auto line = framed.find("\r\n", pos);
    auto size = std::stoul(framed.substr(pos, line - pos), nullptr, 16);
    if (size == 0) break;
    body += framed.substr(line + 2, size);
    pos = line + 2 + size + 2;
  }
  EXPECT_TRUE(body.ends_with("data: [DONE]\n\n"));
  auto streamed = parse_stream(body);
  EXPECT_TRUE(check_answer(*spec, streamed.message.content).correct) << streamed.message.content;
  EXPECT_GT(streamed.usage.prompt_tokens, 0u);
  auto log = oracle->log_since(0);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_TRUE(log[0].stream);
  EXPECT_EQ(log[0].response_bytes, body.size());
  ::close(fd);
}

// curl and others ask before sending a large body; an HTTP/1.0 client gets its answer and a close.
TEST(Oracle, HonoursExpectContinueAndHttp10) {
  std::shared_ptr<const ScenarioSpec> spec;
  auto oracle = scripted_oracle({}, spec);
  const auto body = second_request_body(*spec);
  int fd = raw::connect_to(oracle->port());
  const auto head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n";
  ASSERT_TRUE(raw::send_all(fd, head));
  char buffer[64] = {};
  auto n = ::read(fd, buffer, sizeof buffer);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(n)), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(raw::send_all(fd, body));
  EXPECT_TRUE(raw::responses({fd}, 1).at(0).at(0).starts_with("HTTP/1.1 200 OK"));
  ::close(fd);

  fd = raw::connect_to(oracle->port());
  ASSERT_TRUE(raw::send_all(fd, "GET /v1/models HTTP/1.0\r\n\r\n"));
  auto answer = raw::responses({fd}, 1).at(0).at(0);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK")) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos);
  EXPECT_EQ(::read(fd, buffer, sizeof buffer), 0);  // closed by the server
  ::close(fd);
}

// Unknown paths and broken HTTP get OpenAI-style errors instead of a hang or a dropped connection.
TEST(Oracle, AnswersUnknownPathsAndBrokenHttpWithErrors) {
  std::shared_ptr<const ScenarioSpec> spec;
  auto oracle = scripted_oracle({}, spec);
  int fd = raw::connect_to(oracle->port());
  ASSERT_TRUE(raw::send_all(fd, "GET /v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto answer = raw::responses({fd}, 1).at(0).at(0);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 404")) << answer;
  EXPECT_EQ(json::parse(raw::body_of(answer))["error"]["type"], "invalid_request_error");
  ASSERT_TRUE(raw::send_all(fd, "NOT HTTP AT ALL\r\n\r\n"));
  answer = raw::responses({fd}, 1).at(0).at(0);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos);
  ::close(fd);
}

// An idle keep-alive connection is closed after the keep-alive time; its slot is free again.
TEST(Oracle, ClosesIdleKeepAliveConnections) {
  Oracle::Options options;
  options.keep_alive_timeout = std::chrono::seconds(1);
  std::shared_ptr<const ScenarioSpec> spec;
  auto oracle = scripted_oracle(options, spec);
  int fd = raw::connect_to(oracle->port());
  ASSERT_TRUE(raw::send_all(fd, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(raw::responses({fd}, 1).at(0).at(0).starts_with("HTTP/1.1 200"));
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 30000), 1) << "the idle connection was not closed";
  char byte;
  EXPECT_EQ(::read(fd, &byte, 1), 0);
  ::close(fd);
  for (int i = 0; i < 3000 && oracle->open_connections() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(oracle->open_connections(), 0u);
}

// A connection that carried a large request keeps working after idling through the server's
// housekeeping (which once gave back its buffer while a read was pending into it).
TEST(Oracle, ServesALargeRequestThenIdlesThenServesMore) {
  Oracle::Options options;
  options.io_threads = 1;                                   // one housekeeping for every connection
  options.header_timeout = std::chrono::milliseconds(100);  // a request begun and left is closed at the next round
  std::shared_ptr<const ScenarioSpec> spec;
  auto oracle = scripted_oracle(options, spec);
  auto request = parse_chat_request(second_request_body(*spec));
  for (int i = 0; i < 20000; ++i) request.messages[1].content += " word" + std::to_string(i % 97);  // ~130 kB
  const auto large = raw::post(encode_chat_request(request)), small = raw::post(second_request_body(*spec));
  int fd = raw::connect_to(oracle->port());
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(raw::send_all(fd, large));
    EXPECT_TRUE(raw::responses({fd}, 1).at(0).at(0).starts_with("HTTP/1.1 200 OK"));
    // A canary begins a request and stops: once the housekeeping has closed it, a round has passed
    // over the idle connection too, which must still be open.
    int canary = raw::connect_to(oracle->port());
    ASSERT_TRUE(raw::send_all(canary, "GET"));
    pollfd p{canary, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 30000), 1) << "no housekeeping round closed the canary";
    char byte;
    EXPECT_EQ(::read(canary, &byte, 1), 0);
    ::close(canary);
    for (int i = 0; i < 3000 && oracle->open_connections() > 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_EQ(oracle->open_connections(), 1u) << "the idle connection was closed";
    ASSERT_TRUE(raw::send_all(fd, small));
    EXPECT_TRUE(raw::responses({fd}, 1).at(0).at(0).starts_with("HTTP/1.1 200 OK"));
  }
  ::close(fd);
  EXPECT_EQ(oracle->totals().requests, 6u);
}

// Slow clients cannot hold the connection slots: with every slot taken by a client that sends one
// byte at a time, never finishing its request (half of them the header, half the body), the others
// are refused; each slow connection is closed once its header or body deadline has passed, however
// steadily it sends (the keep-alive time is far off), and a normal client is served afterwards.
TEST(Oracle, ClosesSlowClientsAtTheRequestDeadline) {
  Oracle::Options options;
  options.max_connections = 20;
  options.header_timeout = std::chrono::seconds(1);
  options.body_timeout = std::chrono::seconds(1);
  std::shared_ptr<const ScenarioSpec> spec;
  auto oracle = scripted_oracle(options, spec);
  using Clock = std::chrono::steady_clock;
  struct Slow {
    int fd = -1;
    std::string pending;  // what it has yet to send, a byte at a time
    Clock::time_point started;
    std::optional<Clock::time_point> closed;
  };
  std::vector<Slow> slow(20);
  for (std::size_t i = 0; i < slow.size(); ++i) {
    slow[i].fd = raw::connect_to(oracle->port());
    ASSERT_GE(slow[i].fd, 0);
    const std::string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n";
    if (i % 2 == 0) {  // the header trickles in
      slow[i].pending = head + "X-Slow: " + std::string(1000, 'a');
    } else {  // the header comes whole, the body trickles in
      ASSERT_TRUE(raw::send_all(slow[i].fd, head + "Content-Length: 1000\r\n\r\n"));
      slow[i].pending = std::string(999, ' ');
    }
    slow[i].started = Clock::now();
  }
  while (oracle->open_connections() < slow.size()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  httplib::Client client("127.0.0.1", oracle->port());
  auto refused = client.Get("/v1/models");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);

  // One byte to each every 50 ms, until the server closes them all (or 60 s, far beyond the deadline).
  const auto give_up = Clock::now() + std::chrono::seconds(60);
  auto open = [&] { return std::count_if(slow.begin(), slow.end(), [](const Slow& s) { return !s.closed; }); };
  while (open() > 0 && Clock::now() < give_up) {
    for (auto& s : slow) {
      if (s.closed) continue;
      pollfd p{s.fd, POLLIN, 0};
      char byte;
      if (::poll(&p, 1, 0) == 1 && ::read(s.fd, &byte, 1) <= 0) {  // closed by the server
        s.closed = Clock::now();
        continue;
      }
      ASSERT_FALSE(s.pending.empty()) << "a slow request was sent whole";
      if (::send(s.fd, s.pending.data(), 1, MSG_NOSIGNAL) == 1) s.pending.erase(0, 1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (const auto& s : slow) {
    ASSERT_TRUE(s.closed) << "a slow connection was still open after 60 s";
    EXPECT_GE(*s.closed - s.started, std::chrono::seconds(1)) << "closed before its deadline";
    ::close(s.fd);
  }
  while (oracle->open_connections() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto served = client.Get("/v1/models");
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
  EXPECT_EQ(oracle->totals().requests, 0u);  // no slow request was ever answered
}

// A client that asks for a large answer and never reads it cannot hold its slot either: the
// connection is closed once a write has waited longer than the write deadline.
TEST(Oracle, ClosesAConnectionWhoseClientStopsReading) {
  Oracle::Options options;
  options.write_timeout = std::chrono::seconds(1);
  Oracle oracle(options);
  int fd = raw::connect_to(oracle.port());
  ASSERT_GE(fd, 0);
  // About 45 MB of answer (2,048 base64 vectors of 4,096 floats), far beyond the socket buffers.
  const auto body = json{{"input", std::vector<std::string>(2048, "refund")}, {"dimensions", 4096}, {"encoding_format", "base64"}}.dump();
  ASSERT_TRUE(raw::send_all(fd, "POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                                    "\r\n\r\n" + body));
  while (oracle.totals().embedding_requests < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (oracle.open_connections() > 0 && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(oracle.open_connections(), 0u) << "the connection that does not read was still open after 60 s";
  ::close(fd);
}

// Every path has a body limit: a body beyond it is refused with 413 and an OpenAI-style error naming
// the limit, before a byte of it is read when its length is declared (so the client need not send it),
// as it arrives when chunked; a body of exactly the limit is served.
TEST(Oracle, RefusesBodiesBeyondEachPathsLimitWith413) {
  std::shared_ptr<const ScenarioSpec> spec;
  auto oracle = scripted_oracle({}, spec);
  auto head = [](const std::string& request_line, std::size_t length) {
    return request_line + "\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
  };
  auto expect_413 = [&](const std::string& request, const std::string& message) {
    int fd = raw::connect_to(oracle->port());
    ASSERT_TRUE(raw::send_all(fd, request));
    const auto answer = raw::responses({fd}, 1).at(0).at(0);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 413 Payload Too Large\r\n")) << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos);
    EXPECT_EQ(json::parse(raw::body_of(answer)),
              json({{"error", {{"message", message}, {"type", "invalid_request_error"}, {"param", nullptr}, {"code", nullptr}}}}));
    ::close(fd);
  };
  expect_413(head("POST /v1/chat/completions HTTP/1.1", kChatBodyLimit + 1),
             "The request body is larger than the 67108864 bytes that POST /v1/chat/completions accepts");
  expect_413(head("POST /v1/embeddings HTTP/1.1", kEmbeddingsBodyLimit + 1),
             "The request body is larger than the 16777216 bytes that POST /v1/embeddings accepts");
  expect_413(head("GET /v1/models HTTP/1.1", kOtherBodyLimit + 1),
             "The request body is larger than the 65536 bytes that GET /v1/models accepts");
  const std::string chunk(32768, ' ');
  std::string chunked = "POST /v1/nothing HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) chunked += "8000\r\n" + chunk + "\r\n";
  expect_413(chunked + "0\r\n\r\n", "The request body is larger than the 65536 bytes that POST /v1/nothing accepts");
  expect_413("GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Large: " + std::string(kHeaderLimit, 'a') + "\r\n\r\n",
             "The request line and headers are larger than the 8192 bytes the model server accepts");

  // Exactly at the limit (a valid body padded with trailing white space): served.
  auto at_limit = [](std::string body, std::size_t limit) { return body + std::string(limit - body.size(), ' '); };
  const auto chat = at_limit(second_request_body(*spec), kChatBodyLimit);
  const auto embeddings = at_limit(R"({"input":"refund policy"})", kEmbeddingsBodyLimit);
  int fd = raw::connect_to(oracle->port());
  ASSERT_TRUE(raw::send_all(fd, head("POST /v1/chat/completions HTTP/1.1", chat.size()) + chat));
  auto answer = raw::responses({fd}, 1).at(0).at(0);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK")) << answer.substr(0, 300);
  EXPECT_TRUE(check_answer(*spec, parse_chat_response(raw::body_of(answer)).message.content).correct);
  ASSERT_TRUE(raw::send_all(fd, head("POST /v1/embeddings HTTP/1.1", embeddings.size()) + embeddings));
  answer = raw::responses({fd}, 1).at(0).at(0);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK")) << answer.substr(0, 300);
  ::close(fd);
}

// A chat request carries at most 2,048 messages (Azure OpenAI's limit): one more is refused with
// 400 naming the limit; exactly 2,048 are answered.
TEST_F(OracleTest, RefusesMoreMessagesThanTheLimit) {
  auto request = first_request();
  while (request.messages.size() < detail::kMaxChatMessages) request.messages.push_back({"user", "and again", {}, {}, {}});
  auto res = post(request);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  request.messages.push_back({"user", "once more", {}, {}, {}});
  res = post(request);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"]["message"], "'messages' has 2049 items; at most 2048 are accepted per request");
}

// The log keeps the most recent requests only; totals and service times still cover every request.
TEST(Oracle, RequestLogIsBounded) {
  Oracle::Options options;
  options.log_capacity = 16;
  std::shared_ptr<const ScenarioSpec> spec;
  auto oracle = scripted_oracle(options, spec);
  httplib::Client client("127.0.0.1", oracle->port());
  const auto body = second_request_body(*spec);
  const auto one = [&] {
    auto res = client.Post("/v1/chat/completions", body, "application/json");
    return res ? res->status : -1;
  };
  ASSERT_EQ(one(), 200);
  const auto first = oracle->totals();
  for (int i = 0; i < 49; ++i) ASSERT_EQ(one(), 200);
  EXPECT_EQ(oracle->log_size(), 16u);
  auto log = oracle->log_since(0);
  ASSERT_EQ(log.size(), 16u);
  EXPECT_EQ(log.front().seq, 35u);
  EXPECT_EQ(log.back().seq, 50u);
  EXPECT_EQ(oracle->log_since(45).size(), 5u);
  auto all = oracle->totals();
  EXPECT_EQ(all.requests, 50u);
  EXPECT_EQ(all.prompt_tokens, 50 * first.prompt_tokens);
  EXPECT_EQ((all - first).requests, 49u);
  EXPECT_GT(oracle->service_quantile_ns(0.5), 0);
  EXPECT_LE(oracle->service_quantile_ns(0.5), oracle->service_quantile_ns(0.99));
}

// A record's totals count the requests that arrived after its mark, however late they finish, and
// none that arrived before it (a stalled request of an earlier record finishing during this one).
TEST(Oracle, TotalsSinceAMarkCountWhatArrivedAfterIt) {
  Oracle::Options options;
  options.faults = FaultPlan::parse("at=1,kinds=timeout,stall_ms=300");
  std::shared_ptr<const ScenarioSpec> spec;
  auto oracle = scripted_oracle(options, spec);
  const auto chat = raw::post(second_request_body(*spec));
  int held = raw::connect_to(oracle->port());
  ASSERT_TRUE(raw::send_all(held, chat));  // request 1: stalled
  while (oracle->last_seq() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto mark = oracle->mark();
  EXPECT_EQ(mark, 1u);
  int fd = raw::connect_to(oracle->port());
  ASSERT_TRUE(raw::send_all(fd, chat + chat));  // requests 2 and 3
  EXPECT_EQ(raw::responses({fd}, 2).at(0).size(), 2u);
  auto stalled = raw::responses({held}, 1).at(0).at(0);  // request 1 finishes after the mark
  EXPECT_TRUE(stalled.starts_with("HTTP/1.1 504")) << stalled;
  const auto since = oracle->totals_since(mark);
  EXPECT_EQ(since.requests, 2u);
  EXPECT_EQ(since.faults, 0u);
  EXPECT_EQ(since.prompt_tokens, 2 * oracle->log_since(1).at(0).prompt_tokens);
  EXPECT_EQ(since.request_bytes, 2 * second_request_body(*spec).size());  // the bodies as received
  EXPECT_EQ(oracle->totals().requests, 3u);
  EXPECT_EQ(oracle->totals().faults, 1u);
  EXPECT_EQ(oracle->totals_since(12345).requests, 0u);  // never marked
  ::close(fd);
  ::close(held);
}

// A record's model time is the union of its requests' service intervals: three requests served at
// once count once, a request from before the mark not at all, and each interval lies within the
// client's own view of the request (sent to answered).
TEST(Oracle, BusySinceAMarkGivesEachRequestsSpan) {
  Oracle::Options options;
  options.latency = LatencyProfile::parse("ttft=100,tps=1000");
  std::shared_ptr<const ScenarioSpec> spec;
  auto oracle = scripted_oracle(options, spec);
  const auto chat = raw::post(second_request_body(*spec));
  const auto now_ns = [] { return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count(); };
  int before = raw::connect_to(oracle->port());
  ASSERT_TRUE(raw::send_all(before, chat));
  ASSERT_EQ(raw::responses({before}, 1).at(0).size(), 1u);  // request 1, before the mark

  const auto mark = oracle->mark();
  std::vector<int> sockets;
  for (int i = 0; i < 3; ++i) sockets.push_back(raw::connect_to(oracle->port()));
  const auto sent = now_ns();
  for (int fd : sockets) ASSERT_TRUE(raw::send_all(fd, chat));  // requests 2 to 4, at once
  for (const auto& answers : raw::responses(sockets, 1)) ASSERT_EQ(answers.size(), 1u);
  const auto answered = now_ns();

  const auto log = oracle->log_since(mark);
  ASSERT_EQ(log.size(), 3u);
  std::vector<TimeSpan> spans;
  std::int64_t service_sum = 0;
  for (const auto& e : log) {
    EXPECT_GE(e.started_ns, sent);
    EXPECT_LE(e.started_ns + e.service_ns, answered);
    EXPECT_GE(e.service_ns, 100'000'000);  // the time to first token, at least
    spans.push_back({e.started_ns, e.started_ns + e.service_ns});
    service_sum += e.service_ns;
  }
  const auto busy = oracle->busy_since(mark);
  EXPECT_EQ(busy, union_length_ns(spans));
  EXPECT_GE(busy, 100'000'000);
  EXPECT_LE(busy, answered - sent);
  EXPECT_LT(busy, service_sum);  // overlapping requests: the sum counts the shared time three times
  EXPECT_EQ(oracle->busy_since(12345), 0);  // never marked
  for (int fd : sockets) ::close(fd);
  ::close(before);
}

// The log's own arithmetic, on requests with made-up intervals: each mark's union holds the
// requests numbered after it, through later marks, whenever they were recorded.
TEST(RequestLog, BusySinceAMarkIsTheUnionOfTheIntervalsAfterIt) {
  RequestLog log(4);
  std::atomic<std::uint64_t> seq = 0;
  auto request = [&](std::int64_t start, std::int64_t length) {
    RequestLogEntry e;
    e.seq = ++seq;
    e.action = "call";
    e.started_ns = start;
    e.service_ns = length;
    return e;
  };
  log.record(request(0, 1000));  // before any mark
  const auto first = log.mark(seq);
  const auto a = request(2000, 100), b = request(2050, 100);  // overlap by 50
  const auto second = log.mark(seq);
  const auto c = request(3000, 10);
  log.record(c);  // finishing order does not matter
  log.record(b);
  log.record(a);
  EXPECT_EQ(log.busy_since(first), 150 + 10);
  EXPECT_EQ(log.busy_since(second), 10);
  EXPECT_EQ(log.totals_since(first).service_ns, 210);  // the sum, for contrast
  for (int i = 0; i < 200; ++i) log.record(request(5000 + i * 10, 20));  // many, overlapping: merged as they come
  EXPECT_EQ(log.busy_since(second), 10 + 199 * 10 + 20);
}

TEST(ServiceTimeHistogram, QuantilesWithinTheirBucket) {
  ServiceTimeHistogram h;
  EXPECT_EQ(h.quantile(0.5), 0);
  for (std::int64_t v = 1; v <= 100000; ++v) h.add(v * 1000);  // 1 µs .. 100 ms, evenly
  EXPECT_EQ(h.count(), 100000u);
  for (double q : {0.01, 0.5, 0.9, 0.99, 1.0}) {
    const double exact = q * 100000 * 1000;
    EXPECT_NEAR(static_cast<double>(h.quantile(q)), exact, exact * 0.016) << q;
  }
  h.add(-5);  // a clock that went backwards counts as zero
  EXPECT_EQ(h.quantile(0.0), 0);
}

TEST(Oracle, BindsLoopbackOnly) {
  Oracle::Options options;
  options.host = "0.0.0.0";
  EXPECT_THROW(Oracle{options}, std::invalid_argument);
}

TEST(TokenCounter, CountsMessagesRolesAndTools) {
  TokenCounter counter(Tokenizer::o200k_base());
  ChatRequest r;
  r.messages = {{"user", "hello world", {}, {}, {}}};
  // 3 to prime the reply + 3 per message + "user" (1) + "hello world" (2)
  EXPECT_EQ(counter.prompt(r), 3u + 3u + 1u + 2u);
  r.tools = {{"lookup", "Look up a record.", {{"type", "object"}}}};
  EXPECT_GT(counter.prompt(r), 9u);
  EXPECT_EQ(counter.completion({"assistant", "hello world", {}, {}, {}}), 2u);
}

// The caches change how counts are found, never what they are: a conversation grown message by
// message, with names, tool calls, non-ASCII text and tool lists that change, counts the same as
// tokenising everything afresh, even when the caches are small enough to evict on every request.
TEST(TokenCounter, CachedCountsEqualUncachedCounts) {
  for (std::size_t capacity : {std::size_t{4}, TokenCounter::kDefaultCapacity}) {
    TokenCounter counter(Tokenizer::o200k_base(), capacity);
    ChatRequest r;
    r.messages = {{"system", "You are Records Assistant. Answer from the records.", {}, {}, {}},
                  {"user", "Task: find the launch code — and the ключ, 鍵, 🔑.", "alice", {}, {}}};
    for (int turn = 0; turn < 40; ++turn) {
      const auto id = "call_" + std::to_string(turn);
      const auto args = R"({"key":"record-)" + std::to_string(turn) + R"("})";
      r.messages.push_back({"assistant", turn % 3 == 0 ? "Let me look." : "", {}, {}, {{id, "lookup_record", args}}});
      r.messages.push_back({"tool", "Record " + std::to_string(turn) + ": value ZQ" + std::to_string(turn * 7919), {}, id, {}});
      if (turn % 5 == 0) r.tools.push_back({"tool_" + std::to_string(turn), "A tool.", {{"type", "object"}, {"n", turn}}});
      EXPECT_EQ(counter.prompt(r), counter.prompt_uncached(r)) << "capacity " << capacity << ", turn " << turn;
      EXPECT_EQ(counter.prompt(r), counter.prompt_uncached(r)) << "again, capacity " << capacity << ", turn " << turn;
      const Message reply{"assistant", "The code is ZQ" + std::to_string(turn), {}, {}, {{id, "lookup_record", args}}};
      EXPECT_EQ(counter.completion(reply), counter.completion_uncached(reply));
    }
    const auto stats = counter.cache_stats();
    if (capacity == TokenCounter::kDefaultCapacity) {  // the small one evicts all the time
      EXPECT_GT(stats.hits, stats.misses);
    }
    EXPECT_LE(stats.entries, 3 * capacity);  // three bounded caches: messages, tool lists, texts
  }
  // A message's fields are told apart: moving text between them changes the count's key.
  TokenCounter counter(Tokenizer::o200k_base());
  ChatRequest a, b;
  a.messages = {{"user", "ab", "c", {}, {}}};
  b.messages = {{"user", "a", "bc", {}, {}}};
  EXPECT_EQ(counter.prompt(a), counter.prompt_uncached(a));
  EXPECT_EQ(counter.prompt(b), counter.prompt_uncached(b));
}

}  // namespace
}  // namespace legion::oracle
