#include "legion/core/process_status.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <memory>

namespace legion::core {
namespace {

// This process: its RSS grows by what it touches, its peak holds that after the memory is freed,
// and a reset brings the peak back down to the current RSS.
TEST(ProcessStatus, ReadsThisProcessAndItsPeakAfterAReset) {
  const auto before = read_process_status();
  ASSERT_TRUE(before.ok);
  EXPECT_GT(before.rss_kb, 0);
  EXPECT_GE(before.peak_rss_kb, before.rss_kb);
  EXPECT_GE(before.threads, 1);
  EXPECT_EQ(before.real_uid, ::getuid());
  constexpr std::size_t kBytes = 64 << 20;
  {
    auto block = std::make_unique<char[]>(kBytes);
    std::memset(block.get(), 1, kBytes);  // touched, so resident
    EXPECT_GE(read_process_status().rss_kb, before.rss_kb + 60 * 1024);
  }
  const auto after = read_process_status();
  EXPECT_GE(after.peak_rss_kb, before.rss_kb + 60 * 1024);
  reset_peak_rss();
  const auto reset = read_process_status();
  EXPECT_LT(reset.peak_rss_kb, after.peak_rss_kb - 32 * 1024);
}

TEST(ProcessStatus, AProcessThatIsGoneIsNotOk) {
  EXPECT_TRUE(read_process_status(::getpid()).ok);
  EXPECT_FALSE(read_process_status(0x7ffffff0).ok);
}

}  // namespace
}  // namespace legion::core
