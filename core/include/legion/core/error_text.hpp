#pragma once
// Error texts come from the systems under test (an exception's message, a traceback, whatever a
// program printed) and are written to the store, the terminal and every report: each is clipped to
// a stated size first, so one runaway message cannot fill a disk or a page.
#include <cstddef>
#include <string>
#include <string_view>

namespace legion::core {

// The first 3 KiB and the last 1 KiB of a longer text are kept (a traceback ends with its
// exception), with a marker between them saying how many bytes were cut.
inline constexpr std::size_t kErrorTextHead = 3072, kErrorTextTail = 1024;

inline std::string clip_error_text(std::string_view text) {
  if (text.size() <= kErrorTextHead + kErrorTextTail) return std::string(text);
  auto continuation = [&](std::size_t i) { return (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80; };
  std::size_t head = kErrorTextHead, tail = text.size() - kErrorTextTail;
  while (head > 0 && continuation(head)) --head;  // whole UTF-8 characters only
  while (tail < text.size() && continuation(tail)) ++tail;
  return std::string(text.substr(0, head)) + "\n[… " + std::to_string(tail - head) + " bytes cut …]\n" +
         std::string(text.substr(tail));
}

}  // namespace legion::core
