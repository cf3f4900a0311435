#pragma once
// The scripted model server every system talks to: OpenAI Chat Completions compatible, loopback
// only. It serves the ScriptPolicy's replies over HTTP with a latency profile and optional fault
// injection, and logs every request.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "legion/oracle/profile.hpp"
#include "legion/oracle/script_policy.hpp"

namespace httplib { class Server; }

namespace legion::oracle {

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

}  // namespace legion::oracle
