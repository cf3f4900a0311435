#include "legion/core/chat.hpp"

#include <gtest/gtest.h>

namespace legion::core {
namespace {

using nlohmann::json;

TEST(ChatWire, RequestRoundTripKeepsToolsAndToolCalls) {
  ChatRequest r;
  r.model = "m";
  r.messages = {{"system", "You are X.", {}, {}, {}},
                {"user", "hi", "alice", {}, {}},
                {"assistant", "", {}, {}, {{"call_1", "lookup", R"({"key":"a"})"}}},
                {"tool", "result", {}, "call_1", {}}};
  r.tools = {{"lookup", "Look up", {{"type", "object"}}}};
  r.stream = true;
  r.include_usage = true;
  auto body = json::parse(encode_chat_request(r));
  EXPECT_EQ(body["messages"][2]["content"], nullptr);  // assistant with tool calls: content null
  EXPECT_EQ(body["messages"][2]["tool_calls"][0]["type"], "function");
  EXPECT_TRUE(body["messages"][2]["tool_calls"][0]["function"]["arguments"].is_string());
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  auto back = parse_chat_request(body.dump());
  ASSERT_EQ(back.messages.size(), 4u);
  EXPECT_EQ(back.messages[1].name, "alice");
  EXPECT_EQ(back.messages[2].tool_calls[0].arguments, R"({"key":"a"})");
  EXPECT_EQ(back.messages[3].tool_call_id, "call_1");
  EXPECT_EQ(back.tools[0].name, "lookup");
  EXPECT_TRUE(back.stream);
  EXPECT_TRUE(back.include_usage);
}

TEST(ChatWire, ContentPartsAreJoined) {
  auto r = parse_chat_request(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url"},{"type":"text","text":"b"}]}]})");
  EXPECT_EQ(r.messages[0].content, "ab");
}

TEST(ChatWire, BadRequestsNameTheField) {
  auto message_of = [](const char* body) {
    try {
      parse_chat_request(body);
    } catch (const WireError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message_of("{"), "$: request body is not valid JSON");
  EXPECT_EQ(message_of(R"({"messages":[{"role":"user","content":"x"}]})"), "$.model: missing");
  EXPECT_EQ(message_of(R"({"model":"m","messages":[]})"), "$.messages: expected a non-empty list");
  EXPECT_EQ(message_of(R"({"model":"m","messages":[{"content":"x"}]})"), "$.messages[0].role: missing");
  EXPECT_EQ(message_of(R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]})"),
            "$.tools[0]: expected {type: function, function: {...}}");
}

TEST(ChatWire, ResponseHasTheChatCompletionShape) {
  ChatResponse r{"chatcmpl-1", "legion-oracle", 123, {"assistant", "", {}, {}, {{"call_9", "f", "{}"}}}, "tool_calls", {10, 5}};
  auto j = json::parse(encode_chat_response(r));
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "legion-oracle");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_EQ(j["choices"][0]["message"]["tool_calls"][0]["id"], "call_9");
  EXPECT_EQ(j["usage"]["total_tokens"], 15);
  auto back = parse_chat_response(j.dump());
  EXPECT_EQ(back.message.tool_calls[0].name, "f");
  EXPECT_EQ(back.usage.prompt_tokens, 10u);
}

TEST(ChatWire, StreamEventsReassembleAndEndWithUsageThenDone) {
  ChatResponse r{"chatcmpl-2", "legion-oracle", 1, {"assistant", "Hello there world", {}, {}, {}}, "stop", {7, 3}};
  auto events = encode_stream_events(r, {"Hello", " there", " world"}, true);
  ASSERT_GE(events.size(), 6u);
  EXPECT_EQ(events.back(), "data: [DONE]\n\n");
  auto usage = json::parse(events[events.size() - 2].substr(6));
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 3);
  auto first = json::parse(events[0].substr(6));
  EXPECT_EQ(first["object"], "chat.completion.chunk");
  EXPECT_EQ(first["choices"][0]["delta"]["role"], "assistant");
  std::string body;
  for (const auto& e : events) body += e;
  auto back = parse_stream(body);
  EXPECT_EQ(back.message.content, "Hello there world");
  EXPECT_EQ(back.finish_reason, "stop");
  EXPECT_EQ(back.usage.prompt_tokens, 7u);
}

TEST(ChatWire, StreamedToolCallsReassemble) {
  ChatResponse r{"c", "m", 1, {"assistant", "", {}, {}, {{"call_1", "lookup", R"({"key":"a"})"}}}, "tool_calls", {}};
  std::string body;
  for (const auto& e : encode_stream_events(r, {}, false)) body += e;
  auto back = parse_stream(body);
  ASSERT_EQ(back.message.tool_calls.size(), 1u);
  EXPECT_EQ(back.message.tool_calls[0].arguments, R"({"key":"a"})");
  EXPECT_EQ(back.finish_reason, "tool_calls");
}

TEST(ChatWire, TruncatedStreamIsAnError) {
  ChatResponse r{"c", "m", 1, {"assistant", "abc", {}, {}, {}}, "stop", {}};
  auto events = encode_stream_events(r, {"abc"}, false);
  EXPECT_THROW(parse_stream(events[0] + events[1]), WireError);
}

// The tree encoding the direct writer must match byte for byte (what encode_chat_request was).
std::string tree_encoding(const ChatRequest& r) {
  json j = {{"model", r.model}, {"messages", json::array()}};
  for (const auto& m : r.messages) j["messages"].push_back(to_json(m));
  if (!r.tools.empty()) {
    j["tools"] = json::array();
    for (const auto& t : r.tools)
      j["tools"].push_back({{"type", "function"},
                            {"function", {{"name", t.name}, {"description", t.description}, {"parameters", t.parameters}}}});
  }
  if (r.stream) {
    j["stream"] = true;
    if (r.include_usage) j["stream_options"] = {{"include_usage", true}};
  }
  return j.dump();
}

TEST(ChatWire, DirectRequestEncodingIsByteForByteTheTreeEncoding) {
  std::string every_byte;  // control characters, quotes, backslashes, DEL, multi-byte UTF-8
  for (int c = 1; c < 0x80; ++c) every_byte.push_back(static_cast<char>(c));
  every_byte += "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 / \\u0041";
  ChatRequest r;
  r.model = "legion-oracle";
  r.messages = {{"system", "You are \"X\".\nGoal:\ttab", {}, {}, {}},
                {"user", every_byte, "alice", {}, {}},
                {"assistant", "", {}, {}, {{"call_1", "lookup", R"({"key":"a\"b"})"}, {"call_2", "f", "{}"}}},
                {"assistant", "said and called", {}, {}, {{"call_3", "g", "[]"}}},
                {"tool", "result\r\n", {}, "call_1", {}},
                {"user", "", {}, {}, {}}};
  r.tools = {{"lookup", "Look up \"things\"", {{"type", "object"}, {"properties", {{"key", {{"type", "string"}}}}}}},
             {"f", "", json::object()}};
  for (int variant = 0; variant < 4; ++variant) {
    r.stream = variant & 1;
    r.include_usage = variant & 2;
    EXPECT_EQ(encode_chat_request(r), tree_encoding(r)) << variant;
    auto pre = r;  // the same with the tools encoded once beforehand
    pre.tools_json = std::make_shared<const std::string>(encode_tools(r.tools));
    pre.tools.clear();
    EXPECT_EQ(encode_chat_request(pre), tree_encoding(r)) << variant;
  }
  r.tools.clear();
  EXPECT_EQ(encode_chat_request(r), tree_encoding(r));
  r.messages[1].content = "bad \xff byte";
  EXPECT_THROW(encode_chat_request(r), WireError);
}

TEST(ChatWire, ResponseReaderAgreesWithTheTreeDecoder) {
  // Bodies the direct reader takes, and bodies it hands to the tree decoder: the results agree.
  const char* bodies[] = {
      R"({"choices":[{"finish_reason":"stop","index":0,"logprobs":null,"message":{"content":"A \"q\" \u00e9 \ud83d\ude00 \n","role":"assistant"}}],"created":17,"id":"c1","model":"m","object":"chat.completion","usage":{"completion_tokens":3,"prompt_tokens":9,"total_tokens":12}})",
      R"( { "id" : null , "choices" : [ { "message" : { "role" : "assistant" , "content" : null , "tool_calls" : [ { "id" : "call_1" , "type" : "function" , "function" : { "name" : "f" , "arguments" : "{\"a\":1}" } } ] } , "finish_reason" : "tool_calls" } , {"message": 5} ] , "extra" : [1, -2.5e3, true, false, {"x": []}] } )",
      R"({"choices":[{"message":{"role":"assistant","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}}]})",
      R"({"choices":[{"message":{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":{"k":1}}}]}}]})",
      R"({"choices":[{"message":{"role":"assistant","content":"x"}}],"usage":{"prompt_tokens":1.5}})",
      R"({"choices":[{"message":{"role":"assistant","content":"x"}}],"usage":"none"})",
  };
  for (const char* body : bodies) {
    auto fast = parse_chat_response(body);
    auto tree = json::parse(body);
    auto message = message_from_json(tree["choices"][0]["message"], "$");
    EXPECT_EQ(fast.message.content, message.content) << body;
    EXPECT_EQ(fast.message.role, message.role) << body;
    ASSERT_EQ(fast.message.tool_calls.size(), message.tool_calls.size()) << body;
    for (std::size_t i = 0; i < message.tool_calls.size(); ++i) {
      EXPECT_EQ(fast.message.tool_calls[i].id, message.tool_calls[i].id);
      EXPECT_EQ(fast.message.tool_calls[i].name, message.tool_calls[i].name);
      EXPECT_EQ(fast.message.tool_calls[i].arguments, message.tool_calls[i].arguments);
    }
  }
  auto first = parse_chat_response(bodies[0]);
  EXPECT_EQ(first.message.content, "A \"q\" \xc3\xa9 \xf0\x9f\x98\x80 \n");
  EXPECT_EQ(first.id, "c1");
  EXPECT_EQ(first.created, 17);
  EXPECT_EQ(first.finish_reason, "stop");
  EXPECT_EQ(first.usage.prompt_tokens, 9u);
  EXPECT_EQ(first.usage.completion_tokens, 3u);
  EXPECT_EQ(parse_chat_response(bodies[2]).message.content, "ab");
  EXPECT_EQ(parse_chat_response(bodies[3]).message.tool_calls[0].arguments, R"({"k":1})");
  // Raw UTF-8, as a real model's server sends it (the scripted one escapes): read whole, not looped on.
  EXPECT_EQ(parse_chat_response("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"é ключ 鍵 🔑 ok\"}}]}").message.content,
            "é ключ 鍵 🔑 ok");

  // Errors still name the field.
  auto error_of = [](const char* body) {
    try {
      parse_chat_response(body);
    } catch (const WireError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of(R"({"choices":[]})"), "$.choices: expected a non-empty list");
  EXPECT_EQ(error_of(R"({"choices":[{"message":{"content":"x"}}]})"), "$.choices[0].message.role: missing");
  EXPECT_EQ(error_of(R"({"choices":[{"message":{"role":"assistant"}}]} trailing)"), "$: response body is not valid JSON");
  EXPECT_EQ(error_of("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"\xff\"}}]}"),
            "$: response body is not valid JSON");
}

}  // namespace
}  // namespace legion::core
