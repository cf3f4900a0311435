#include "legion/oracle/request_log.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <iterator>
#include <stdexcept>

namespace legion::oracle {

void OracleTotals::add(const RequestLogEntry& e) {
  if (e.action == "embed") {
    ++embedding_requests;
    embedding_tokens += e.prompt_tokens;
    service_ns += e.service_ns;
    if (e.status != 200) ++errors;
    return;
  }
  ++requests;
  prompt_tokens += e.prompt_tokens;
  completion_tokens += e.completion_tokens;
  cached_prompt_tokens += e.cached_prompt_tokens;
  request_bytes += e.request_bytes;
  service_ns += e.service_ns;
  if (e.status != 200) ++errors;
  if (!e.fault.empty()) ++faults;
}

OracleTotals& OracleTotals::operator+=(const OracleTotals& t) {
  requests += t.requests;
  prompt_tokens += t.prompt_tokens;
  completion_tokens += t.completion_tokens;
  cached_prompt_tokens += t.cached_prompt_tokens;
  request_bytes += t.request_bytes;
  errors += t.errors;
  faults += t.faults;
  service_ns += t.service_ns;
  embedding_requests += t.embedding_requests;
  embedding_tokens += t.embedding_tokens;
  return *this;
}

OracleTotals operator-(const OracleTotals& later, const OracleTotals& earlier) {
  OracleTotals d;
  d.requests = later.requests - earlier.requests;
  d.prompt_tokens = later.prompt_tokens - earlier.prompt_tokens;
  d.completion_tokens = later.completion_tokens - earlier.completion_tokens;
  d.cached_prompt_tokens = later.cached_prompt_tokens - earlier.cached_prompt_tokens;
  d.request_bytes = later.request_bytes - earlier.request_bytes;
  d.errors = later.errors - earlier.errors;
  d.faults = later.faults - earlier.faults;
  d.service_ns = later.service_ns - earlier.service_ns;
  d.embedding_requests = later.embedding_requests - earlier.embedding_requests;
  d.embedding_tokens = later.embedding_tokens - earlier.embedding_tokens;
  return d;
}

OracleTotals totals(const std::vector<RequestLogEntry>& entries) {
  OracleTotals t;
  for (const auto& e : entries) t.add(e);
  return t;
}

// Values below 64 ns have a bucket each; above, a power of two 2^e holds 64 buckets of width
// 2^(e-6), numbered from 64 on.
std::size_t ServiceTimeHistogram::bucket_of(std::uint64_t ns) {
  if (ns < (1u << kSubBits)) return static_cast<std::size_t>(ns);
  const int e = 63 - std::countl_zero(ns);
  const auto sub = (ns >> (e - kSubBits)) & ((1u << kSubBits) - 1);
  return (static_cast<std::size_t>(e - kSubBits + 1) << kSubBits) + static_cast<std::size_t>(sub);
}

std::uint64_t ServiceTimeHistogram::upper_edge(std::size_t bucket) {
  if (bucket < (1u << kSubBits)) return bucket;
  const int e = static_cast<int>(bucket >> kSubBits) + kSubBits - 1;
  const auto sub = bucket & ((1u << kSubBits) - 1);
  const auto lower = (std::uint64_t{1u << kSubBits} + sub) << (e - kSubBits);
  return lower + (std::uint64_t{1} << (e - kSubBits)) - 1;
}

void ServiceTimeHistogram::add(std::int64_t ns) {
  ++counts_[bucket_of(static_cast<std::uint64_t>(std::max<std::int64_t>(ns, 0)))];
  ++count_;
}

std::int64_t ServiceTimeHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  // The smallest value with at least ceil(q * count) values at or below it.
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < counts_.size(); ++b) {
    seen += counts_[b];
    if (seen >= rank) return static_cast<std::int64_t>(upper_edge(b));
  }
  return static_cast<std::int64_t>(upper_edge(counts_.size() - 1));
}

RequestLog::RequestLog(std::size_t capacity) : capacity_(capacity) {
  if (capacity_ < 1) throw std::invalid_argument("the request log needs room for at least one entry");
}

void RequestLog::record(RequestLogEntry entry) {
  std::lock_guard lock(mutex_);
  totals_.add(entry);
  service_.add(entry.service_ns);
  if (auto it = intervals_.lower_bound(entry.seq); it != intervals_.begin()) std::prev(it)->second.add(entry);
  if (ring_.size() < capacity_) ring_.push_back(std::move(entry));
  else ring_[recorded_ % capacity_] = std::move(entry);
  ++recorded_;
}

void RequestLog::Interval::add(const RequestLogEntry& e) {
  totals.add(e);
  busy.push_back({e.started_ns, e.started_ns + e.service_ns});
  if (busy.size() >= 2 * merged_size + 64) {
    busy = core::merged(busy);
    merged_size = busy.size();
  }
}

std::vector<RequestLogEntry> RequestLog::since(std::uint64_t seq) const {
  std::vector<RequestLogEntry> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& e : ring_)
      if (e.seq > seq) out.push_back(e);
  }
  // Entries are recorded as requests finish; a reader wants them by request number.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  return out;
}

std::uint64_t RequestLog::mark(const std::atomic<std::uint64_t>& seq) {
  std::lock_guard lock(mutex_);
  const auto at = seq.load();
  intervals_.try_emplace(at);
  while (intervals_.size() > kMarksKept) intervals_.erase(intervals_.begin());
  return at;
}

OracleTotals RequestLog::totals_since(std::uint64_t mark) const {
  std::lock_guard lock(mutex_);
  OracleTotals sum;
  if (!intervals_.contains(mark)) return sum;
  for (auto it = intervals_.find(mark); it != intervals_.end(); ++it) sum += it->second.totals;
  return sum;
}

std::int64_t RequestLog::busy_since(std::uint64_t mark) const {
  std::lock_guard lock(mutex_);
  std::vector<core::TimeSpan> busy;
  if (!intervals_.contains(mark)) return 0;
  for (auto it = intervals_.find(mark); it != intervals_.end(); ++it)
    busy.insert(busy.end(), it->second.busy.begin(), it->second.busy.end());
  return core::union_length_ns(busy);
}

OracleTotals RequestLog::totals() const {
  std::lock_guard lock(mutex_);
  return totals_;
}

std::int64_t RequestLog::service_quantile_ns(double q) const {
  std::lock_guard lock(mutex_);
  return service_.quantile(q);
}

std::size_t RequestLog::size() const {
  std::lock_guard lock(mutex_);
  return ring_.size();
}

}  // namespace legion::oracle
