#pragma once
#include <memory>

#include "legion/adapters/adapter.hpp"
#include "legion/core/engine.hpp"

namespace legion::adapters {

class NativeAdapter final : public Adapter {
 public:
  void prepare(const AdapterConfig& config) override;
  TaskOutcome run(const core::TaskSpec& task) override;
  std::map<std::string, std::string> versions() const override;

 private:
  std::unique_ptr<core::Engine> engine_;
};

}  // namespace legion::adapters
