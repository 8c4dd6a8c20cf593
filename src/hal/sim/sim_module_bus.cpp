#include "hal/sim/sim_module_bus.h"

#include <string>

namespace vto::hal::sim {

Result<void> SimModuleBus::set_presence(std::size_t position, Presence presence) {
  if (position >= modules_.size()) {
    return make_error("module position " + std::to_string(position) + " out of range: 0-" +
                          std::to_string(modules_.size() - 1),
                      Errc::Invalid);
  }
  ModuleStatus& module = modules_[position];
  if (module.presence == presence) return {};
  module.presence = presence;
  listeners_.emit(module);
  return {};
}

}  // namespace vto::hal::sim
