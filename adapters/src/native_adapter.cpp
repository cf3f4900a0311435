#include "legion/adapters/native_adapter.hpp"

#include "legion/version.hpp"

#include <stdexcept>

namespace legion::adapters {

void NativeAdapter::prepare(const AdapterConfig& config) {
  core::EngineOptions options;
  options.client.base_url = config.base_url;
  options.client.max_retries = config.max_retries;
  options.client.timeout = config.request_timeout;
  options.client.injected_delay = config.injected_delay;
  options.model = config.model;
  options.stream = config.stream;
  engine_ = std::make_unique<core::Engine>(options);
}

TaskOutcome NativeAdapter::run(const core::TaskSpec& task) {
  if (!engine_) throw std::logic_error("NativeAdapter::run before prepare");
  auto result = engine_->run(task);
  return {std::move(result.answer), result.llm_calls, result.usage};
}

std::vector<TaskAttempt> NativeAdapter::run_concurrently(const core::TaskSpec& task, std::size_t copies) {
  if (!engine_) throw std::logic_error("NativeAdapter::run_concurrently before prepare");
  std::vector<TaskAttempt> attempts(copies);
  const auto start = std::chrono::steady_clock::now();
  auto results = engine_->run_many(task, copies);
  for (std::size_t i = 0; i < copies; ++i) {
    auto& r = results[i];
    attempts[i].latency_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(r.finished - start).count();
    if (r.error) {
      try {
        std::rethrow_exception(r.error);
      } catch (const std::exception& e) {
        attempts[i].error = e.what();
      } catch (...) {
        attempts[i].error = "unknown error";
      }
      continue;
    }
    attempts[i].outcome = {std::move(r.result.answer), r.result.llm_calls, r.result.usage};
  }
  return attempts;
}

std::map<std::string, std::string> NativeAdapter::settings() const {
  // Listed in a report only when a scenario turns it on (the runner drops it otherwise).
  return {{std::string(kContextTrimmingSetting) + " (context_window N)",
           "the engine's window (default: none): the task, the first turn and the last N messages"}};
}

std::map<std::string, std::string> NativeAdapter::versions() const {
  return {{"legion-engine", LEGION_VERSION}};
}

}  // namespace legion::adapters
