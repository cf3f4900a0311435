#include "legion/oracle/server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "legion/core/engine.hpp"

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

}  // namespace
}  // namespace legion::oracle
