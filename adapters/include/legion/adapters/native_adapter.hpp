#pragma once
#include <memory>

#include "legion/adapters/adapter.hpp"
#include "legion/core/engine.hpp"

namespace legion::adapters {

class NativeAdapter final : public Adapter {
 public:
  void prepare(const AdapterConfig& config) override;
  TaskOutcome run(const core::TaskSpec& task) override;
  // Every copy is a coroutine on one event loop on the calling thread: no thread per task or agent.
  std::vector<TaskAttempt> run_concurrently(const core::TaskSpec& task, std::size_t copies) override;
  std::map<std::string, std::string> versions() const override;
  std::map<std::string, std::string> settings() const override;

 private:
  std::unique_ptr<core::Engine> engine_;
  bool in_process_ = false;
};

}  // namespace legion::adapters
