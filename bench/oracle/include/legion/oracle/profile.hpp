#pragma once
// How the model server answers in time and when it fails: a latency profile (time to first token
// plus a generation rate) and a deterministic fault plan for the failure suites.
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace legion::oracle {

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

}  // namespace legion::oracle
