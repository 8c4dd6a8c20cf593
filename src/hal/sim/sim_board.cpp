#include "hal/sim/sim_board.h"

#include "hal/sim/sim_panel.h"

namespace vto::hal::sim {

Result<std::unique_ptr<DoorModules>> SimBoard::modules(const std::vector<ModuleSlot>& layout) {
  SimPanelConfig config;
  for (const auto& m : layout) config.modules.push_back({m.kind, m.buttons});
  auto panel = SimPanel::create(timers_, config);
  if (!panel) return panel.error();
  return std::unique_ptr<DoorModules>(std::move(*panel));
}

}  // namespace vto::hal::sim
