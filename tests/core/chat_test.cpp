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

}  // namespace
}  // namespace legion::core
