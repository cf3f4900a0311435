#include "legion/core/process_status.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

namespace legion::core {
namespace {

// 64 MiB of fresh anonymous pages, written so that they are resident, then given back: mmap rather
// than new, which the compiler may elide and the allocator may serve from memory already resident.
void touch_and_release(std::size_t bytes) {
  void* block = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(block, MAP_FAILED);
  std::memset(block, 1, bytes);
  ASSERT_GE(read_process_status().rss_kb, static_cast<std::int64_t>(bytes / 1024 / 2));
  ::munmap(block, bytes);
}

// This process: its peak holds the pages it touched after they are given back, and a reset brings
// the peak down to the current RSS.
TEST(ProcessStatus, ReadsThisProcessAndItsPeakAfterAReset) {
  const auto before = read_process_status();
  ASSERT_TRUE(before.ok);
  EXPECT_GT(before.rss_kb, 0);
  EXPECT_GE(before.peak_rss_kb, before.rss_kb);
  EXPECT_GE(before.threads, 1);
  EXPECT_EQ(before.real_uid, ::getuid());
  reset_peak_rss();
  const auto start = read_process_status();
  constexpr std::size_t kBytes = 64 << 20;
  touch_and_release(kBytes);
  const auto after = read_process_status();
  EXPECT_GE(after.peak_rss_kb, start.rss_kb + 48 * 1024);  // 64 MiB touched; other memory may have gone meanwhile
  reset_peak_rss();
  EXPECT_LT(read_process_status().peak_rss_kb, after.peak_rss_kb - 32 * 1024);
}

TEST(ProcessStatus, AProcessThatIsGoneIsNotOk) {
  EXPECT_TRUE(read_process_status(::getpid()).ok);
  EXPECT_FALSE(read_process_status(0x7ffffff0).ok);
}

}  // namespace
}  // namespace legion::core
