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

std::map<std::string, std::string> NativeAdapter::versions() const {
  return {{"legion-engine", LEGION_VERSION}};
}

}  // namespace legion::adapters
