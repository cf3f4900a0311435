#pragma once
// The results store: one SQLite file, one row per record, written as each record is measured so
// that a crash or an interrupt loses nothing already measured.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "legion/report/results.hpp"
#include "sqlite_db.hpp"

namespace legion::bench {

class Store {
 public:
  explicit Store(const std::filesystem::path& file);  // creates the schema if needed
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Every error names the store's file and SQLite's reason (e.g. "database or disk is full").
  void save_run(const report::RunContext& context);  // insert or update
  // A record's error text is kept to the size clip_error_text() allows (legion/core/error_text.hpp), here and
  // when it is read back.
  void add(const std::string& run_id, const report::RunRecord& record);
  std::vector<report::RunRecord> records(const std::string& run_id) const;
  std::vector<report::RunContext> runs() const;  // oldest first
  // How the run was started (working folder and arguments), for --resume.
  void save_invocation(const std::string& run_id, const nlohmann::json& invocation);
  std::optional<nlohmann::json> invocation(const std::string& run_id) const;
  const std::filesystem::path& file() const { return db_.file(); }
  // `legion-bench calibrate` keeps its result next to the runs it came from.
  void save_calibration(const nlohmann::json& calibration);
  std::optional<nlohmann::json> latest_calibration() const;

 private:
  SqliteDb db_;
};

}  // namespace legion::bench
