#include "hal/sim/sim_panel_state.h"

#include <string>

namespace vto::hal::sim {

nlohmann::json to_json(const SimPanelState& state) {
  nlohmann::json modules = nlohmann::json::array();
  for (const ModuleStatus& m : state.modules) {
    modules.push_back({{"position", m.position},
                       {"kind", std::string(module_kind_name(m.kind))},
                       {"presence", std::string(presence_name(m.presence))}});
  }
  return {
      {"lock", {{"open", state.lock_open}, {"line", state.relay_on}}},
      {"indicators",
       {{"call", state.call_lit}, {"talk", state.talk_lit}, {"unlock", state.unlock_lit}}},
      {"display", {{"lines", state.display_lines}}},
      {"door", std::string(door_state_name(state.door))},
      {"tamper", std::string(tamper_state_name(state.tamper))},
      {"fingers", state.enrolled_fingers},
      {"enrolling", state.enrolling},
      {"modules", std::move(modules)},
  };
}

}  // namespace vto::hal::sim
