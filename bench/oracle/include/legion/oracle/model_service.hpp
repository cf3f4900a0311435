#pragma once
// What the runner reads of the model that answers a run, after each record: the scripted model
// server (server.hpp) or the recording proxy in front of a real endpoint (recording_proxy.hpp).
// Both log their requests alike (request_log.hpp), so a record's calls, tokens and time inside the
// model mean the same whichever answered.
#include <cstdint>
#include <string>
#include <vector>

#include "legion/oracle/request_log.hpp"

namespace legion::oracle {

class ModelService {
 public:
  virtual ~ModelService() = default;
  virtual std::string base_url() const = 0;  // what the systems are given: http://127.0.0.1:PORT/v1
  // Marks the start of a record: totals_since(mark) counts the requests that arrive after it.
  virtual std::uint64_t mark() = 0;
  virtual OracleTotals totals_since(std::uint64_t mark) const = 0;
  // The union of those requests' service intervals: time the model was working on the record.
  virtual std::int64_t busy_since(std::uint64_t mark) const = 0;
  // Those requests one by one, in request order, as far as the log still holds them (a traced
  // record's model calls: bench/src/tracing.hpp).
  virtual std::vector<RequestLogEntry> requests_since(std::uint64_t mark) const = 0;
};

}  // namespace legion::oracle
