#pragma once
// legion-bench --suite scalability (docs/stress.md; the suite is scalability_suite() in
// scalability.cpp): N native engine processes taking tasks from a
// real broker — Redis Streams, redis-server started and stopped by legion-bench on loopback — with
// a consumer group, acknowledgement and reclaiming of a dead consumer's pending tasks. Throughput
// against N is fitted with the Universal Scalability Law; the broker and the bus are measured on
// their own; the broker is killed and restarted, and an engine killed, mid-run.
#include <string>
#include <vector>

#include "stress/options.hpp"

namespace legion::bench::stress {

// `legion-bench stress-engine`: one engine process consuming from the broker until SIGTERM.
struct EngineOptions {
  std::string redis_host = "127.0.0.1";  // another machine's broker: its IPv4 address
  int redis_port = 0;
  std::string base_url;
  std::string consumer;
  int agents = 8;
  std::string scenario = "single-tool";
  std::uint64_t seed = 1;
  int reclaim_idle_ms = 2000;  // pending entries idle this long are taken over (XAUTOCLAIM)
  int max_deliveries = 3;      // a task delivered more often than this is failed with the reason
};
int engine_main(const EngineOptions& options);

inline constexpr const char* kTaskStream = "legion:tasks";
inline constexpr const char* kResultStream = "legion:results";
inline constexpr const char* kGroup = "engines";
// An engine's connection to the broker back after an outage: consumer, first error, outage_ms, attempts.
inline constexpr const char* kEventStream = "legion:events";

}  // namespace legion::bench::stress
