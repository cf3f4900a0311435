#pragma once
// The SQLite database behind a scenario's `sql:` tools (the enterprise workflow). Each run gets a
// fresh copy built from the scenario's schema and rows; the tools run their statement against it
// with the call's arguments bound as named parameters (never pasted into SQL); afterwards the
// checker compares the whole final state with the starting rows plus the scenario's expected
// changes, so a wrong write anywhere fails the run, not only a wrong answer.
#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace legion::datasets {

struct DatabaseRow {
  std::string table;
  nlohmann::json values;  // an object: column -> scalar
};

struct DatabaseSpec {
  std::string schema;                          // CREATE statements
  std::vector<DatabaseRow> rows;               // the starting rows
  std::vector<std::string> expected_changes;   // statements that turn the start into the expected final state
};

// Thrown with SQLite's message; callers add where it came from.
struct DatabaseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Database {
 public:
  // What one call (execute, insert, query, contents) may make SQLite build or do; past a limit the
  // call fails with a DatabaseError that names it.
  static constexpr std::uint64_t kMaxSteps = 20'000'000;   // SQLite's virtual-machine steps (about half a second)
  static constexpr int kMaxValueBytes = 64 << 20;           // one text, blob or row
  static constexpr std::size_t kMaxResultBytes = 64 << 20;  // the rows a query returns
  static constexpr int kMaxPages = 16384;                   // the database: 64 MiB at SQLite's 4 KiB pages

  // Opens an existing database file (":memory:" for a private one). Waits up to 10 s for another
  // connection's write lock, as concurrent tasks sharing one database do.
  explicit Database(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs SQL text with no parameters (several statements allowed).
  void execute(const std::string& sql);
  void insert(const DatabaseRow& row);
  // Prepares a statement without running it: throws unless it is one valid statement here.
  void validate(const std::string& sql);
  // One statement with the arguments bound to its :named parameters; returns the rows it yields
  // (SELECT, or a write's RETURNING clause) as a JSON array of objects. An argument the statement
  // needs but the call lacks is an error; extra arguments are ignored.
  nlohmann::json query(const std::string& sql, const nlohmann::json& arguments);
  // Every user table's rows (without rowid), each as its JSON text, sorted: table -> rows.
  std::map<std::string, std::vector<std::string>> contents();

 private:
  static constexpr int kStepsPerCheck = 1000;
  bool too_many_steps();  // the progress handler: counts this call's steps

  sqlite3* db_ = nullptr;
  std::uint64_t steps_ = 0;
  std::map<std::string, sqlite3_stmt*> inserts_;  // prepared INSERTs by table and columns, reused row after row
};

// Builds a fresh database from the spec at `path` (replaced if it exists).
void create_database(const DatabaseSpec& spec, const std::filesystem::path& path);
// The result text a model sees for a call of an `sql:` tool: the rows as JSON, or "error: ...".
std::string run_sql_tool(const std::filesystem::path& database, const std::string& sql, const nlohmann::json& arguments);
// How the database at `path` differs from the expected final state (the spec's rows plus its
// expected changes): one line per missing or unexpected row, at most `limit`; empty when equal.
std::vector<std::string> database_differences(const DatabaseSpec& spec, const std::filesystem::path& path,
                                              std::size_t limit = 8);

}  // namespace legion::datasets
