#include "legion/adapters/native_adapter.hpp"

#include "legion/version.hpp"

#include <stdexcept>

namespace legion::adapters {
namespace {

TaskOutcome outcome_of(core::TaskResult result, const core::TaskSpec& task) {
  TaskOutcome o{std::move(result.answer), result.llm_calls, result.usage};
  if (!task.knowledge.empty()) o.ingest_ns = result.ingest_ns, o.retrieval_ns = result.retrieval_ns;
  return o;
}

}  // namespace

void NativeAdapter::prepare(const AdapterConfig& config) {
  core::EngineOptions options;
  options.client.base_url = config.base_url;
  options.client.max_retries = config.max_retries;
  options.client.timeout = config.request_timeout;
  options.client.injected_delay = config.injected_delay;
  options.client.in_process = config.in_process_model;
  in_process_ = config.in_process_model != nullptr;
  options.model = config.model;
  options.stream = config.stream;
  engine_ = std::make_unique<core::Engine>(options);
}

TaskOutcome NativeAdapter::run(const core::TaskSpec& task) {
  if (!engine_) throw std::logic_error("NativeAdapter::run before prepare");
  return outcome_of(engine_->run(task), task);
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
    attempts[i].outcome = outcome_of(std::move(r.result), task);
  }
  return attempts;
}

std::map<std::string, std::string> NativeAdapter::settings() const {
  // Listed in a report only when a scenario turns it on (the runner drops it otherwise).
  std::map<std::string, std::string> settings = {
      {std::string(kContextTrimmingSetting) + " (context_window N)",
       "the engine's window (default: none): the task, the first turn and the last N messages"}};
  if (in_process_)
    settings[std::string(kInProcessModelSetting)] =
        "core::ClientOptions::in_process: the engine's client hands each encoded request to the in-process model "
        "instead of its HTTP connection pool (the engine's own seam; everything else unchanged)";
  return settings;
}

std::map<std::string, std::string> NativeAdapter::versions() const {
  return {{"legion-engine", LEGION_VERSION}};
}

}  // namespace legion::adapters
