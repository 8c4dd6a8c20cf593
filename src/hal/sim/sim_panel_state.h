// SimPanelState: a plain snapshot of the sim panel for the web API and the virtual panel.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hal/door_sensor.h"
#include "hal/module_bus.h"
#include "hal/tamper_switch.h"

namespace vto::hal::sim {

struct SimPanelState {
  bool lock_open = false;  // the lock released (the door can be pushed open)
  bool relay_on = false;   // the relay line as the hardware sees it (inverted for NC)
  bool call_lit = false;
  bool talk_lit = false;
  bool unlock_lit = false;
  std::vector<std::string> display_lines;
  std::vector<std::string> enrolled_fingers;  // the fingerprint module's, by label or name
  bool enrolling = false;                     // the fingerprint module waits for a new finger
  DoorState door = DoorState::Closed;
  TamperState tamper = TamperState::Attached;
  std::vector<ModuleStatus> modules;
};

// {"lock":{"open":b,"line":b},"indicators":{"call":b,"talk":b,"unlock":b},"display":{"lines":[..]},
//  "door":"open|closed","tamper":"attached|detached","fingers":[labels enrolled],
//  "enrolling":b,
//  "modules":[{"position":n,"kind":"keypad","presence":"found|missing"}, ...]}
nlohmann::json to_json(const SimPanelState& state);

}  // namespace vto::hal::sim
