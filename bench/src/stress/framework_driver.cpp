#include "stress/framework_driver.hpp"

namespace legion::bench::stress {

FrameworkDriver::FrameworkDriver(WorkerProcess::Options options, nlohmann::json job, Check check, std::chrono::milliseconds task_timeout)
    : worker_(std::move(options)), job_(std::move(job)), check_(std::move(check)), task_timeout_(task_timeout), thread_([this] { loop(); }) {}

FrameworkDriver::~FrameworkDriver() {
  {
    std::lock_guard l(m_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

TaskResult FrameworkDriver::run() {
  Slot slot;
  std::unique_lock l(m_);
  if (stopping_) return {false, "the framework's driver stopped"};
  waiting_.push_back(&slot);
  cv_.notify_all();
  cv_.wait(l, [&] { return slot.done; });
  return slot.result;
}

void FrameworkDriver::loop() {
  for (;;) {
    std::vector<Slot*> batch;
    {
      std::unique_lock l(m_);
      cv_.wait(l, [&] { return stopping_ || !waiting_.empty(); });
      if (waiting_.empty()) return;  // stopping, nobody waits
      batch.swap(waiting_);
    }
    auto job = job_;
    job["concurrency"] = batch.size();
    ++batches_;
    largest_ = std::max<std::int64_t>(largest_, static_cast<std::int64_t>(batch.size()));
    // The worker's own timeout covers the whole batch: each copy may take the task's timeout.
    const auto reply = worker_.run(job, task_timeout_ * 2);
    const auto& answers = reply.contains("answers") && reply["answers"].is_array() ? reply["answers"] : nlohmann::json::array();
    const std::string error = reply.contains("error") && reply["error"].is_string() ? reply["error"].get<std::string>() : "";
    std::vector<TaskResult> results(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const std::string answer = i < answers.size() && answers[i].is_string() ? answers[i].get<std::string>() : "";
      if (answer.empty()) {
        results[i] = {false, error.empty() ? "no answer" : error};
        continue;
      }
      try {
        results[i] = check_(answer);
      } catch (const std::exception& e) {
        results[i] = {false, e.what()};
      }
    }
    {
      std::lock_guard l(m_);
      for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->result = std::move(results[i]), batch[i]->done = true;
    }
    cv_.notify_all();
  }
}

}  // namespace legion::bench::stress
