#pragma once
// The scripted model server every system talks to: OpenAI Chat Completions compatible, loopback
// only. ScriptPolicy decides each reply from what the request actually carried (pure, no I/O);
// Oracle serves it over HTTP with a latency profile and optional fault injection, and logs every
// request.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "legion/core/chat.hpp"
#include "legion/core/dialect.hpp"
#include "legion/core/scenario.hpp"
#include "legion/core/tokenizer.hpp"

namespace httplib { class Server; }

namespace legion::core {

// Time to first token plus a generation rate; `zero` answers at once.
struct LatencyProfile {
  std::string name = "zero";
  std::chrono::microseconds time_to_first_token{0};
  double tokens_per_second = 0;  // 0: the whole completion at once

  // "zero", "realistic" (TTFT 400 ms, 60 tokens/s) or "ttft=300ms,tps=80". Throws on anything else.
  static LatencyProfile parse(const std::string& spec);
  std::chrono::microseconds generation_time(std::uint64_t completion_tokens) const;
};

enum class FaultKind { http_429, http_500, timeout, malformed_json, truncated_stream, slow_stream };
std::string_view to_string(FaultKind kind);

// Which requests fail and how. Deterministic: the same seed fails the same requests.
struct FaultPlan {
  double probability = 0;               // share of requests that get a fault
  std::vector<FaultKind> kinds;         // chosen among, by request number
  std::set<std::uint64_t> at_requests;  // these request numbers (1-based) always get a fault
  std::uint64_t seed = 1;
  std::chrono::milliseconds stall{30000};     // how long a `timeout` fault holds the request
  std::chrono::milliseconds slow_gap{500};    // gap between events of a `slow_stream`

  // "rate=0.05,kinds=http_429+http_500,seed=7" or "at=3+5,kinds=malformed_json". Empty: no faults.
  static FaultPlan parse(const std::string& spec);
  std::optional<FaultKind> fault_for(std::uint64_t request_number) const;
};

struct RequestLogEntry {
  std::uint64_t seq = 0;  // 1-based request number since the oracle started
  std::string agent;      // the scripted agent that was identified ("selector" for speaker selection)
  int step = -1;
  std::string action;     // call | say | delegate | select | error
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint32_t tools_offered = 0;
  std::uint64_t request_bytes = 0;
  std::uint64_t response_bytes = 0;
  std::int64_t service_ns = 0;  // handler entry to last byte handed to the connection
  int status = 200;
  std::string fault;  // empty unless a fault was injected
  bool stream = false;
};

struct PolicyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Counts prompt tokens the way OpenAI's cookbook describes for chat models (3 per message, the role,
// content and name; 3 to prime the reply) plus the tool definitions as JSON. Counts are cached by text.
class TokenCounter {
 public:
  explicit TokenCounter(std::shared_ptr<const Tokenizer> tokenizer);
  static std::shared_ptr<TokenCounter> shared();  // o200k_base, one per process
  std::uint64_t text(std::string_view s) const;
  std::uint64_t prompt(const ChatRequest& request) const;
  std::uint64_t completion(const Message& reply) const;

 private:
  std::shared_ptr<const Tokenizer> tokenizer_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, std::uint32_t> cache_;
};

class ScriptPolicy {
 public:
  struct Decision {
    ChatResponse response;
    std::string agent;
    int step = -1;
    std::string action;
  };
  ScriptPolicy(std::shared_ptr<const ScenarioSpec> scenario, Dialect dialect,
               std::shared_ptr<TokenCounter> counter = TokenCounter::shared());
  // Throws PolicyError when the request names no agent of the scenario.
  Decision decide(const ChatRequest& request, std::uint64_t request_number) const;
  const ScenarioSpec& scenario() const { return *scenario_; }
  const Dialect& dialect() const { return dialect_; }

 private:
  std::shared_ptr<const ScenarioSpec> scenario_;
  Dialect dialect_;
  std::shared_ptr<TokenCounter> counter_;
};

class Oracle {
 public:
  struct Options {
    std::string host = "127.0.0.1";  // only loopback addresses are accepted
    int port = 0;                    // 0: a free port
    LatencyProfile latency;
    FaultPlan faults;
    // Connections served at once, each on its own thread for as long as it stays open (an idle
    // keep-alive connection too, until keep_alive_timeout); beyond them a connection gets HTTP 503.
    std::size_t max_connections = 256;
    std::chrono::seconds keep_alive_timeout{30};
    std::string model = "legion-oracle";
  };

  explicit Oracle(Options options);
  ~Oracle();
  Oracle(const Oracle&) = delete;
  Oracle& operator=(const Oracle&) = delete;

  // Swaps the script that answers the next requests (the runner does this between records).
  void set_script(std::shared_ptr<const ScriptPolicy> policy);
  void set_faults(FaultPlan faults);
  int port() const { return port_; }
  std::string base_url() const;  // http://127.0.0.1:PORT/v1
  std::uint64_t last_seq() const { return seq_.load(); }
  std::vector<RequestLogEntry> log_since(std::uint64_t seq) const;
  std::string model() const { return options_.model; }
  void stop();

 private:
  void serve_chat(const std::string& body, void* response);
  void record(RequestLogEntry entry);

  Options options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<std::uint64_t> seq_{0};
  std::shared_ptr<const ScriptPolicy> policy_;
  mutable std::mutex mutex_;  // guards policy_, options_.faults and log_
  std::map<std::uint64_t, RequestLogEntry> log_;  // by request number
};

struct OracleTotals {
  std::uint64_t requests = 0, prompt_tokens = 0, completion_tokens = 0, errors = 0, faults = 0;
  std::int64_t service_ns = 0;
};
OracleTotals totals(const std::vector<RequestLogEntry>& entries);

}  // namespace legion::core
