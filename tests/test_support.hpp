#pragma once
// A scratch folder of the running test alone: ctest runs tests as parallel processes, and several
// checkouts may run their suites on one machine at the same time.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <string>

namespace legion::testing {

inline std::filesystem::path scratch_root() {
  return std::filesystem::temp_directory_path() / ("legion-test-" + std::to_string(::getpid()));
}

// Removes this process's scratch folders when the test program ends.
struct ScratchCleanup {
  ~ScratchCleanup() {
    std::error_code ignored;
    std::filesystem::remove_all(scratch_root(), ignored);
  }
};
inline const ScratchCleanup scratch_cleanup;

inline std::filesystem::path scratch_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "global";
  for (auto& c : name)
    if (c == '/') c = '_';
  auto dir = scratch_root() / name;
  std::filesystem::create_directories(dir);
  return dir;
}

// While it lives, writes beyond `bytes` fail the way a full disk does (EFBIG instead of ENOSPC).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    previous_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*previous_)(int) = nullptr;
};

}  // namespace legion::testing
