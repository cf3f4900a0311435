#include "legion/oracle/recording_proxy.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <mutex>
#include <thread>

#include "legion/core/engine.hpp"
#include "legion/oracle/server.hpp"
#include "test_support.hpp"

namespace legion::oracle {
namespace {

using nlohmann::json;

// An endpoint of the test's own: it answers what the test tells it and keeps what it was sent.
class FakeEndpoint {
 public:
  FakeEndpoint() {
    server_.Get("/v1/models", [this](const httplib::Request& req, httplib::Response& res) {
      keep(req);
      res.status = models_status;
      res.set_content(models_body, "application/json");
    });
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      keep(req);
      res.status = chat_status;
      res.set_content(chat_body, chat_type.c_str());
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the loop runs would not stop it: wait until it does.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeEndpoint() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::vector<std::pair<std::string, std::string>> authorizations() {  // path, Authorization header
    std::lock_guard lock(mutex_);
    return authorizations_;
  }
  std::vector<json> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }

  int models_status = 200;
  std::string models_body = R"({"object":"list","data":[{"id":"small-model","object":"model"}]})";
  int chat_status = 200;
  std::string chat_type = "application/json";
  std::string chat_body =
      R"({"id":"c1","object":"chat.completion","model":"small-model-q4","system_fingerprint":"b1234",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":"OK"},"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14},"timings":{"cache_n":5}})";

 private:
  void keep(const httplib::Request& req) {
    std::lock_guard lock(mutex_);
    authorizations_.emplace_back(req.path, req.get_header_value("Authorization"));
    if (!req.body.empty()) bodies_.push_back(json::parse(req.body, nullptr, false));
  }
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> authorizations_;
  std::vector<json> bodies_;
};

RecordingProxy::Options to(const std::string& url, const std::string& key = "") {
  RecordingProxy::Options options;
  options.upstream = url;
  options.api_key = key;
  return options;
}

json chat(const std::string& proxy_url, const json& body, int* status = nullptr) {
  const auto at = proxy_url.find("/v1");
  httplib::Client client(proxy_url.substr(0, at));
  // What every adapter sends: the placeholder key, never a real one.
  auto res = client.Post("/v1/chat/completions", {{"Authorization", "Bearer legion-bench-no-key"}}, body.dump(), "application/json");
  EXPECT_TRUE(res);
  if (!res) return nullptr;
  if (status) *status = res->status;
  return json::parse(res->body, nullptr, false);
}

const json kRequest = {{"model", "small-model"},
                       {"temperature", 1.3},
                       {"messages", json::array({{{"role", "user"}, {"content", "hello"}}})}};

TEST(RecordingProxy, ForwardsWithTheRealKeyAndTheRunsSamplingAndKeepsNeitherHeaderNorKey) {
  FakeEndpoint endpoint;
  const auto dir = legion::testing::scratch_dir();
  RecordingProxy::Options options;
  options.upstream = endpoint.url();
  options.api_key = "sk-test-secret-4821";
  options.exchanges_file = dir / "exchanges.jsonl";
  RecordingProxy proxy(options);
  proxy.check_endpoint("small-model");
  proxy.set_sampling(Sampling{0.0, 42});
  proxy.set_label("single-tool/x/rep 0");
  const auto mark = proxy.mark();
  const auto answer = chat(proxy.base_url(), kRequest);
  EXPECT_EQ(answer["choices"][0]["message"]["content"], "OK");  // forwarded unchanged

  for (const auto& [path, authorization] : endpoint.authorizations()) EXPECT_EQ(authorization, "Bearer sk-test-secret-4821") << path;
  const auto sent = endpoint.bodies().back();
  EXPECT_EQ(sent["temperature"], 0.0);
  EXPECT_EQ(sent["seed"], 42);

  const auto totals = proxy.totals_since(mark);
  EXPECT_EQ(totals.requests, 1u);
  EXPECT_EQ(totals.prompt_tokens, 12u);
  EXPECT_EQ(totals.completion_tokens, 2u);
  EXPECT_EQ(totals.cached_prompt_tokens, 5u);  // llama.cpp's timings.cache_n
  EXPECT_GT(proxy.busy_since(mark), 0);
  EXPECT_EQ(proxy.reported_models(), std::set<std::string>{"small-model-q4"});
  EXPECT_EQ(proxy.system_fingerprints(), std::set<std::string>{"b1234"});

  std::ifstream in(options.exchanges_file);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.find("sk-test-secret"), std::string::npos);
  EXPECT_EQ(text.find("Authorization"), std::string::npos);
  EXPECT_EQ(text.find("legion-bench-no-key"), std::string::npos);
  std::vector<json> lines;
  std::istringstream rows(text);
  for (std::string line; std::getline(rows, line);) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 1u);  // the record's call (the check read the model list only)
  EXPECT_EQ(lines[0]["record"], "single-tool/x/rep 0");
  EXPECT_EQ(lines[0]["asked"]["temperature"], 1.3);  // what the system asked for is kept beside what was sent
  EXPECT_EQ(lines[0]["sampling"]["seed"], 42);
  EXPECT_EQ(lines[0]["response"]["usage"]["prompt_tokens"], 12);
  const auto kept = proxy.exchanges_since(mark);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].request["messages"][0]["content"], "hello");
}

TEST(RecordingProxy, CountsWhatTheScriptedServerCountsWhenItIsTheEndpoint) {
  // The scripted server as an endpoint: a record's calls and tokens through the proxy are the ones
  // the server logged itself.
  Oracle::Options scripted_options;
  Oracle scripted(scripted_options);
  auto spec = std::make_shared<const datasets::ScenarioSpec>(datasets::load_scenario(datasets::resolve_scenario("single-tool")));
  scripted.set_script(std::make_shared<ScriptPolicy>(spec, datasets::dialect_named("native")));
  RecordingProxy::Options options;
  options.upstream = scripted.base_url();
  RecordingProxy proxy(options);
  proxy.check_endpoint("legion-oracle");
  const auto scripted_mark = scripted.mark();
  const auto mark = proxy.mark();
  json request = {{"model", "legion-oracle"},
                  {"messages", json::array({{{"role", "system"}, {"content", core::native_system_prompt(spec->agents[0])}},
                                            {{"role", "user"}, {"content", "Task: " + spec->task}}})}};
  for (const auto& t : spec->tools)
    request["tools"].push_back({{"type", "function"}, {"function", {{"name", t.name}, {"description", t.description}, {"parameters", t.parameters}}}});
  const auto answer = chat(proxy.base_url(), request);
  EXPECT_EQ(answer["choices"][0]["message"]["tool_calls"][0]["function"]["name"], "lookup_record");
  const auto served = scripted.totals_since(scripted_mark), seen = proxy.totals_since(mark);
  EXPECT_EQ(seen.requests, served.requests);
  EXPECT_EQ(seen.prompt_tokens, served.prompt_tokens);
  EXPECT_EQ(seen.completion_tokens, served.completion_tokens);
  EXPECT_GE(proxy.busy_since(mark), scripted.busy_since(scripted_mark));  // the round trip holds the service
}

TEST(RecordingProxy, RefusesAnEndpointThatCannotServeTheRunBeforeAnythingRuns) {
  {
    FakeEndpoint endpoint;
    RecordingProxy proxy(to(endpoint.url()));
    EXPECT_THROW(
        {
          try {
            proxy.check_endpoint("no-such-model");
          } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find("serves no model 'no-such-model' (it lists: small-model)"), std::string::npos) << e.what();
            throw;
          }
        },
        std::runtime_error);
  }
  {
    FakeEndpoint endpoint;
    endpoint.models_status = 401;
    endpoint.models_body = R"({"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}})";
    RecordingProxy proxy(to(endpoint.url(), "wrong"));
    try {
      proxy.check_endpoint("small-model");
      ADD_FAILURE() << "a refused key passed the check";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("refused the API key (HTTP 401: Incorrect API key provided)"), std::string::npos) << e.what();
    }
  }
  {
    FakeEndpoint endpoint;  // no model list, and a chat refused for the settings
    endpoint.models_status = 404;
    endpoint.chat_status = 400;
    endpoint.chat_body = R"({"error":{"message":"Unsupported value: 'temperature'","type":"invalid_request_error"}})";
    RecordingProxy proxy(to(endpoint.url()));
    try {
      proxy.check_endpoint("small-model");
      ADD_FAILURE() << "a refused chat request passed the check";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("(HTTP 400: Unsupported value: 'temperature')"), std::string::npos) << e.what();
    }
  }
  // Nothing listens: a clear error naming the endpoint.
  const auto nothing = [] {
    FakeEndpoint gone;
    return gone.url();
  }();
  RecordingProxy proxy(to(nothing));
  try {
    proxy.check_endpoint("small-model");
    ADD_FAILURE() << "an endpoint where nothing listens passed the check";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("the endpoint " + nothing + " could not be reached"), std::string::npos) << e.what();
  }
}

TEST(RecordingProxy, AnEndpointGoneMidRunIsAnErrorAnswerAndAnExchange) {
  auto endpoint = std::make_unique<FakeEndpoint>();
  RecordingProxy proxy(to(endpoint->url()));
  proxy.check_endpoint("small-model");
  endpoint.reset();
  const auto mark = proxy.mark();
  int status = 0;
  const auto answer = chat(proxy.base_url(), kRequest, &status);
  EXPECT_EQ(status, 502);
  EXPECT_NE(answer["error"]["message"].get<std::string>().find("could not be reached"), std::string::npos);
  const auto kept = proxy.exchanges_since(mark);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].status, 502);
  EXPECT_EQ(proxy.totals_since(mark).errors, 1u);
}

TEST(RecordingProxy, ReadsUsageFromStreamedAnswers) {
  const std::string sse =
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"O\"}}],\"model\":\"m\"}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"K\"},\"finish_reason\":\"stop\"}],\"model\":\"m\"}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":2,"
      "\"prompt_tokens_details\":{\"cached_tokens\":16}}}\n\n"
      "data: [DONE]\n\n";
  const auto body = parse_answer_body(sse);
  ASSERT_TRUE(body.contains("events"));
  EXPECT_EQ(body["events"].size(), 3u);
  const auto usage = reported_usage(body);
  EXPECT_TRUE(usage.reported);
  EXPECT_EQ(usage.prompt_tokens, 30u);
  EXPECT_EQ(usage.completion_tokens, 2u);
  EXPECT_EQ(usage.cached_prompt_tokens, 16u);
  EXPECT_EQ(parse_answer_body("not json, not events"), "not json, not events");
  EXPECT_FALSE(reported_usage(json::object()).reported);
}

TEST(RecordingProxy, TellsLoopbackEndpointsFromRemoteOnes) {
  EXPECT_TRUE(is_loopback_url("http://127.0.0.1:8080/v1"));
  EXPECT_TRUE(is_loopback_url("http://127.8.9.10/v1"));
  EXPECT_TRUE(is_loopback_url("http://localhost:11434/v1"));
  EXPECT_TRUE(is_loopback_url("http://[::1]:8080/v1"));
  EXPECT_FALSE(is_loopback_url("https://api.openai.com/v1"));
  EXPECT_FALSE(is_loopback_url("http://10.0.0.5:8000/v1"));
  EXPECT_FALSE(is_loopback_url("http://127.0.0.1.example.com/v1"));
  EXPECT_THROW(is_loopback_url("ftp://127.0.0.1/v1"), std::invalid_argument);
  EXPECT_THROW(is_loopback_url("http://user:key@127.0.0.1/v1"), std::invalid_argument);
}

}  // namespace
}  // namespace legion::oracle
