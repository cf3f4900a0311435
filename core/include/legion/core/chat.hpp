#pragma once
// OpenAI Chat Completions wire types and their JSON encoding (the subset every system here uses:
// messages, tools/tool_calls, streaming chunks and usage).
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace legion::core {

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // a JSON document as a string, as on the wire
};

struct Message {
  std::string role;  // system | developer | user | assistant | tool
  std::string content;
  std::string name;          // optional author name
  std::string tool_call_id;  // for role == tool
  std::vector<ToolCall> tool_calls;
};

struct ToolDefinition {
  std::string name;
  std::string description;
  nlohmann::json parameters = nlohmann::json::object();  // JSON Schema
};

struct ChatRequest {
  std::string model;
  std::vector<Message> messages;
  std::vector<ToolDefinition> tools;
  // Optional, for a sender that offers the same tools on many requests: `tools` already encoded
  // (encode_tools), sent instead of encoding `tools` again. Decoding never sets it.
  std::shared_ptr<const std::string> tools_json;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

struct Usage {
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
};

struct ChatResponse {
  std::string id;
  std::string model;
  std::int64_t created = 0;
  Message message;
  std::string finish_reason;  // stop | tool_calls
  Usage usage;
};

// Decoding throws WireError with the JSON path of the offending field.
struct WireError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

ChatRequest parse_chat_request(std::string_view body);
// Byte for byte what nlohmann::json's dump() of the request object gives (keys in sorted order),
// written directly. Throws WireError for text that is not UTF-8.
std::string encode_chat_request(const ChatRequest& request);
std::string encode_tools(const std::vector<ToolDefinition>& tools);  // the "tools" list, as above
ChatResponse parse_chat_response(std::string_view body);
std::string encode_chat_response(const ChatResponse& response);

// Server-sent events for a streamed response: role chunk, content pieces, tool-call chunks,
// the finish chunk, an optional usage chunk with empty choices, then "data: [DONE]".
// `pieces` splits the content so that a latency profile can pace them.
std::vector<std::string> encode_stream_events(const ChatResponse& response,
                                              const std::vector<std::string>& pieces, bool include_usage);
// Reassembles a streamed body ("data: ..." lines) into one response.
ChatResponse parse_stream(std::string_view sse_body);

nlohmann::json to_json(const Message& message);
Message message_from_json(const nlohmann::json& j, const std::string& path);

}  // namespace legion::core
