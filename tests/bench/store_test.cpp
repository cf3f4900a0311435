#include "store.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace legion::bench {
namespace {

TEST(Store, KeepsRecordsAcrossReopening) {
  auto file = legion::testing::scratch_dir() / "results.sqlite";
  std::filesystem::remove_all(file.parent_path());
  core::RunContext context;
  context.run_id = "run-1";
  context.started_at = "2026-01-01T00:00:00Z";
  context.suite = "coordination";
  core::RunRecord r;
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
  core::RunContext context;
  context.run_id = "run-1";
  store.save_run(context);
  core::RunRecord r;
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

}  // namespace
}  // namespace legion::bench
