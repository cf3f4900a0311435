#pragma once
// One connection to a results store's SQLite file, opened the same way for every store that shares
// the file (the runner's records, the stress suites' ledger): its folder created, WAL so that a
// report can read while a run writes, synchronous=NORMAL, and a 5 s wait for another process's lock.
// Every error names the file and SQLite's reason (e.g. "database or disk is full").
#include <filesystem>
#include <stdexcept>
#include <string>

struct sqlite3;

namespace legion::bench {

class SqliteDb {
 public:
  explicit SqliteDb(const std::filesystem::path& file);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  sqlite3* handle() const { return db_; }
  const std::filesystem::path& file() const { return file_; }
  // Runs statements that return no rows.
  void exec(const std::string& sql) const;
  // "results store FILE: " and SQLite's last message on this connection, or `reason` where given.
  std::runtime_error error(const std::string& reason = {}) const;

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path file_;
};

}  // namespace legion::bench
