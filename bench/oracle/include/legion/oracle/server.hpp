#pragma once
// The scripted model server every system talks to: OpenAI Chat Completions compatible, loopback
// only. It serves the ScriptPolicy's replies over HTTP/1.1 with a latency profile and optional
// fault injection, and logs every request in bounded memory (request_log.hpp).
//
// An event-loop server (Boost.Asio, HTTP parsing by Boost.Beast): a few I/O threads, each running
// its own loop and owning the connections handed to it; a connection costs a socket and a small
// buffer, not a thread. Latency profiles and stalls are timers on the loop, never sleeps.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "legion/oracle/model_service.hpp"
#include "legion/oracle/profile.hpp"
#include "legion/oracle/request_log.hpp"
#include "legion/oracle/script_policy.hpp"

namespace legion::oracle {

// The largest request body each endpoint reads; a larger one is refused with HTTP 413.
constexpr std::size_t kChatBodyLimit = 64u << 20;        // POST /v1/chat/completions
constexpr std::size_t kEmbeddingsBodyLimit = 16u << 20;  // POST /v1/embeddings
constexpr std::size_t kOtherBodyLimit = 64u << 10;       // every other path (none reads a body)
constexpr std::size_t kHeaderLimit = 8u << 10;           // request line and headers, every path

class Oracle : public ModelService {
 public:
  struct Options {
    std::string host = "127.0.0.1";  // only loopback addresses are accepted
    int port = 0;                    // 0: a free port
    std::shared_ptr<const ScriptPolicy> script;  // what answers from the first request on (set_script changes it)
    LatencyProfile latency;
    FaultPlan faults;
    // I/O threads, each with its own event loop; 0: one per core, at most 2 (the service time is a
    // few microseconds, so more threads than cores only add hand-offs).
    unsigned io_threads = 0;
    // Connections open at once (idle keep-alive ones included); a connection beyond them is answered
    // at once with HTTP 503 and an OpenAI-style error, then closed. Lowered to what the process's
    // file-descriptor limit allows.
    std::size_t max_connections = 4096;
    // An idle keep-alive connection is closed after this long.
    std::chrono::seconds keep_alive_timeout{30};
    // A request must arrive in time, however it trickles in: its header within header_timeout of
    // its first byte, its body within body_timeout of the header's end; otherwise the connection is
    // closed, so slow clients cannot hold the connection slots. Checked every half second.
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds body_timeout{10'000};
    // A client must take each write of its answer within this long (a whole answer, or one streamed
    // event), or the connection is closed: a client that stops reading cannot hold a slot either.
    std::chrono::milliseconds write_timeout{30'000};
    // Most recent requests kept in the log for log_since(); totals and service times cover all.
    std::size_t log_capacity = 65536;
    std::string model = "legion-oracle";
  };

  explicit Oracle(Options options);
  ~Oracle() override;
  Oracle(const Oracle&) = delete;
  Oracle& operator=(const Oracle&) = delete;

  // Swaps the script that answers the next requests (the runner does this between records).
  void set_script(std::shared_ptr<const ScriptPolicy> policy);
  void set_faults(FaultPlan faults);
  int port() const;
  std::string base_url() const override;  // http://127.0.0.1:PORT/v1
  std::string model() const;
  unsigned io_threads() const;        // as resolved from Options::io_threads
  std::size_t max_connections() const;  // as resolved from Options::max_connections
  std::size_t open_connections() const;
  // Request numbers are given as requests arrive: the number of the last request received.
  std::uint64_t last_seq() const;
  // The retained log entries after request number `seq`, by request number.
  std::vector<RequestLogEntry> log_since(std::uint64_t seq) const;
  std::size_t log_size() const;
  // Totals of every request finished since the start.
  OracleTotals totals() const;
  // Marks the start of an interval (the runner marks each record): totals_since(mark) counts the
  // requests that arrived after the mark, when they finish, and none that arrived before it.
  std::uint64_t mark() override;
  OracleTotals totals_since(std::uint64_t mark) const override;
  // How long the server was working on those requests: the union of their service intervals, so
  // that requests served at once count once (a record's model_busy_ns).
  std::int64_t busy_since(std::uint64_t mark) const override;
  std::vector<RequestLogEntry> requests_since(std::uint64_t mark) const override { return log_since(mark); }
  // Quantile of the service time of every request finished since the start, in ns (±1.6%).
  std::int64_t service_quantile_ns(double q) const;
  // One request answered in the caller's thread, as the HTTP server would answer it and logged the
  // same way (its service time from receiving the body to having the answer): the model of the
  // in-process mode, reached over a pipe instead of a socket (bench/src/model_pipe.hpp). `path` is
  // /chat/completions, /embeddings (with or without /v1) or /health. Never delayed or streamed: the
  // runner refuses the in-process mode with a latency profile, faults or streaming.
  struct DirectAnswer {
    int status = 200;
    std::string body;
  };
  DirectAnswer answer_directly(std::string_view path, std::string_view body);
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace legion::oracle
