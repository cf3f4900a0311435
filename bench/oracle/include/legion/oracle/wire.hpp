#pragma once
// The model server's fast path over the wire format: the common shape of a Chat Completions request
// decoded in one pass without building a JSON document, and a completion encoded byte for byte as
// core::encode_chat_response does. Anything beyond the common shape (content given as parts,
// non-string arguments, a key given twice, invalid JSON or UTF-8 ...) goes to the core functions,
// so results and error messages are theirs.
#include <optional>
#include <string>
#include <string_view>

#include "legion/core/chat.hpp"

namespace legion::oracle {

// Same result as core::parse_chat_request (throws its WireError the same way).
core::ChatRequest decode_chat_request(std::string_view body);
// Same bytes as core::encode_chat_response.
std::string encode_chat_completion(const core::ChatResponse& response);

namespace detail {
// The fast path alone: nullopt where it hands over to core::parse_chat_request.
std::optional<core::ChatRequest> decode_common_chat_request(std::string_view body);
}  // namespace detail

}  // namespace legion::oracle
