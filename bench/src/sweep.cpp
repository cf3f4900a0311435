#include "sweep.hpp"

#include "checks.hpp"

namespace legion::bench {

Sweep parse_sweep(const std::string& text) {
  try {
    return datasets::parse_sweep_text(text);
  } catch (const std::invalid_argument& e) {
    throw UsageError("--sweep " + text + ": " + e.what());
  }
}

}  // namespace legion::bench
