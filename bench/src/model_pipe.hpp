#pragma once
// The in-process mode's transport (`--systems NAME@in-process`): a system calls its framework's own
// test or custom model class in its process, and that model takes each answer from the runner's
// scripted model over a pair of pipes, so the script stays out of the system's process and every
// answer is still checked. No socket, no HTTP, no client library on the way: what a run in this mode
// measures beside the framework is the pipe's round trip, which the worker measures once
// (ModelPipeClient::median_round_trip_ns) and every report states.
//
// Framing, both ways: one header line, then exactly LEN bytes of body.
//   request  "PATH LEN\n" BODY      (PATH: /chat/completions, /embeddings or /health)
//   answer   "STATUS LEN\n" BODY    (the status an HTTP server would give, the body it would send)
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "legion/core/llm_client.hpp"
#include "legion/oracle/server.hpp"

namespace legion::bench {

// The worker's ends of the pipes (the runner places them there before exec).
inline constexpr int kModelRequestFd = 5;
inline constexpr int kModelAnswerFd = 6;

// The runner's end: answers each request from the oracle (Oracle::answer_directly), in order, on a
// thread of its own, until the worker closes its end or the server is destroyed.
class ModelPipeServer {
 public:
  ModelPipeServer(oracle::Oracle& oracle, int requests_fd, int answers_fd);
  ~ModelPipeServer();  // stops the thread and closes both descriptors
  ModelPipeServer(const ModelPipeServer&) = delete;
  ModelPipeServer& operator=(const ModelPipeServer&) = delete;

 private:
  void serve();
  oracle::Oracle& oracle_;
  int requests_fd_, answers_fd_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// The worker's end: the core::InProcessModel that the native engine and the Python adapters' model
// classes call. One exchange at a time (a mutex): the scripted model answers at once, so copies of a
// task that call it together wait microseconds for each other.
class ModelPipeClient final : public core::InProcessModel {
 public:
  ModelPipeClient(int requests_fd = kModelRequestFd, int answers_fd = kModelAnswerFd);
  std::string post(std::string_view path, const std::string& body) override;
  // The median of `exchanges` round trips of an empty /health request: what the pipe itself costs.
  std::int64_t median_round_trip_ns(int exchanges);

 private:
  std::string read_exactly(std::size_t bytes);
  std::string read_line();
  int requests_fd_, answers_fd_;
  std::string buffer_;
  std::mutex mutex_;
};

}  // namespace legion::bench
