#include "store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "report/record_fixtures.hpp"
#include "test_support.hpp"

namespace legion::bench {
namespace {

TEST(Store, KeepsRecordsAcrossReopening) {
  auto file = legion::testing::scratch_dir() / "results.sqlite";
  std::filesystem::remove_all(file.parent_path());
  report::RunContext context;
  context.run_id = "run-1";
  context.started_at = "2026-01-01T00:00:00Z";
  context.suite = "coordination";
  report::RunRecord r;
  r.system = "native";
  r.scenario = "single-tool";
  r.repetition = 4;
  r.wall_ns = 123456;
  r.llm_calls = 2;
  r.correct = true;
  r.answer = "it's \"quoted\"";
  {
    Store store(file);
    store.save_run(context);
    store.add("run-1", r);
    r.repetition = 5;
    r.correct = false;
    r.error = "worker crashed (killed by signal Killed)";
    store.add("run-1", r);
    context.interrupted = true;
    store.save_run(context);  // updates, does not duplicate
  }
  Store again(file);
  auto runs = again.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0].interrupted);
  auto records = again.records("run-1");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].repetition, 4);
  EXPECT_EQ(records[0].wall_ns, 123456);
  EXPECT_EQ(records[0].answer, "it's \"quoted\"");
  EXPECT_FALSE(records[0].error);
  EXPECT_EQ(*records[1].error, "worker crashed (killed by signal Killed)");
  EXPECT_TRUE(again.records("other").empty());
}

TEST(Store, UnwritableLocationIsAClearError) {
  try {
    Store store("/proc/legion/results.sqlite");
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/legion"), std::string::npos) << e.what();
  }
}

TEST(Store, AFailedWriteNamesTheStoreFile) {
  auto file = legion::testing::scratch_dir() / "results.sqlite";
  std::filesystem::remove_all(file.parent_path());
  Store store(file);
  report::RunContext context;
  context.run_id = "run-1";
  store.save_run(context);
  report::RunRecord r;
  r.system = "native";
  r.scenario = "single-tool";
  r.answer = std::string(1 << 20, 'x');  // more than the file may grow by
  try {
    legion::testing::FileSizeLimit limit(static_cast<rlim_t>(std::filesystem::file_size(file) + 64 * 1024));
    for (int i = 0; i < 4; ++i) store.add("run-1", r);
    FAIL() << "the store grew beyond the file-size limit";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("results store " + std::filesystem::absolute(file).string() + ": ", 0), 0u) << e.what();
  }
}

// Every stored field comes back as it went in (overhead_ns is derived, so it follows).
TEST(Store, EveryStoredFieldRoundTrips) {
  auto file = legion::testing::scratch_dir() / "results.sqlite";
  std::filesystem::remove_all(file.parent_path());
  auto r = report::testing::every_field_set();
  r.tasks = 2;
  r.reported_completion_tokens = 0;
  report::RunRecord plain;  // nulls stay null
  plain.system = "native";
  plain.scenario = "single-tool";
  {
    Store store(file);
    store.add("run-1", r);
    store.add("run-1", plain);
  }
  auto back = Store(file).records("run-1");
  ASSERT_EQ(back.size(), 2u);
  for (const auto& f : report::record_fields()) {
    EXPECT_EQ(f.get(back[0]), f.get(r)) << f.name;
    EXPECT_EQ(f.get(back[1]), f.get(plain)) << f.name;
  }
}

// A store file made by an older release: its schema and rows, written directly with SQLite.
std::filesystem::path store_written_by(const char* sql) {
  auto file = legion::testing::scratch_dir() / "results.sqlite";
  std::filesystem::remove_all(file.parent_path());
  std::filesystem::create_directories(file.parent_path());
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  return file;
}

// A store written by the first release lacks the columns added since: opening it adds them, with
// the values its records implied, and its records read back.
TEST(Store, OpensAStoreFromTheFirstRelease) {
  const char* old_schema = R"sql(
    CREATE TABLE runs (run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, context TEXT NOT NULL);
    CREATE TABLE records (
      id INTEGER PRIMARY KEY, run_id TEXT NOT NULL REFERENCES runs(run_id),
      system TEXT NOT NULL, scenario TEXT NOT NULL, repetition INTEGER NOT NULL, warmup INTEGER NOT NULL,
      wall_ns INTEGER, cpu_user_ns INTEGER, cpu_sys_ns INTEGER, rss_peak_bytes INTEGER,
      llm_calls INTEGER, prompt_tokens INTEGER, completion_tokens INTEGER, oracle_ns INTEGER,
      reported_llm_calls INTEGER, correct INTEGER NOT NULL, error TEXT, answer TEXT);
    INSERT INTO runs VALUES ('old', '2025-01-01T00:00:00Z', '{"run_id": "old"}');
    INSERT INTO records(run_id, system, scenario, repetition, warmup, wall_ns, oracle_ns, llm_calls, correct, answer)
      VALUES ('old', 'native', 'single-tool', 2, 0, 5000, 1000, 2, 1, 'yes');
  )sql";
  const auto file = store_written_by(old_schema);

  Store store(file);
  auto records = store.records("old");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].tasks, 1);
  EXPECT_FALSE(records[0].unsupported);
  EXPECT_FALSE(records[0].reported_prompt_tokens);
  EXPECT_FALSE(records[0].reported_completion_tokens);
  EXPECT_EQ(records[0].request_bytes, 0u);
  EXPECT_FALSE(records[0].model_busy_ns);  // not kept then: overhead falls back on the sum of service times
  EXPECT_EQ(records[0].overhead_ns(), 4000);
  EXPECT_TRUE(records[0].correct);
  store.add("old", records[0]);  // and new records go in beside the old
  EXPECT_EQ(store.records("old").size(), 2u);
}

// A store written by schema 1 kept a swept value or a concurrency level in the scenario's name: its
// records read back with their cell's identity as fields, the label unchanged, and a run resumed
// in it goes on beside them.
TEST(Store, GivesTheRecordsOfASchemaOneRunTheirCellsIdentity) {
  const char* schema_one = R"sql(
    CREATE TABLE runs (run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, context TEXT NOT NULL);
    CREATE TABLE records (
      id INTEGER PRIMARY KEY, run_id TEXT NOT NULL REFERENCES runs(run_id),
      system TEXT NOT NULL, scenario TEXT NOT NULL, repetition INTEGER NOT NULL, warmup INTEGER NOT NULL,
      tasks INTEGER NOT NULL DEFAULT 1, wall_ns INTEGER, correct INTEGER NOT NULL);
    INSERT INTO runs VALUES ('old', '2026-11-01T00:00:00Z', '{"run_id": "old", "schema_version": 1}');
    INSERT INTO records(run_id, system, scenario, repetition, warmup, tasks, wall_ns, correct) VALUES
      ('old', 'native', 'tool-overhead[extra_tools=10]', 0, 0, 1, 5000, 1),
      ('old', 'native', 'order-refund[concurrency=8]', 0, 0, 8, 9000, 1),
      ('old', 'native', 'single-tool', 0, 0, 1, 4000, 1);
  )sql";
  const auto file = store_written_by(schema_one);

  Store store(file);
  const auto records = store.records("old");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].scenario, "tool-overhead");
  EXPECT_EQ(records[0].swept, "extra_tools");
  EXPECT_EQ(records[0].params, (std::map<std::string, std::int64_t>{{"extra_tools", 10}}));
  EXPECT_EQ(records[0].cell(), "tool-overhead[extra_tools=10]");
  EXPECT_EQ(records[1].scenario, "order-refund");
  EXPECT_EQ(records[1].swept, report::kSweptConcurrency);
  EXPECT_EQ(records[1].cell(), "order-refund[concurrency=8]");
  EXPECT_EQ(records[2].scenario, "single-tool");
  EXPECT_EQ(records[2].swept, "");
  EXPECT_EQ(records[2].cell(), "single-tool");
  // A record of this schema goes in beside them and reads back as written, never parsed.
  auto next = records[0];
  next.repetition = 1;
  store.add("old", next);
  report::RunRecord bracketed;
  bracketed.system = "native";
  bracketed.scenario = "named[like=1]";
  store.add("old", bracketed);
  const auto again = store.records("old");
  ASSERT_EQ(again.size(), 5u);
  EXPECT_EQ(again[3].cell(), "tool-overhead[extra_tools=10]");
  EXPECT_EQ(again[3].params, next.params);
  EXPECT_EQ(again[4].scenario, "named[like=1]");
  EXPECT_EQ(again[4].swept, "");
}

}  // namespace
}  // namespace legion::bench
