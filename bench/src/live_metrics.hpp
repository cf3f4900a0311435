#pragma once
// Live metrics (--metrics-port): while a run goes on, legion-bench serves Prometheus's text format
// at http://HOST:PORT/metrics (prometheus-cpp's exposer) — tasks submitted, completed and failed
// and their latency per system and phase, the load generator's queue, each process's memory and
// CPU, and the model server's requests — so that a long run can be watched as it runs (docs/
// live-metrics.md, with the Grafana dashboard in docs/grafana/). The counters count what the
// ledger records, event by event; after the run the endpoint stays up for a stated time, with
// legion_run_finished at 1, so that a last scrape reads the final totals.
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "legion/oracle/request_log.hpp"
#include "stress/sampler.hpp"

namespace prometheus {
class Counter;
class Histogram;
}  // namespace prometheus

namespace legion::bench {

struct MetricsOptions {
  std::string host = "127.0.0.1";  // loopback unless asked otherwise
  int port = 0;                    // 0: no endpoint
  double linger_s = 30;            // after the run, the endpoint stays up this long for a last scrape
};

// One system's tasks in one phase (or one scenario of a suite): what a task's end updates.
struct TaskMeters {
  prometheus::Counter *submitted, *completed, *failed;
  prometheus::Histogram* latency;
  void submit() const;
  void finish(bool ok, double latency_s) const;
};

class LiveMetrics {
 public:
  // Serves /metrics at host:port; throws std::runtime_error naming the address when it cannot bind.
  explicit LiveMetrics(const MetricsOptions& options);
  ~LiveMetrics();
  LiveMetrics(const LiveMetrics&) = delete;
  LiveMetrics& operator=(const LiveMetrics&) = delete;

  std::string url() const;
  // The run being measured: legion_run_info{kind, run_id}.
  void begin_run(const std::string& kind, const std::string& run_id);
  TaskMeters tasks(const std::string& system, const std::string& phase);
  // The load generator's state at the end of a second.
  void load(const std::string& system, std::int64_t queue_depth, std::int64_t in_flight, int agents);
  // A process's /proc sample; `role` is "system" (the system under test) or "model_server".
  void process(const std::string& system, const std::string& role, const stress::ProcSample& sample);
  // The model server's totals since it started (the counters follow them).
  void model_server(const std::string& system, const oracle::OracleTotals& totals_so_far);
  // The run is over: legion_run_finished becomes 1.
  void finish();
  // The endpoint stays up for linger_s after the run (returns early when interrupted).
  void linger();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The run's live metrics, or null when --metrics-port was not given.
LiveMetrics* live_metrics();
// Installs (or, with null, removes) the run's live metrics.
void set_live_metrics(std::unique_ptr<LiveMetrics> metrics);

// The model server's totals from its GET /metrics (base_url as the server prints it, ".../v1");
// nullopt when it does not answer within a second.
std::optional<oracle::OracleTotals> scrape_model_server(const std::string& base_url);

// Scrapes a system's model server once a second on a thread of its own, into the live metrics' model-
// server counters, and once more when it stops: a busy server never holds up the load generator.
class ModelServerScraper {
 public:
  ModelServerScraper(LiveMetrics& metrics, std::string system, std::string base_url);
  ~ModelServerScraper();  // the last scrape, then the thread ends
  ModelServerScraper(const ModelServerScraper&) = delete;
  ModelServerScraper& operator=(const ModelServerScraper&) = delete;

 private:
  void scrape();
  LiveMetrics& metrics_;
  std::string system_, base_url_;
  std::mutex m_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace legion::bench
