#include "legion/oracle/wire.hpp"

#include <gtest/gtest.h>

#include "legion/core/engine.hpp"
#include "legion/datasets/scenario.hpp"

namespace legion::oracle {
namespace {

using namespace legion::core;
using nlohmann::json;

void expect_same(const ChatRequest& a, const ChatRequest& b, const std::string& body) {
  EXPECT_EQ(a.model, b.model) << body;
  EXPECT_EQ(a.stream, b.stream) << body;
  EXPECT_EQ(a.include_usage, b.include_usage) << body;
  ASSERT_EQ(a.messages.size(), b.messages.size()) << body;
  for (std::size_t i = 0; i < a.messages.size(); ++i) {
    const auto &x = a.messages[i], &y = b.messages[i];
    EXPECT_EQ(x.role, y.role) << body;
    EXPECT_EQ(x.content, y.content) << body;
    EXPECT_EQ(x.name, y.name) << body;
    EXPECT_EQ(x.tool_call_id, y.tool_call_id) << body;
    ASSERT_EQ(x.tool_calls.size(), y.tool_calls.size()) << body;
    for (std::size_t k = 0; k < x.tool_calls.size(); ++k) {
      EXPECT_EQ(x.tool_calls[k].id, y.tool_calls[k].id) << body;
      EXPECT_EQ(x.tool_calls[k].name, y.tool_calls[k].name) << body;
      EXPECT_EQ(x.tool_calls[k].arguments, y.tool_calls[k].arguments) << body;
    }
  }
  ASSERT_EQ(a.tools.size(), b.tools.size()) << body;
  for (std::size_t i = 0; i < a.tools.size(); ++i) {
    EXPECT_EQ(a.tools[i].name, b.tools[i].name) << body;
    EXPECT_EQ(a.tools[i].description, b.tools[i].description) << body;
    EXPECT_EQ(a.tools[i].parameters, b.tools[i].parameters) << body;
  }
}

// The decoder agrees with the core parser: same request, or the same error.
void expect_agrees(const std::string& body) {
  std::optional<ChatRequest> core;
  std::string core_error;
  try {
    core = parse_chat_request(body);
  } catch (const std::exception& e) {
    core_error = e.what();
  }
  try {
    auto fast = decode_chat_request(body);
    ASSERT_TRUE(core) << "the core parser refused (" << core_error << ") what the decoder took: " << body;
    expect_same(fast, *core, body);
  } catch (const std::exception& e) {
    ASSERT_FALSE(core) << "the decoder refused (" << e.what() << ") what the core parser took: " << body;
    EXPECT_EQ(e.what(), core_error) << body;
  }
}

// What the systems send: the common shape, in the layouts real clients write it (spaces after
// separators as Python's json.dumps, keys in any order, fields null or absent, escapes).
const std::vector<std::string> kCommon = {
    R"({"model":"legion-oracle","messages":[{"role":"user","content":"hello"}]})",
    R"({"messages": [{"content": "You are X.", "role": "system"}, {"role": "user", "content": "Task: go", "name": "alice"}], "model": "m", "stream": true, "stream_options": {"include_usage": true}, "temperature": 0.7, "n": 1, "stop": null})",
    R"({"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"key\": \"a\"}"}}]},{"role":"tool","content":"Record a: \"quoted\"\n\ttabbed \\ back \/ slash \u00e9\u4e2d\ud83d\udd11","tool_call_id":"call_1"}],"tools":[{"type":"function","function":{"name":"lookup","description":"Look up.","parameters":{"type":"object","properties":{"key":{"type":"string"}},"required":["key"]}}}]})",
    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"raw UTF-8: — ключ 鍵 🔑\"}],\"tools\":null}",
    R"({"model":"m","messages":[{"role":"user","content":"x","tool_calls":null,"name":null}],"tools":[{"type":"function","function":{"name":"t","description":null}}],"stream":false,"stream_options":"ignored","extra":{"deep":[1,-2.5e3,true,false,null,{"a":[]}]}})",
    " \n{ \"model\" : \"m\" , \"messages\" : [ { \"role\" : \"user\" , \"content\" : \"\" } ] } \n",
};

TEST(Wire, DecodesTheCommonShapeOnTheFastPathLikeTheCoreParser) {
  for (const auto& body : kCommon) {
    EXPECT_TRUE(detail::decode_common_chat_request(body).has_value()) << "not on the fast path: " << body;
    expect_agrees(body);
  }
  // The requests every shipped scenario's agents send first, encoded as the native engine does.
  for (const auto& name : {"single-tool", "hierarchical-delegation", "consensus-vote"}) {
    auto spec = datasets::load_scenario(datasets::resolve_scenario(name));
    for (const auto& agent : spec.agents) {
      ChatRequest r;
      r.model = "legion-oracle";
      r.messages = {{"system", native_system_prompt(agent), {}, {}, {}}, {"user", "Task: " + spec.task, {}, {}, {}}};
      for (const auto& t : spec.tools) r.tools.push_back({t.name, t.description, t.parameters});
      const auto body = encode_chat_request(r);
      EXPECT_TRUE(detail::decode_common_chat_request(body).has_value()) << body;
      expect_agrees(body);
    }
  }
}

TEST(Wire, LeavesEverythingElseToTheCoreParser) {
  const std::vector<std::string> others = {
      // valid, but beyond the common shape
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url"},{"type":"text","text":"b"}]}]})",
      R"({"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":{"k":1}}}]}]})",
      R"({"model":"m","model":"n","messages":[{"role":"user","content":"x"}]})",
      R"({"model":"m","messages":[{"role":"user","content":"x","content":"y"}]})",
      // refused by both, with the core parser's message
      R"({"model":"m","messages":[]})", R"({"messages":[{"role":"user","content":"x"}]})", R"({"model":null,"messages":[{"role":"user"}]})",
      R"({"model":"m","messages":[{"content":"x"}]})", R"({"model":"m","messages":[{"role":1}]})", R"({"model":"m","messages":{}})",
      R"({"model":"m","messages":[{"role":"user"}],"stream":"yes"})", R"({"model":"m","messages":[{"role":"user"}],"tools":{}})",
      R"({"model":"m","messages":[{"role":"user"}],"tools":[{"type":"function"}]})",
      R"({"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c"}]}]})", R"({"model":"m","messages":[{"role":"user"}]} x)",
      R"({"model":"m","messages":[{"role":"user","content":"\ud800"}]})", R"({"model":"m","messages":[{"role":"user","content":"\x"}]})",
      "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\xfe\"}]}",
      "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"tab\there\"}]}", R"({"model":"m","messages":[{"role":"user"}],"n":01})",
      R"([1,2])", "", "{", R"({"model":"m","messages":[{"role":"user"},]})"};
  for (const auto& body : others) expect_agrees(body);
  EXPECT_FALSE(detail::decode_common_chat_request(others[0]).has_value());
}

TEST(Wire, EncodesCompletionsByteForByteAsTheCoreEncoder) {
  std::vector<ChatResponse> responses;
  ChatResponse r{"chatcmpl-legion-7", "legion-oracle", 1790000000, {"assistant", "The launch code is ZQ1234ABCD.", {}, {}, {}}, "stop", {120, 12}};
  responses.push_back(r);
  r.message.content = "quotes \" backslash \\ controls \b\f\n\r\t\x01\x1f\x7f / slash — ключ 鍵 🔑";
  responses.push_back(r);
  r.message.content.clear();
  r.message.tool_calls = {{"call_7", "lookup_record", R"({"key":"launch-code"})"}, {"call_8", "delegate", "{\"to\": \"x\\\"y\"}"}};
  r.finish_reason = "tool_calls";
  responses.push_back(r);
  r.message.content = "thinking";
  r.message.name = "analyst";
  r.message.tool_call_id = "t1";
  responses.push_back(r);
  r.message.role = "tool";
  r.message.content.clear();
  responses.push_back(r);
  for (const auto& response : responses) EXPECT_EQ(encode_chat_completion(response), encode_chat_response(response));

  r.message.content = "broken \xc3";  // invalid UTF-8: refused by both
  EXPECT_THROW(encode_chat_response(r), std::exception);
  EXPECT_THROW(encode_chat_completion(r), std::exception);
}

}  // namespace
}  // namespace legion::oracle
