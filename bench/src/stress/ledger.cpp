#include "stress/ledger.hpp"

#include <sqlite3.h>

#include <chrono>
#include <map>
#include <stdexcept>

#include "utc_time.hpp"

namespace legion::bench::stress {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS stress_runs (
  run_id TEXT PRIMARY KEY,
  started_at TEXT NOT NULL,
  config TEXT NOT NULL,            -- the suite, its settings, the command, the machine
  finished INTEGER NOT NULL DEFAULT 0,
  interrupted INTEGER NOT NULL DEFAULT 0,
  extra TEXT                       -- what the suite measured beside its phases (bus, broker)
);
CREATE TABLE IF NOT EXISTS stress_phases (
  run_id TEXT NOT NULL,
  phase TEXT NOT NULL,
  seq INTEGER NOT NULL,
  spec TEXT NOT NULL,
  summary TEXT,                    -- NULL until the phase ended
  PRIMARY KEY (run_id, phase)
);
CREATE TABLE IF NOT EXISTS stress_samples (
  run_id TEXT NOT NULL,
  phase TEXT NOT NULL,
  t_s REAL NOT NULL,
  sample TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS stress_samples_by_run ON stress_samples(run_id, phase);
CREATE TABLE IF NOT EXISTS stress_tasks (  -- the ledger
  run_id TEXT NOT NULL,
  phase TEXT NOT NULL,
  task_id INTEGER NOT NULL,
  intended_ns INTEGER NOT NULL,
  started_ns INTEGER,
  finished_ns INTEGER,
  state TEXT NOT NULL,             -- submitted | completed | failed
  reason TEXT,
  PRIMARY KEY (run_id, phase, task_id)
);
)sql";

struct Stmt {
  Stmt(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(s); }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.c_str(), -1, SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s, i, v);
    return *this;
  }
  Stmt& bind(int i, double v) {
    sqlite3_bind_double(s, i, v);
    return *this;
  }
  void run() {
    if (sqlite3_step(s) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(sqlite3_db_handle(s)));
  }
  bool row() { return sqlite3_step(s) == SQLITE_ROW; }
  std::string text(int i) const {
    auto p = sqlite3_column_text(s, i);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  std::int64_t integer(int i) const { return sqlite3_column_int64(s, i); }
  bool null(int i) const { return sqlite3_column_type(s, i) == SQLITE_NULL; }
  sqlite3_stmt* s = nullptr;
};

}  // namespace

StressStore::StressStore(const std::filesystem::path& file) : db_(file) {
  db_.exec(kSchema);
  writer_ = std::thread([this] { writer_loop(); });
}

StressStore::~StressStore() {
  {
    std::lock_guard l(mutex_);
    closing_ = true;
  }
  cv_.notify_all();
  writer_.join();
}

void StressStore::enqueue(std::function<void()> write) {
  {
    std::lock_guard l(mutex_);
    queue_.push_back(std::move(write));
    ++queued_;
  }
  cv_.notify_one();
}

void StressStore::writer_loop() {
  std::unique_lock l(mutex_);
  for (;;) {
    cv_.wait_for(l, std::chrono::milliseconds(50), [&] { return closing_; });
    if (queue_.empty()) {
      if (closing_) return;
      continue;
    }
    std::deque<std::function<void()>> batch;
    batch.swap(queue_);
    l.unlock();
    std::string error;
    bool transient = false;
    try {
      db_.exec("BEGIN");
      for (auto& write : batch) write();
      db_.exec("COMMIT");
    } catch (const std::exception& e) {
      error = e.what();  // exec's errors name the store already; a statement's do not
      if (error.rfind("results store ", 0) != 0) error = db_.error(error).what();
      const int code = sqlite3_errcode(db_.handle()) & 0xff;
      transient = code == SQLITE_FULL || code == SQLITE_IOERR;
      char* ignored = nullptr;
      sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, &ignored);
      sqlite3_free(ignored);
    }
    l.lock();
    if (!error.empty()) {
      if (error_.empty()) error_ = error;
      ++failures_;
      // A full disk may get space again: keep the events, in order, and try them next tick. At
      // close there is no next tick, and an error that is not about space would never pass.
      if (transient && !closing_) {
        for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
        done_cv_.notify_all();
        continue;
      }
      ++dropped_;
    }
    written_ += batch.size();
    done_cv_.notify_all();
  }
}

void StressStore::flush() {
  std::unique_lock l(mutex_);
  const auto target = queued_;
  const auto failures = failures_, dropped = dropped_;
  cv_.notify_one();
  done_cv_.wait(l, [&] { return written_ >= target || failures_ > failures; });
  if (written_ < target || dropped_ > dropped) throw std::runtime_error(error_);
}

std::string StressStore::integrity_check() const {
  Stmt s(db_.handle(), "PRAGMA integrity_check");
  std::string result;
  while (s.row()) result += (result.empty() ? "" : "; ") + s.text(0);
  return result;
}

std::string StressStore::write_error() const {
  std::lock_guard l(mutex_);
  return error_;
}

void StressStore::begin_run(const std::string& run_id, const nlohmann::json& config) {
  enqueue([this, run_id, c = config.dump(), at = utc_timestamp(kIsoUtc)] {
    Stmt(db_.handle(), "INSERT OR REPLACE INTO stress_runs(run_id, started_at, config) VALUES (?1, ?2, ?3)").bind(1, run_id).bind(2, at).bind(3, c).run();
  });
  flush();
}

void StressStore::finish_run(const std::string& run_id, bool interrupted, const nlohmann::json& extra) {
  enqueue([this, run_id, interrupted, e = extra.dump()] {
    Stmt(db_.handle(), "UPDATE stress_runs SET finished = 1, interrupted = ?2, extra = ?3 WHERE run_id = ?1")
        .bind(1, run_id)
        .bind(2, std::int64_t{interrupted})
        .bind(3, e)
        .run();
  });
  flush();
}

void StressStore::begin_phase(const std::string& run_id, const std::string& phase, const nlohmann::json& spec) {
  enqueue([this, run_id, phase, s = spec.dump()] {
    Stmt(db_.handle(), "INSERT OR REPLACE INTO stress_phases(run_id, phase, seq, spec) VALUES (?1, ?2, "
              "(SELECT COUNT(*) FROM stress_phases WHERE run_id = ?1), ?3)")
        .bind(1, run_id)
        .bind(2, phase)
        .bind(3, s)
        .run();
  });
  flush();
}

void StressStore::end_phase(const std::string& run_id, const std::string& phase, const nlohmann::json& summary) {
  enqueue([this, run_id, phase, s = summary.dump()] {
    Stmt(db_.handle(), "UPDATE stress_phases SET summary = ?3 WHERE run_id = ?1 AND phase = ?2").bind(1, run_id).bind(2, phase).bind(3, s).run();
  });
  flush();
}

void StressStore::sample(const std::string& run_id, const std::string& phase, double t_s, const nlohmann::json& sample) {
  enqueue([this, run_id, phase, t_s, s = sample.dump()] {
    Stmt(db_.handle(), "INSERT INTO stress_samples(run_id, phase, t_s, sample) VALUES (?1, ?2, ?3, ?4)")
        .bind(1, run_id)
        .bind(2, phase)
        .bind(3, t_s)
        .bind(4, s)
        .run();
  });
}

void StressStore::submitted(const std::string& run_id, const std::string& phase, std::int64_t id, std::int64_t intended_ns) {
  enqueue([this, run_id, phase, id, intended_ns] {
    Stmt(db_.handle(), "INSERT INTO stress_tasks(run_id, phase, task_id, intended_ns, state) VALUES (?1, ?2, ?3, ?4, 'submitted')")
        .bind(1, run_id)
        .bind(2, phase)
        .bind(3, id)
        .bind(4, intended_ns)
        .run();
  });
}

void StressStore::finished(const std::string& run_id, const std::string& phase, std::int64_t id, std::int64_t started_ns,
                           std::int64_t finished_ns, bool ok, const std::string& reason) {
  enqueue([this, run_id, phase, id, started_ns, finished_ns, ok, reason] {
    // Only a submitted task can end, and only once: anything else is a ledger error the report shows.
    Stmt s(db_.handle(), "UPDATE stress_tasks SET started_ns = ?4, finished_ns = ?5, state = ?6, reason = ?7 "
                "WHERE run_id = ?1 AND phase = ?2 AND task_id = ?3 AND state = 'submitted'");
    s.bind(1, run_id).bind(2, phase).bind(3, id).bind(4, started_ns).bind(5, finished_ns).bind(6, std::string(ok ? "completed" : "failed"));
    if (ok) sqlite3_bind_null(s.s, 7);
    else s.bind(7, reason.empty() ? std::string("no reason given") : reason);
    s.run();
    if (sqlite3_changes(db_.handle()) != 1) {
      Stmt(db_.handle(), "INSERT INTO stress_samples(run_id, phase, t_s, sample) VALUES (?1, ?2, -1, ?3)")
          .bind(1, run_id)
          .bind(2, phase)
          .bind(3, nlohmann::json{{"ledger_error", "task " + std::to_string(id) + " ended without an open submission"}}.dump())
          .run();
    }
  });
}

std::vector<std::string> StressStore::run_ids() const {
  std::vector<std::string> out;
  Stmt s(db_.handle(), "SELECT run_id FROM stress_runs ORDER BY started_at, rowid");
  while (s.row()) out.push_back(s.text(0));
  return out;
}

nlohmann::json StressStore::load(const std::string& run_id) const {
  using nlohmann::json;
  json run;
  {
    Stmt s(db_.handle(), "SELECT started_at, config, finished, interrupted, extra FROM stress_runs WHERE run_id = ?1");
    s.bind(1, run_id);
    if (!s.row()) throw std::invalid_argument("no stress run '" + run_id + "' in " + db_.file().string());
    run = {{"run_id", run_id},
           {"started_at", s.text(0)},
           {"config", json::parse(s.text(1))},
           {"finished", s.integer(2) != 0},
           {"interrupted", s.integer(3) != 0},
           {"extra", s.null(4) ? json::object() : json::parse(s.text(4))}};
  }
  run["phases"] = json::array();
  Stmt phases(db_.handle(), "SELECT phase, spec, summary FROM stress_phases WHERE run_id = ?1 ORDER BY seq");
  phases.bind(1, run_id);
  while (phases.row()) {
    json p = {{"name", phases.text(0)}, {"spec", json::parse(phases.text(1))}, {"summary", phases.null(2) ? json() : json::parse(phases.text(2))}};
    json samples = json::array(), ledger_errors = json::array();
    Stmt ss(db_.handle(), "SELECT t_s, sample FROM stress_samples WHERE run_id = ?1 AND phase = ?2 ORDER BY rowid");
    ss.bind(1, run_id).bind(2, p["name"].get<std::string>());
    while (ss.row()) {
      auto sample = json::parse(ss.text(1));
      if (sample.contains("ledger_error")) ledger_errors.push_back(sample["ledger_error"]);
      else samples.push_back(std::move(sample));
    }
    p["samples"] = std::move(samples);
    // finished_ms: when each task ended, from the phase's start; the report draws a phase without
    // per-second samples (a fault's) from it.
    json latency = json::array(), service = json::array(), finished = json::array(), failed_at = json::array();
    std::map<std::string, std::int64_t> reasons;
    std::int64_t submitted = 0, completed = 0, failed = 0, open = 0;
    Stmt ts(db_.handle(), "SELECT intended_ns, started_ns, finished_ns, state, reason FROM stress_tasks WHERE run_id = ?1 AND phase = ?2");
    ts.bind(1, run_id).bind(2, p["name"].get<std::string>());
    while (ts.row()) {
      ++submitted;
      const auto state = ts.text(3);
      if (state == "submitted") {
        ++open;
        continue;
      }
      ++(state == "completed" ? completed : failed);
      if (state == "failed") ++reasons[ts.text(4)];
      (state == "completed" ? finished : failed_at).push_back(ts.integer(2) / 1000000);
      latency.push_back((ts.integer(2) - ts.integer(0)) / 1000);
      service.push_back((ts.integer(2) - ts.integer(1)) / 1000);
    }
    p["ledger"] = {{"submitted", submitted}, {"completed", completed}, {"failed", failed}, {"open", open}, {"reasons", reasons},
                   {"errors", ledger_errors}};
    p["latency_us"] = std::move(latency);
    p["service_us"] = std::move(service);
    p["finished_ms"] = std::move(finished);
    p["failed_ms"] = std::move(failed_at);
    run["phases"].push_back(std::move(p));
  }
  return run;
}

}  // namespace legion::bench::stress
