#include <stdexcept>

#include "legion/adapters/adapter.hpp"
#include "legion/adapters/native_adapter.hpp"

namespace legion::adapters {

const std::vector<AdapterInfo>& adapter_registry() {
  static const std::vector<AdapterInfo> registry = {
      {"native", "LEGION engine (C++, in core/)", "native", [] { return std::make_unique<NativeAdapter>(); }},
  };
  return registry;
}

const AdapterInfo& adapter_info(std::string_view name) {
  for (const auto& info : adapter_registry())
    if (info.name == name) return info;
  std::string known;
  for (const auto& info : adapter_registry()) known += (known.empty() ? "" : ", ") + info.name;
  throw std::invalid_argument("unknown system '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace legion::adapters
