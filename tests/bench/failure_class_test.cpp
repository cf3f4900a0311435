#include "failure_class.hpp"

#include <gtest/gtest.h>

#include "legion/datasets/scenario.hpp"

namespace legion::bench {
namespace {

using nlohmann::json;

// single-tool: one agent, the tool lookup_record, planted project, code and ref.
class FailureClassTest : public ::testing::Test {
 protected:
  void SetUp() override {
    datasets::LoadOptions options;
    options.seed = 11;
    spec_ = datasets::load_scenario(datasets::resolve_scenario("single-tool"), options);
    record_.system = "some-system";
    record_.scenario = spec_.name;
  }

  // A request offering lookup_record (and whatever `more_tools` the framework adds), with `messages`.
  static json request(json messages, std::vector<std::string> more_tools = {}) {
    json tools = json::array({{{"type", "function"}, {"function", {{"name", "lookup_record"}, {"parameters", json::object()}}}}});
    for (const auto& t : more_tools) tools.push_back({{"type", "function"}, {"function", {{"name", t}}}});
    return {{"model", "m"}, {"messages", std::move(messages)}, {"tools", std::move(tools)}};
  }
  static json answer(json message) {
    json choice = {{"index", 0}, {"message", std::move(message)}};
    return {{"choices", json::array({choice})}};
  }
  static json calls(std::vector<std::pair<std::string, std::string>> calls) {
    json list = json::array();
    for (const auto& [name, args] : calls) {
      json function = {{"name", name}, {"arguments", args}};
      list.push_back({{"id", "c"}, {"type", "function"}, {"function", function}});
    }
    return answer({{"role", "assistant"}, {"content", nullptr}, {"tool_calls", list}});
  }
  static json says(const std::string& text) { return answer({{"role", "assistant"}, {"content", text}}); }
  static oracle::Exchange exchange(json request, json response, int status = 200) {
    oracle::Exchange x;
    x.path = "/chat/completions";
    x.status = status;
    x.request = std::move(request);
    x.response = std::move(response);
    return x;
  }
  static json user(const std::string& text) { return {{"role", "user"}, {"content", text}}; }
  static json tool_result(const std::string& text) { return {{"role", "tool"}, {"tool_call_id", "c"}, {"content", text}}; }

  std::optional<std::string> classify(const std::vector<oracle::Exchange>& xs) { return classify_failure(record_, spec_, xs); }

  datasets::ScenarioSpec spec_;
  report::RunRecord record_;
};

TEST_F(FailureClassTest, APassOrAnUnsupportedCellHasNoFailure) {
  record_.correct = true;
  EXPECT_EQ(classify({}), std::nullopt);
  record_.correct = false;
  record_.unsupported = true;
  EXPECT_EQ(classify({}), std::nullopt);
}

TEST_F(FailureClassTest, ErrorsComeFirstTimeoutEndpointFramework) {
  record_.error = "timeout: no answer within 120000 ms";
  EXPECT_EQ(classify({exchange(request({user("t")}), says("x"), 500)}), "timeout");
  record_.error = "openai.InternalServerError: 500";
  EXPECT_EQ(classify({exchange(request({user("t")}), says("x"), 500)}), "endpoint error");
  // llama.cpp's server could not parse the model's tool call: the model's mistake, not an outage.
  json unparsed = {{"error", {{"code", 500}, {"message", "Failed to parse tool call arguments as JSON: [json.exception.parse_error.101]"}}}};
  EXPECT_EQ(classify({exchange(request({user("t")}), unparsed, 500)}), "malformed arguments");
  record_.error = "KeyError: 'content'";
  EXPECT_EQ(classify({exchange(request({user("t")}), says("x"))}), "framework error");
}

TEST_F(FailureClassTest, ToolMistakes) {
  EXPECT_EQ(classify({exchange(request({user("t")}), says("I do not know."))}), "no tool call");
  EXPECT_EQ(classify({exchange(request({user("t")}), calls({{"search_web", R"({"q":"code"})"}}))}), "wrong tool");
  // A framework's own tool, offered in the request, is not a wrong one.
  EXPECT_EQ(classify({exchange(request({user("t")}, {"transfer_to_agent"}), calls({{"transfer_to_agent", "{}"}})),
                      exchange(request({user("t")}), says("done"))}),
            "wrong answer");
  EXPECT_EQ(classify({exchange(request({user("t")}), calls({{"lookup_record", "{key: launch-code"}}))}), "malformed arguments");
  EXPECT_EQ(classify({exchange(request({user("t")}), calls({{"lookup_record", R"({"key":"P-1"})"}})),
                      exchange(request({user("t"), tool_result("error: not found: no record matches {\"key\":\"P-1\"}")}), says("none"))}),
            "malformed arguments");
}

TEST_F(FailureClassTest, LoopsAndTurnLimits) {
  std::vector<oracle::Exchange> xs;
  for (int i = 0; i < 3; ++i) xs.push_back(exchange(request({user("t")}), calls({{"lookup_record", R"({"key":"launch-code"})"}})));
  EXPECT_EQ(classify(xs), "gave up or looped");
  record_.error = "MaxTurnsExceeded: Max turns (10) exceeded";
  EXPECT_EQ(classify({exchange(request({user("t")}), calls({{"lookup_record", R"({"key":"launch-code"})"}}))}), "gave up or looped");
  record_.error = "GraphRecursionError: Recursion limit of 25 reached without hitting a stop condition";
  EXPECT_EQ(classify({exchange(request({user("t")}), calls({{"lookup_record", R"({"key":"launch-code"})"}}))}), "gave up or looped");
}

TEST_F(FailureClassTest, APlantedValueTheModelSawButDidNotReportWasLost) {
  ASSERT_FALSE(spec_.expected.empty());
  const auto& value = spec_.expected.back();
  record_.answer = "The launch code is unknown.";
  const auto call = exchange(request({user("t")}), calls({{"lookup_record", R"({"key":"launch-code"})"}}));
  EXPECT_EQ(classify({call, exchange(request({user("t"), tool_result("Record launch-code: " + value)}), says(record_.answer))}),
            "planted value lost");
  // Never shown to the model: a wrong answer, not a lost value.
  EXPECT_EQ(classify({call, exchange(request({user("t"), tool_result("Record launch-code: nothing")}), says(record_.answer))}),
            "wrong answer");
}

TEST_F(FailureClassTest, StreamedToolCallsAreJoinedFromTheirDeltas) {
  auto delta = [](const std::string& name, const std::string& arguments) {
    json function = {{"name", name}, {"arguments", arguments}};
    json call = {{"index", 0}, {"function", function}};
    json choice = {{"index", 0}, {"delta", {{"tool_calls", json::array({call})}}}};
    return json{{"choices", json::array({choice})}};
  };
  json events = json::array({delta("lookup", "{\"ke"), delta("_record", "y\": 1}")});
  auto x = exchange(request({user("t")}), {{"events", events}});
  record_.answer = "x";
  EXPECT_EQ(classify({x, exchange(request({user("t")}), says("x"))}), "wrong answer");  // lookup_record, {"key": 1}: well formed
}

}  // namespace
}  // namespace legion::bench
