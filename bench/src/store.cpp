#include "store.hpp"

#include <sqlite3.h>

#include <memory>
#include <set>
#include <stdexcept>
#include <string_view>
#include <variant>

#include "legion/core/error_text.hpp"

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
CREATE TABLE IF NOT EXISTS calibrations (
  id INTEGER PRIMARY KEY,
  created_at TEXT NOT NULL,
  calibration TEXT NOT NULL        -- legion-bench calibrate's result, as in calibration.json
);
)sql";

// The record fields kept in the store, in the table's order.
std::vector<const report::RecordField*> stored_fields() {
  std::vector<const report::RecordField*> out;
  for (const auto& f : report::record_fields())
    if (f.sql) out.push_back(&f);
  return out;
}

// The records table holds one column per stored field of the record table (results.hpp).
std::string records_schema() {
  std::string sql = "CREATE TABLE IF NOT EXISTS records (\n  id INTEGER PRIMARY KEY,\n  run_id TEXT NOT NULL REFERENCES runs(run_id)";
  for (const auto* f : stored_fields()) sql += std::string(",\n  ") + f->name + " " + f->sql;
  return sql + "\n);\nCREATE INDEX IF NOT EXISTS records_by_run ON records(run_id);\n";
}

}  // namespace

// A throw here closes the connection (db_'s destructor), and closing rolls back what the
// transaction began.
Store::Store(const std::filesystem::path& file) : db_(file) {
  // Another process may be creating or upgrading the same store at this moment (a report while a
  // run starts): one at a time, or both would add the same columns.
  db_.exec("BEGIN IMMEDIATE");
  db_.exec(kSchema);
  db_.exec(records_schema());
  // A store from an older release lacks the columns of fields added since; they get the value
  // their records implied, through the column's default (one task each, supported, no count
  // reported). Its records of schema 1 get NULL `params`, and records() gives them their cell's
  // identity (report::upgrade_schema_1_record).
  std::set<std::string> columns;
  {
    Statement info(db_.handle(), "PRAGMA table_info(records)");
    while (sqlite3_step(info.stmt) == SQLITE_ROW) columns.insert(info.text(1));
  }
  for (const auto* f : stored_fields())
    if (!columns.contains(f->name)) db_.exec("ALTER TABLE records ADD COLUMN " + std::string(f->name) + " " + f->sql);
  db_.exec("COMMIT");
}

Store::~Store() = default;

void Store::save_run(const report::RunContext& c) {
  Statement s(db_.handle(), "INSERT INTO runs(run_id, started_at, context) VALUES (?1, ?2, ?3) "
                   "ON CONFLICT(run_id) DO UPDATE SET context = excluded.context");
  s.bind(1, c.run_id);
  s.bind(2, c.started_at);
  s.bind(3, report::to_json(c).dump());
  s.run();
}

void Store::save_invocation(const std::string& run_id, const nlohmann::json& invocation) {
  Statement s(db_.handle(), "INSERT INTO invocations(run_id, invocation) VALUES (?1, ?2) "
                   "ON CONFLICT(run_id) DO UPDATE SET invocation = excluded.invocation");
  s.bind(1, run_id);
  s.bind(2, invocation.dump());
  s.run();
}

std::optional<nlohmann::json> Store::invocation(const std::string& run_id) const {
  Statement s(db_.handle(), "SELECT invocation FROM invocations WHERE run_id = ?1");
  s.bind(1, run_id);
  if (sqlite3_step(s.stmt) != SQLITE_ROW) return std::nullopt;
  return nlohmann::json::parse(s.text(0), nullptr, false);
}

void Store::save_calibration(const nlohmann::json& calibration) {
  Statement s(db_.handle(), "INSERT INTO calibrations(created_at, calibration) VALUES (?1, ?2)");
  s.bind(1, calibration.value("created_at", ""));
  s.bind(2, calibration.dump());
  if (sqlite3_step(s.stmt) != SQLITE_DONE) throw db_.error();
}

std::optional<nlohmann::json> Store::latest_calibration() const {
  Statement s(db_.handle(), "SELECT calibration FROM calibrations ORDER BY id DESC LIMIT 1");
  if (sqlite3_step(s.stmt) != SQLITE_ROW) return std::nullopt;
  return nlohmann::json::parse(s.text(0));
}

void Store::add(const std::string& run_id, const report::RunRecord& record) {
  auto r = record;
  if (r.error) r.error = core::clip_error_text(*r.error);
  const auto fields = stored_fields();
  std::string columns = "run_id", values = "?1";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    columns += std::string(", ") + fields[i]->name;
    values += ",?" + std::to_string(i + 2);
  }
  Statement s(db_.handle(), ("INSERT INTO records(" + columns + ") VALUES (" + values + ")").c_str());
  s.bind(1, run_id);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const int at = static_cast<int>(i) + 2;
    std::visit([&](const auto& v) {
      using V = std::decay_t<decltype(v)>;
      if constexpr (std::is_same_v<V, std::monostate>) s.bind_null(at);
      else if constexpr (std::is_same_v<V, std::string>) s.bind(at, v);
      else s.bind(at, static_cast<std::int64_t>(v));  // SQLite integers are signed 64-bit
    }, fields[i]->get(r));
  }
  s.run();
}

std::vector<report::RunRecord> Store::records(const std::string& run_id) const {
  const auto fields = stored_fields();
  std::string columns;
  for (const auto* f : fields) columns += std::string(columns.empty() ? "" : ", ") + f->name;
  Statement s(db_.handle(), ("SELECT " + columns + " FROM records WHERE run_id = ?1 ORDER BY id").c_str());
  s.bind(1, run_id);
  std::vector<report::RunRecord> out;
  while (sqlite3_step(s.stmt) == SQLITE_ROW) {
    report::RunRecord r;
    bool schema_one = false;  // a row stored before records had `params` holds NULL there
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (std::string_view(fields[i]->name) == "params" && s.is_null(static_cast<int>(i))) schema_one = true;
      const int at = static_cast<int>(i);
      report::FieldValue value;
      if (s.is_null(at)) value = std::monostate{};
      else if (fields[i]->type == report::FieldType::text) value = s.text(at);
      else if (fields[i]->type == report::FieldType::flag) value = s.integer(at) != 0;
      else if (fields[i]->type == report::FieldType::count) value = static_cast<std::uint64_t>(s.integer(at));
      else value = s.integer(at);
      fields[i]->set(r, value);
    }
    if (r.error) r.error = core::clip_error_text(*r.error);  // a store written before errors were clipped
    if (schema_one) report::upgrade_schema_1_record(r);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<report::RunContext> Store::runs() const {
  Statement s(db_.handle(), "SELECT context FROM runs ORDER BY started_at, rowid");
  std::vector<report::RunContext> out;
  while (sqlite3_step(s.stmt) == SQLITE_ROW) {
    try {
      out.push_back(report::context_from_json(nlohmann::json::parse(s.text(0))));
    } catch (const std::exception& e) {
      throw db_.error("run " + std::to_string(out.size()) + ": " + e.what());
    }
  }
  return out;
}

}  // namespace legion::bench
