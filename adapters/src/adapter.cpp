#include "legion/adapters/adapter.hpp"

#include <thread>

namespace legion::adapters {

std::vector<TaskAttempt> Adapter::run_concurrently(const core::TaskSpec& task, std::size_t copies) {
  std::vector<TaskAttempt> attempts(copies);
  auto run_one = [&](std::size_t i) {
    try {
      attempts[i].outcome = run(task);
    } catch (const Unsupported& e) {
      attempts[i].error = e.what();
      attempts[i].unsupported = true;
    } catch (const std::exception& e) {
      attempts[i].error = e.what();
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(copies);
  for (std::size_t i = 0; i < copies; ++i) threads.emplace_back(run_one, i);
  for (auto& t : threads) t.join();
  return attempts;
}

}  // namespace legion::adapters
