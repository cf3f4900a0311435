#pragma once
// The stress suites' side of the results store (the same SQLite file as the runner's records, in
// tables of their own): each run's settings, its phases, one sample a second, and the task ledger —
// a row per task id, written when the task is submitted and updated when it ends, completed or
// failed with a reason. One writer thread commits what arrives in order, a transaction every 50 ms,
// so the store never holds an end without its submission; a crash loses at most the last 50 ms
// of events, and a task the store shows as submitted and never ended is one the run lost, unless
// the run itself never ended (then the report closes it as failed: "the run ended before the task").
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "live_metrics.hpp"
#include "sqlite_db.hpp"
#include "stress/generator.hpp"

namespace legion::bench::stress {

class StressStore {
 public:
  explicit StressStore(const std::filesystem::path& file);
  ~StressStore();  // writes what is queued
  StressStore(const StressStore&) = delete;
  StressStore& operator=(const StressStore&) = delete;

  void begin_run(const std::string& run_id, const nlohmann::json& config);
  void finish_run(const std::string& run_id, bool interrupted, const nlohmann::json& extra);
  void begin_phase(const std::string& run_id, const std::string& phase, const nlohmann::json& spec);
  void end_phase(const std::string& run_id, const std::string& phase, const nlohmann::json& summary);
  void sample(const std::string& run_id, const std::string& phase, double t_s, const nlohmann::json& sample);
  void submitted(const std::string& run_id, const std::string& phase, std::int64_t id, std::int64_t intended_ns);
  void finished(const std::string& run_id, const std::string& phase, std::int64_t id, std::int64_t started_ns,
                std::int64_t finished_ns, bool ok, const std::string& reason);
  // Waits until everything queued is committed; throws the first error if a write it waited for
  // failed (events that failed for lack of space stay queued and are tried again every 50 ms).
  void flush();
  // The first write error (e.g. "database or disk is full"), empty if none: the run goes on and says so.
  std::string write_error() const;
  // SQLite's PRAGMA integrity_check: "ok" for a consistent file.
  std::string integrity_check() const;

  // Reading (any process, any time, also while a run writes).
  std::vector<std::string> run_ids() const;  // oldest first
  // {"run_id", "config", "started_at", "finished" (bool), "interrupted", "extra", "phases": [{"name", "spec",
  //  "summary" (or null), "samples": [...], "ledger": {"submitted", "completed", "failed", "open", "reasons": {reason: n}},
  //  "latency_us": [...finished − intended of every ended task], "service_us": [...]}]}
  nlohmann::json load(const std::string& run_id) const;
  const std::filesystem::path& file() const { return db_.file(); }

 private:
  void enqueue(std::function<void()> write);
  void writer_loop();
  SqliteDb db_;
  mutable std::mutex mutex_;
  std::condition_variable cv_, done_cv_;
  std::deque<std::function<void()>> queue_;
  std::uint64_t queued_ = 0, written_ = 0, failures_ = 0, dropped_ = 0;
  bool closing_ = false;
  std::string error_;
  std::thread writer_;
};

// The generator's task events, into the ledger of one phase, and counted on the live metrics
// (--metrics-port) when they are served: the ledger and the counters see the same events.
class LedgerEvents final : public TaskEvents {
 public:
  LedgerEvents(StressStore& store, std::string run_id, std::string phase, std::optional<TaskMeters> meters = std::nullopt)
      : store_(store), run_id_(std::move(run_id)), phase_(std::move(phase)), meters_(meters) {}
  void submitted(std::int64_t id, std::int64_t intended_ns) override {
    store_.submitted(run_id_, phase_, id, intended_ns);
    if (meters_) meters_->submit();
  }
  void finished(std::int64_t id, std::int64_t intended_ns, std::int64_t started_ns, std::int64_t finished_ns, bool ok,
                const std::string& reason) override {
    store_.finished(run_id_, phase_, id, started_ns, finished_ns, ok, reason);
    if (meters_) meters_->finish(ok, static_cast<double>(finished_ns - intended_ns) / 1e9);
  }

 private:
  StressStore& store_;
  std::string run_id_, phase_;
  std::optional<TaskMeters> meters_;
};

}  // namespace legion::bench::stress
