#include "store.hpp"

#include <sqlite3.h>

#include <memory>
#include <set>
#include <stdexcept>

namespace legion::bench {
namespace {

struct Statement {
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("results store ") + sqlite3_db_filename(db, "main") + ": " + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt); }
  void bind(int i, const std::string& v) { sqlite3_bind_text(stmt, i, v.c_str(), -1, SQLITE_TRANSIENT); }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt, i, v); }
  void bind_null(int i) { sqlite3_bind_null(stmt, i); }
  std::string text(int i) const {
    auto p = sqlite3_column_text(stmt, i);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  std::int64_t integer(int i) const { return sqlite3_column_int64(stmt, i); }
  bool is_null(int i) const { return sqlite3_column_type(stmt, i) == SQLITE_NULL; }
  // Runs a statement that returns no rows; a failure names the store's file.
  void run() {
    if (sqlite3_step(stmt) != SQLITE_DONE) {
      auto db = sqlite3_db_handle(stmt);
      throw std::runtime_error(std::string("results store ") + sqlite3_db_filename(db, "main") + ": " + sqlite3_errmsg(db));
    }
  }
  sqlite3_stmt* stmt = nullptr;
};

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  started_at TEXT NOT NULL,
  context TEXT NOT NULL            -- the run's context block, as in results.json
);
CREATE TABLE IF NOT EXISTS invocations (
  run_id TEXT PRIMARY KEY REFERENCES runs(run_id),
  invocation TEXT NOT NULL         -- {"cwd", "arguments"}: what --resume runs again
);
CREATE TABLE IF NOT EXISTS records (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  system TEXT NOT NULL, scenario TEXT NOT NULL, repetition INTEGER NOT NULL, warmup INTEGER NOT NULL, tasks INTEGER NOT NULL,
  wall_ns INTEGER, cpu_user_ns INTEGER, cpu_sys_ns INTEGER, rss_peak_bytes INTEGER,
  llm_calls INTEGER, prompt_tokens INTEGER, completion_tokens INTEGER, oracle_ns INTEGER,
  reported_llm_calls INTEGER, correct INTEGER NOT NULL, error TEXT, answer TEXT
);
CREATE INDEX IF NOT EXISTS records_by_run ON records(run_id);
CREATE TABLE IF NOT EXISTS calibrations (
  id INTEGER PRIMARY KEY,
  created_at TEXT NOT NULL,
  calibration TEXT NOT NULL        -- legion-bench calibrate's result, as in calibration.json
);
)sql";

}  // namespace

Store::Store(const std::filesystem::path& file) : file_(file) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  if (sqlite3_open(file.c_str(), &db_) != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open results store " + file.string() + ": " + message);
  }
  sqlite3_busy_timeout(db_, 5000);
  try {
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    // Another process may be creating or upgrading the same store at this moment (a report while a
    // run starts): one at a time, or both would add the same columns.
    exec("BEGIN IMMEDIATE");
    exec(kSchema);
    // Columns added after the first release; older stores get them with the value their records
    // implied (one task each, supported, no count reported).
    std::set<std::string> columns;
    {
      Statement info(db_, "PRAGMA table_info(records)");
      while (sqlite3_step(info.stmt) == SQLITE_ROW) columns.insert(info.text(1));
    }
    for (const auto& [column, definition] : {std::pair<const char*, const char*>{"tasks", "INTEGER NOT NULL DEFAULT 1"},
                                             {"unsupported", "INTEGER NOT NULL DEFAULT 0"},
                                             {"reported_prompt_tokens", "INTEGER"},
                                             {"reported_completion_tokens", "INTEGER"}})
      if (!columns.contains(column)) exec(("ALTER TABLE records ADD COLUMN " + std::string(column) + " " + definition).c_str());
    exec("COMMIT");
  } catch (...) {
    sqlite3_close(db_);  // closing rolls back what the transaction began
    throw;
  }
}

Store::~Store() { sqlite3_close(db_); }

void Store::exec(const char* sql) const {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error("results store " + file_.string() + ": " + message);
  }
}

void Store::save_run(const core::RunContext& c) {
  Statement s(db_, "INSERT INTO runs(run_id, started_at, context) VALUES (?1, ?2, ?3) "
                   "ON CONFLICT(run_id) DO UPDATE SET context = excluded.context");
  s.bind(1, c.run_id);
  s.bind(2, c.started_at);
  s.bind(3, core::to_json(c).dump());
  s.run();
}

void Store::save_invocation(const std::string& run_id, const nlohmann::json& invocation) {
  Statement s(db_, "INSERT INTO invocations(run_id, invocation) VALUES (?1, ?2) "
                   "ON CONFLICT(run_id) DO UPDATE SET invocation = excluded.invocation");
  s.bind(1, run_id);
  s.bind(2, invocation.dump());
  s.run();
}

std::optional<nlohmann::json> Store::invocation(const std::string& run_id) const {
  Statement s(db_, "SELECT invocation FROM invocations WHERE run_id = ?1");
  s.bind(1, run_id);
  if (sqlite3_step(s.stmt) != SQLITE_ROW) return std::nullopt;
  return nlohmann::json::parse(s.text(0), nullptr, false);
}

void Store::save_calibration(const nlohmann::json& calibration) {
  Statement s(db_, "INSERT INTO calibrations(created_at, calibration) VALUES (?1, ?2)");
  s.bind(1, calibration.value("created_at", ""));
  s.bind(2, calibration.dump());
  if (sqlite3_step(s.stmt) != SQLITE_DONE) throw std::runtime_error("results store " + file_.string() + ": " + sqlite3_errmsg(db_));
}

std::optional<nlohmann::json> Store::latest_calibration() const {
  Statement s(db_, "SELECT calibration FROM calibrations ORDER BY id DESC LIMIT 1");
  if (sqlite3_step(s.stmt) != SQLITE_ROW) return std::nullopt;
  return nlohmann::json::parse(s.text(0));
}

void Store::add(const std::string& run_id, const core::RunRecord& r) {
  Statement s(db_, "INSERT INTO records(run_id, system, scenario, repetition, warmup, wall_ns, cpu_user_ns, cpu_sys_ns, "
                   "rss_peak_bytes, llm_calls, prompt_tokens, completion_tokens, oracle_ns, reported_llm_calls, correct, "
                   "error, answer, tasks, unsupported, reported_prompt_tokens, reported_completion_tokens) "
                   "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21)");
  s.bind(1, run_id);
  s.bind(2, r.system);
  s.bind(3, r.scenario);
  s.bind(4, std::int64_t{r.repetition});
  s.bind(5, std::int64_t{r.warmup});
  s.bind(6, r.wall_ns);
  s.bind(7, r.cpu_user_ns);
  s.bind(8, r.cpu_sys_ns);
  s.bind(9, r.rss_peak_bytes);
  s.bind(10, static_cast<std::int64_t>(r.llm_calls));
  s.bind(11, static_cast<std::int64_t>(r.prompt_tokens));
  s.bind(12, static_cast<std::int64_t>(r.completion_tokens));
  s.bind(13, r.oracle_ns);
  s.bind(14, static_cast<std::int64_t>(r.reported_llm_calls));
  s.bind(15, std::int64_t{r.correct});
  if (r.error) s.bind(16, *r.error); else s.bind_null(16);
  s.bind(17, r.answer);
  s.bind(18, std::int64_t{r.tasks});
  s.bind(19, std::int64_t{r.unsupported});
  if (r.reported_prompt_tokens) s.bind(20, static_cast<std::int64_t>(*r.reported_prompt_tokens)); else s.bind_null(20);
  if (r.reported_completion_tokens) s.bind(21, static_cast<std::int64_t>(*r.reported_completion_tokens)); else s.bind_null(21);
  s.run();
}

std::vector<core::RunRecord> Store::records(const std::string& run_id) const {
  Statement s(db_, "SELECT system, scenario, repetition, warmup, wall_ns, cpu_user_ns, cpu_sys_ns, rss_peak_bytes, "
                   "llm_calls, prompt_tokens, completion_tokens, oracle_ns, reported_llm_calls, correct, error, answer, tasks, "
                   "unsupported, reported_prompt_tokens, reported_completion_tokens FROM records WHERE run_id = ?1 ORDER BY id");
  s.bind(1, run_id);
  std::vector<core::RunRecord> out;
  while (sqlite3_step(s.stmt) == SQLITE_ROW) {
    core::RunRecord r;
    r.system = s.text(0);
    r.scenario = s.text(1);
    r.repetition = static_cast<int>(s.integer(2));
    r.warmup = s.integer(3) != 0;
    r.wall_ns = s.integer(4);
    r.cpu_user_ns = s.integer(5);
    r.cpu_sys_ns = s.integer(6);
    r.rss_peak_bytes = s.integer(7);
    r.llm_calls = static_cast<std::uint64_t>(s.integer(8));
    r.prompt_tokens = static_cast<std::uint64_t>(s.integer(9));
    r.completion_tokens = static_cast<std::uint64_t>(s.integer(10));
    r.oracle_ns = s.integer(11);
    r.reported_llm_calls = static_cast<std::uint64_t>(s.integer(12));
    r.correct = s.integer(13) != 0;
    if (!s.is_null(14)) r.error = s.text(14);
    r.answer = s.text(15);
    r.tasks = static_cast<int>(s.integer(16));
    r.unsupported = s.integer(17) != 0;
    if (!s.is_null(18)) r.reported_prompt_tokens = static_cast<std::uint64_t>(s.integer(18));
    if (!s.is_null(19)) r.reported_completion_tokens = static_cast<std::uint64_t>(s.integer(19));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<core::RunContext> Store::runs() const {
  Statement s(db_, "SELECT context FROM runs ORDER BY started_at, rowid");
  std::vector<core::RunContext> out;
  while (sqlite3_step(s.stmt) == SQLITE_ROW) {
    try {
      out.push_back(core::context_from_json(nlohmann::json::parse(s.text(0))));
    } catch (const std::exception& e) {
      throw std::runtime_error("results store " + file_.string() + ": run " + std::to_string(out.size()) + ": " + e.what());
    }
  }
  return out;
}

}  // namespace legion::bench
