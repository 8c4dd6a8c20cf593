// SimModuleBus: the module inventory, with presence switched from the virtual panel so a
// missing module can be simulated.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "core/result.h"
#include "hal/module_bus.h"

namespace vto::hal::sim {

class SimModuleBus final : public ModuleBus {
 public:
  explicit SimModuleBus(std::vector<ModuleStatus> modules) : modules_(std::move(modules)) {}

  std::vector<ModuleStatus> modules() const override { return modules_; }
  ListenerId add_listener(Listener fn) override { return listeners_.add(std::move(fn)); }
  void remove_listener(ListenerId id) override { listeners_.remove(id); }

  // Fails for a position outside the layout. Emits on changes only.
  Result<void> set_presence(std::size_t position, Presence presence);
  Presence presence(std::size_t position) const { return modules_.at(position).presence; }

 private:
  std::vector<ModuleStatus> modules_;
  Listeners<const ModuleStatus&> listeners_;
};

}  // namespace vto::hal::sim
