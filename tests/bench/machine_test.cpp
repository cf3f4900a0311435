// The pieces every run shares: the results store's SQLite opener, the UTC clock and the machine's
// facts, each read in one place.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "legion/report/stress.hpp"
#include "machine.hpp"
#include "sqlite_db.hpp"
#include "store.hpp"
#include "stress/ledger.hpp"
#include "test_support.hpp"
#include "utc_time.hpp"

namespace legion::bench {
namespace {

std::string pragma(const SqliteDb& db, const char* name) {
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db.handle(), (std::string("PRAGMA ") + name).c_str(), -1, &s, nullptr);
  std::string value = sqlite3_step(s) == SQLITE_ROW ? reinterpret_cast<const char*>(sqlite3_column_text(s, 0)) : "";
  sqlite3_finalize(s);
  return value;
}

TEST(StoreOpener, OpensInWalWithNormalSyncAndCreatesTheFolder) {
  const auto file = legion::testing::scratch_dir() / "opener" / "deeper" / "results.sqlite";
  std::filesystem::remove_all(file.parent_path().parent_path());
  SqliteDb db(file);
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(pragma(db, "journal_mode"), "wal");
  EXPECT_EQ(pragma(db, "synchronous"), "1");  // NORMAL
  // The runner's store and the stress ledger share the file: a writer waits up to 5 s for the
  // other's lock instead of failing at once with "database is locked".
  EXPECT_EQ(pragma(db, "busy_timeout"), "5000");
  EXPECT_EQ(db.file(), file);
}

TEST(StoreOpener, EveryErrorNamesTheFileAndSqlitesReason) {
  const auto dir = legion::testing::scratch_dir() / "opener-dir";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "results.sqlite");  // a folder where the file should be
  for (auto open : {+[](const std::filesystem::path& f) { Store s(f); }, +[](const std::filesystem::path& f) { stress::StressStore s(f); }}) {
    try {
      open(dir / "results.sqlite");
      FAIL() << "a folder opened as a store";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), "cannot open results store " + (dir / "results.sqlite").string() + ": unable to open database file");
    }
  }
  SqliteDb db(dir / "ok.sqlite");
  try {
    db.exec("SELECT * FROM nowhere");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "results store " + (dir / "ok.sqlite").string() + ": no such table: nowhere");
  }
}

TEST(UtcTimestamp, WritesTheGivenTimeInUtc) {
  const std::time_t t = 1'796'532'372;  // 2026-12-06T04:46:12Z
  EXPECT_EQ(utc_timestamp(kIsoUtc, t), "2026-12-06T04:46:12Z");
  EXPECT_EQ(utc_timestamp(kCompactUtc, t), "20261206T044612Z");
}

TEST(UtcTimestamp, TheStressLedgerRecordsWhenARunStartedInUtc) {
  const auto file = legion::testing::scratch_dir() / "clock" / "results.sqlite";
  std::filesystem::remove_all(file.parent_path());
  const auto before = utc_timestamp(kIsoUtc);
  stress::StressStore store(file);
  store.begin_run("r", {{"suite", "load"}});
  const auto at = store.load("r")["started_at"].get<std::string>();
  EXPECT_LE(before, at);
  EXPECT_LE(at, utc_timestamp(kIsoUtc));
}

TEST(Machine, DescriptionNamesTheCpuItsCoresAndTheKernel) {
  const auto m = machine_description();
  EXPECT_GT(m["cores"].get<int>(), 0);
  EXPECT_EQ(m["cores"].get<int>(), cpu_cores());
  EXPECT_EQ(m["cpu"].get<std::string>(), cpu_model().value_or(""));
  EXPECT_FALSE(m["kernel"].get<std::string>().empty());
  EXPECT_FALSE(m["hostname"].get<std::string>().empty());
  double one_minute = -1;
  std::istringstream(m["loadavg_at_start"].get<std::string>()) >> one_minute;
  EXPECT_GE(one_minute, 0);
}

// A stress report's header names the machine its run recorded: with the description every suite
// records, no "?" and no "0 cores".
TEST(Machine, StressReportHeaderNamesTheRecordedMachine) {
  using nlohmann::json;
  const json run = {{"run_id", "r"}, {"started_at", "now"}, {"finished", true}, {"interrupted", false}, {"extra", json::object()},
                    {"config", {{"suite", "failure"}, {"command", "c"}, {"mode", "closed"}, {"arrival", "back to back"}, {"scenario", "single-tool"},
                                {"latency", "zero"}, {"max_retries", 0}, {"request_timeout_s", 30}, {"machine", machine_description()}}},
                    {"phases", json::array()}};
  const auto dir = legion::testing::scratch_dir() / "machine-header";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  report::write_stress_reports(dir, report::analyze_stress(run));
  std::ifstream in(dir / "STRESS_TEST_RESULTS.md");
  const std::string md((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(md.find("(" + std::to_string(cpu_cores()) + " cores, " + machine_description()["kernel"].get<std::string>() + ")"), std::string::npos) << md;
  EXPECT_EQ(md.find("0 cores, ?"), std::string::npos) << md;
}

}  // namespace
}  // namespace legion::bench
