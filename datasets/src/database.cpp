#include "legion/datasets/database.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <set>

namespace legion::datasets {
namespace {

using nlohmann::json;

// SQLite's message, with the reason when one of the limits below stopped the statement.
std::string error_of(sqlite3* db) {
  const std::string message = sqlite3_errmsg(db);
  switch (sqlite3_errcode(db)) {
    case SQLITE_AUTH:
      return message + ": statements act on the scenario's own database only (ATTACH, DETACH, VACUUM and the pragmas "
                       "that move or grow its files are refused)";
    case SQLITE_INTERRUPT:
      return message + ": a call may run at most " + std::to_string(Database::kMaxSteps) + " SQLite steps";
    case SQLITE_FULL:
      return message + " (a database may hold at most " + std::to_string(Database::kMaxPages) + " pages, 64 MiB)";
    default:
      return message;
  }
}

// Statements come from scenario files and act on the file system only through their own database:
// a statement that would open, create or write another file (ATTACH, which VACUUM and VACUUM INTO
// use, or a pragma that moves SQLite's files elsewhere) is refused when it is prepared (VACUUM
// when it runs).
int authorize(void*, int action, const char* detail, const char*, const char*, const char*) {
  if (action == SQLITE_ATTACH || action == SQLITE_DETACH) return SQLITE_DENY;
  if (action == SQLITE_PRAGMA && detail)
    for (const char* pragma : {"temp_store_directory", "data_store_directory", "max_page_count"})
      if (sqlite3_stricmp(detail, pragma) == 0) return SQLITE_DENY;
  return SQLITE_OK;
}

class Statement {
 public:
  // Runs a statement prepared elsewhere (and kept there): resets it first.
  Statement(sqlite3* db, sqlite3_stmt* prepared) : db_(db), stmt_(prepared), owned_(false) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    const char* tail = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, &tail) != SQLITE_OK)
      throw DatabaseError(error_of(db));
    if (!stmt_) throw DatabaseError("no SQL statement in \"" + sql + "\"");
    if (tail && std::string_view(tail).find_first_not_of(" \t\r\n;") != std::string_view::npos)
      throw DatabaseError("a tool runs one SQL statement; this text has more: \"" + sql + "\"");
  }
  ~Statement() {
    if (owned_) sqlite3_finalize(stmt_);
  }
  sqlite3_stmt* release() {
    owned_ = false;
    return stmt_;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int index, const json& value) {
    int rc = SQLITE_OK;
    if (value.is_null()) rc = sqlite3_bind_null(stmt_, index);
    else if (value.is_boolean()) rc = sqlite3_bind_int(stmt_, index, value.get<bool>() ? 1 : 0);
    else if (value.is_number_integer()) rc = sqlite3_bind_int64(stmt_, index, value.get<std::int64_t>());
    else if (value.is_number()) rc = sqlite3_bind_double(stmt_, index, value.get<double>());
    else {
      const auto text = value.is_string() ? value.get<std::string>() : value.dump();
      rc = sqlite3_bind_text(stmt_, index, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) throw DatabaseError(sqlite3_errmsg(db_));
  }
  int parameters() const { return sqlite3_bind_parameter_count(stmt_); }
  std::string parameter(int index) const {
    const char* name = sqlite3_bind_parameter_name(stmt_, index);
    return name ? name : "";
  }
  // Steps through every row; each row comes back as an object of column -> value.
  json rows() {
    json out = json::array();
    std::size_t bytes = 0;
    while (true) {
      const int rc = sqlite3_step(stmt_);
      if (rc == SQLITE_DONE) return out;
      if (rc != SQLITE_ROW) throw DatabaseError(error_of(db_));
      json row = json::object();
      for (int c = 0; c < sqlite3_column_count(stmt_); ++c) {
        const char* name = sqlite3_column_name(stmt_, c);
        bytes += std::strlen(name) + static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c)) + 8;
        if (bytes > Database::kMaxResultBytes)
          throw DatabaseError("the result comes to more than " + std::to_string(Database::kMaxResultBytes) + " bytes");
        switch (sqlite3_column_type(stmt_, c)) {
          case SQLITE_NULL: row[name] = nullptr; break;
          case SQLITE_INTEGER: row[name] = sqlite3_column_int64(stmt_, c); break;
          case SQLITE_FLOAT: row[name] = sqlite3_column_double(stmt_, c); break;
          default: row[name] = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, c)); break;
        }
      }
      out.push_back(std::move(row));
    }
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool owned_ = true;
};

std::string quoted(const std::string& identifier) {
  std::string out = "\"";
  for (char c : identifier) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

Database::Database(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw DatabaseError("cannot open database " + path + ": " + message);
  }
  // Statements come from scenario files, their arguments from models. The file system is reached
  // only through this database: the authorizer refuses the rest at prepare time with a reason, and
  // no database can be attached at all (VACUUM INTO attaches its target). What a call may build is
  // bounded: steps, the size of one value, of the database and (rows()) of the result.
  sqlite3_limit(db_, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_limit(db_, SQLITE_LIMIT_LENGTH, kMaxValueBytes);
  sqlite3_db_config(db_, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  for (const char* schema : {"main", "temp"}) execute(std::string("PRAGMA ") + schema + ".max_page_count = " + std::to_string(kMaxPages));
  sqlite3_set_authorizer(db_, authorize, nullptr);
  sqlite3_progress_handler(db_, kStepsPerCheck, [](void* self) { return static_cast<Database*>(self)->too_many_steps() ? 1 : 0; }, this);
  sqlite3_busy_timeout(db_, 10000);
  // The settings of a production SQLite service, for connections that come and go with each tool
  // call: commits need no fsync of their own (WAL mode, set when the database is made, with
  // synchronous=NORMAL) and closing does not checkpoint, so a call costs what its statement costs,
  // not what the disk of a shared machine happens to take.
  execute("PRAGMA synchronous = NORMAL");
  sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
}

Database::~Database() {
  for (auto& [key, stmt] : inserts_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

bool Database::too_many_steps() {
  steps_ += kStepsPerCheck;
  return steps_ > kMaxSteps;
}

void Database::execute(const std::string& sql) {
  steps_ = 0;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) throw DatabaseError(error_of(db_));
}

void Database::insert(const DatabaseRow& row) {
  steps_ = 0;
  std::string columns, slots;
  for (const auto& [column, value] : row.values.items()) {
    columns += (columns.empty() ? "" : ", ") + quoted(column);
    slots += slots.empty() ? "?" : ", ?";
  }
  const auto sql = "INSERT INTO " + quoted(row.table) + " (" + columns + ") VALUES (" + slots + ")";
  auto& prepared = inserts_[sql];
  if (!prepared) prepared = Statement(db_, sql).release();
  Statement insert(db_, prepared);
  int index = 0;
  for (const auto& [column, value] : row.values.items()) insert.bind(++index, value);
  insert.rows();
}

void Database::validate(const std::string& sql) { Statement(db_, sql); }

json Database::query(const std::string& sql, const json& arguments) {
  steps_ = 0;
  Statement statement(db_, sql);
  for (int i = 1; i <= statement.parameters(); ++i) {
    const auto name = statement.parameter(i);
    if (name.size() < 2 || (name[0] != ':' && name[0] != '@' && name[0] != '$'))
      throw DatabaseError("tool statements name their parameters (:name), not \"" + name + "\"");
    const auto value = arguments.is_object() ? arguments.find(name.substr(1)) : arguments.end();
    if (!arguments.is_object() || value == arguments.end()) throw DatabaseError("missing argument '" + name.substr(1) + "'");
    statement.bind(i, *value);
  }
  return statement.rows();
}

std::map<std::string, std::vector<std::string>> Database::contents() {
  steps_ = 0;
  std::map<std::string, std::vector<std::string>> out;
  auto tables = Statement(db_, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").rows();
  for (const auto& table : tables) {
    const auto name = table["name"].get<std::string>();
    auto& rows = out[name];
    for (const auto& row : Statement(db_, "SELECT * FROM " + quoted(name)).rows()) rows.push_back(row.dump());
    std::sort(rows.begin(), rows.end());
  }
  return out;
}

void create_database(const DatabaseSpec& spec, const std::filesystem::path& path) {
  std::filesystem::remove(path);
  Database db(path.string());
  db.execute("PRAGMA journal_mode = WAL");
  db.execute("BEGIN");
  db.execute(spec.schema);
  for (const auto& row : spec.rows) db.insert(row);
  db.execute("COMMIT");
}

std::string run_sql_tool(const std::filesystem::path& database, const std::string& sql, const json& arguments) {
  if (database.empty()) return "error: this run has no database";
  try {
    // A connection per call: concurrent tasks are concurrent clients, each call its own transaction.
    Database db(database.string());
    return db.query(sql, arguments).dump();
  } catch (const DatabaseError& e) {
    return std::string("error: ") + e.what();
  }
}

std::vector<std::string> database_differences(const DatabaseSpec& spec, const std::filesystem::path& path, std::size_t limit) {
  Database expected(":memory:");
  expected.execute(spec.schema);
  for (const auto& row : spec.rows) expected.insert(row);
  for (const auto& change : spec.expected_changes) expected.execute(change);
  auto want = expected.contents();
  auto have = Database(path.string()).contents();

  std::vector<std::string> differences;
  auto note = [&](std::string line) {
    if (differences.size() < limit) differences.push_back(std::move(line));
  };
  std::set<std::string> tables;
  for (const auto& [table, rows] : want) tables.insert(table);
  for (const auto& [table, rows] : have) tables.insert(table);
  for (const auto& table : tables) {
    const auto& a = want[table];
    const auto& b = have[table];
    std::vector<std::string> missing, unexpected;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(missing));
    std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(unexpected));
    for (const auto& row : missing) note(table + ": missing row " + row);
    for (const auto& row : unexpected) note(table + ": unexpected row " + row);
  }
  return differences;
}

}  // namespace legion::datasets
