#include "legion/adapters/adapter.hpp"

#include <thread>

namespace legion::adapters {

std::vector<TaskAttempt> Adapter::run_concurrently(const core::TaskSpec& task, std::size_t copies) {
  std::vector<TaskAttempt> attempts(copies);
  const auto start = std::chrono::steady_clock::now();
  auto run_one = [&](std::size_t i) {
    try {
      attempts[i].outcome = run(task);
    } catch (const Unsupported& e) {
      attempts[i].error = e.what();
      attempts[i].unsupported = true;
    } catch (const std::exception& e) {
      attempts[i].error = e.what();
    }
    attempts[i].latency_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
  };
  std::vector<std::thread> threads;
  threads.reserve(copies);
  for (std::size_t i = 0; i < copies; ++i) threads.emplace_back(run_one, i);
  for (auto& t : threads) t.join();
  return attempts;
}

}  // namespace legion::adapters
