#include "model_pipe.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

namespace legion::bench {
namespace {

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    auto n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// "WORD LEN" -> {WORD, LEN}; LEN -1 when the line is malformed.
std::pair<std::string, long long> parse_header(std::string_view line) {
  const auto space = line.rfind(' ');
  long long length = -1;
  if (space == std::string_view::npos) return {"", -1};
  const auto digits = line.substr(space + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
  if (ec != std::errc() || end != digits.data() + digits.size() || length < 0) length = -1;
  return {std::string(line.substr(0, space)), length};
}

// Longest body either side accepts: far beyond any chat request a scenario makes.
constexpr long long kMaxBodyBytes = 64LL << 20;

}  // namespace

ModelPipeServer::ModelPipeServer(oracle::Oracle& oracle, int requests_fd, int answers_fd)
    : oracle_(oracle), requests_fd_(requests_fd), answers_fd_(answers_fd), thread_([this] { serve(); }) {}

ModelPipeServer::~ModelPipeServer() {
  stopping_ = true;
  thread_.join();
  ::close(requests_fd_);
  ::close(answers_fd_);
}

void ModelPipeServer::serve() {
  std::string buffer;
  char chunk[65536];
  // Reads until `buffer` holds `bytes`, or the worker's end closes, or the server stops.
  auto fill = [&](std::size_t bytes) {
    while (buffer.size() < bytes) {
      pollfd p{requests_fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, 200);  // wakes now and then to see whether the server stops
      if (stopping_) return false;
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) continue;
      const auto n = ::read(requests_fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    return true;
  };
  for (;;) {
    std::size_t eol;
    while ((eol = buffer.find('\n')) == std::string::npos)
      if (!fill(buffer.size() + 1)) return;
    const auto [path, length] = parse_header(std::string_view(buffer).substr(0, eol));
    buffer.erase(0, eol + 1);
    if (length < 0 || length > kMaxBodyBytes) return;  // not the protocol: the worker's calls then fail
    if (!fill(static_cast<std::size_t>(length))) return;
    const auto body = buffer.substr(0, static_cast<std::size_t>(length));
    buffer.erase(0, static_cast<std::size_t>(length));
    oracle::Oracle::DirectAnswer answer;
    try {
      answer = oracle_.answer_directly(path, body);
    } catch (const std::exception& e) {
      answer = {500, nlohmann::json{{"error", {{"message", e.what()}, {"type", "server_error"}}}}.dump()};
    }
    if (!write_all(answers_fd_, std::to_string(answer.status) + " " + std::to_string(answer.body.size()) + "\n" + answer.body))
      return;
  }
}

ModelPipeClient::ModelPipeClient(int requests_fd, int answers_fd) : requests_fd_(requests_fd), answers_fd_(answers_fd) {}

std::string ModelPipeClient::read_line() {
  std::size_t eol;
  char chunk[65536];
  while ((eol = buffer_.find('\n')) == std::string::npos) {
    const auto n = ::read(answers_fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw core::LlmError(0, "the in-process model's pipe closed");
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  auto line = buffer_.substr(0, eol);
  buffer_.erase(0, eol + 1);
  return line;
}

std::string ModelPipeClient::read_exactly(std::size_t bytes) {
  char chunk[65536];
  while (buffer_.size() < bytes) {
    const auto n = ::read(answers_fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw core::LlmError(0, "the in-process model's pipe closed");
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  auto body = buffer_.substr(0, bytes);
  buffer_.erase(0, bytes);
  return body;
}

std::string ModelPipeClient::post(std::string_view path, const std::string& body) {
  std::lock_guard lock(mutex_);
  if (!write_all(requests_fd_, std::string(path) + " " + std::to_string(body.size()) + "\n") || !write_all(requests_fd_, body))
    throw core::LlmError(0, "the in-process model's pipe closed");
  const auto [status, length] = parse_header(read_line());
  if (length < 0 || length > kMaxBodyBytes) throw core::LlmError(0, "the in-process model's pipe broke its framing");
  auto answer = read_exactly(static_cast<std::size_t>(length));
  if (status != "200") throw core::LlmError(std::atoi(status.c_str()), "HTTP " + status + ": " + answer.substr(0, 300));
  return answer;
}

std::int64_t ModelPipeClient::median_round_trip_ns(int exchanges) {
  std::vector<std::int64_t> times;
  times.reserve(static_cast<std::size_t>(std::max(exchanges, 1)));
  for (int i = 0; i < std::max(exchanges, 1); ++i) {
    const auto start = std::chrono::steady_clock::now();
    post("/health", "");
    times.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2), times.end());
  return times[times.size() / 2];
}

}  // namespace legion::bench
