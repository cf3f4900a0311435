#pragma once
// What the model server remembers of the requests it served, in bounded memory: the most recent
// entries in a ring (for inspection and tests), totals since it started (for the runner's records),
// and a log-linear histogram of service times (for the median and p99 it reports). A 24-hour
// endurance run therefore holds flat memory however many requests it serves.
#include <array>
#include <atomic>
#include <map>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "legion/core/busy_time.hpp"

namespace legion::oracle {

struct RequestLogEntry {
  std::uint64_t seq = 0;  // 1-based request number since the oracle started
  std::string agent;      // the scripted agent that was identified ("selector" for speaker selection)
  int step = -1;
  std::string action;     // call | say | delegate | select | error
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint64_t cached_prompt_tokens = 0;  // a real endpoint's, as it reported them (the scripted model caches nothing)
  std::uint32_t tools_offered = 0;
  std::uint64_t request_bytes = 0;
  std::uint64_t response_bytes = 0;
  std::int64_t started_ns = 0;  // when the request was parsed, on the steady clock (ns since its epoch)
  std::int64_t service_ns = 0;  // request parsed to last byte handed to the connection
  int status = 200;
  std::string fault;  // empty unless a fault was injected
  bool stream = false;
};

struct OracleTotals {
  std::uint64_t requests = 0, prompt_tokens = 0, completion_tokens = 0, errors = 0, faults = 0;
  std::uint64_t cached_prompt_tokens = 0;
  std::uint64_t request_bytes = 0;  // bodies as received: what a system puts on the wire around its messages
  std::int64_t service_ns = 0;
  // POST /v1/embeddings, counted apart from the chat calls and tokens above.
  std::uint64_t embedding_requests = 0, embedding_tokens = 0;
  void add(const RequestLogEntry& e);
  OracleTotals& operator+=(const OracleTotals& other);
};
// What was served between two snapshots of the running totals.
OracleTotals operator-(const OracleTotals& later, const OracleTotals& earlier);
OracleTotals totals(const std::vector<RequestLogEntry>& entries);

// Service times in log-linear buckets: 64 sub-buckets per power of two, so a quantile is within
// about 1.6% of the exact one, in a fixed 30 kB whatever the number of requests.
class ServiceTimeHistogram {
 public:
  void add(std::int64_t ns);
  std::uint64_t count() const { return count_; }
  // The q-quantile (0 ≤ q ≤ 1) in ns, the upper edge of its bucket; 0 when empty.
  std::int64_t quantile(double q) const;

 private:
  static constexpr int kSubBits = 6;
  static constexpr int kBuckets = (64 - kSubBits + 1) << kSubBits;
  static std::size_t bucket_of(std::uint64_t ns);
  static std::uint64_t upper_edge(std::size_t bucket);
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
};

class RequestLog {
 public:
  static constexpr std::size_t kMarksKept = 1024;
  explicit RequestLog(std::size_t capacity);
  void record(RequestLogEntry entry);
  // Starts an interval at the request number `seq` holds now (read under the log's lock, so a
  // request numbered after it is recorded after the mark). totals_since(mark) then sums exactly the
  // requests numbered after it, whenever they finish — a request of an earlier interval that
  // finishes late is not counted. The last kMarksKept marks are kept; an older one counts nothing.
  std::uint64_t mark(const std::atomic<std::uint64_t>& seq);
  OracleTotals totals_since(std::uint64_t mark) const;
  // The time the server was working on those same requests: the union of their service intervals
  // (started_ns to started_ns + service_ns), so that requests served at once count once.
  std::int64_t busy_since(std::uint64_t mark) const;
  // The retained entries numbered after `seq`, in request order (the oldest may have been dropped:
  // at most `capacity` are kept).
  std::vector<RequestLogEntry> since(std::uint64_t seq) const;
  OracleTotals totals() const;
  std::int64_t service_quantile_ns(double q) const;
  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::vector<RequestLogEntry> ring_;  // ring_[i % capacity_], insertion order
  std::uint64_t recorded_ = 0;
  OracleTotals totals_;
  ServiceTimeHistogram service_;
  // The requests numbered after a mark, up to the next mark: their totals and service intervals.
  // The intervals are merged whenever their number has doubled, so an interval holds about as
  // many as there were stretches of idle server between its requests.
  struct Interval {
    OracleTotals totals;
    std::vector<core::TimeSpan> busy;
    std::size_t merged_size = 0;
    void add(const RequestLogEntry& e);
  };
  std::map<std::uint64_t, Interval> intervals_;  // mark -> its interval
};

}  // namespace legion::oracle
