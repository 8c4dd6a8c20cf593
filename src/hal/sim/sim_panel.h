// SimPanel: every sim device of one door station in one object. The core sees only the
// HAL interfaces (call_buttons(), keypad(), lock()...); the web API and the virtual panel
// drive the inputs through press(), present_card(), touch_finger(), set_door_open(),
// set_tamper_detached() and read state().
// Everything runs on the core thread: events reach listeners before press() returns.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/timers.h"
#include "hal/board.h"
#include "hal/display.h"
#include "hal/module_bus.h"
#include "hal/sim/sim_call_buttons.h"
#include "hal/sim/sim_card_reader.h"
#include "hal/sim/sim_display.h"
#include "hal/sim/sim_door_sensor.h"
#include "hal/sim/sim_exit_button.h"
#include "hal/sim/sim_fingerprint_reader.h"
#include "hal/sim/sim_indicators.h"
#include "hal/sim/sim_keypad.h"
#include "hal/sim/sim_module_bus.h"
#include "hal/sim/sim_output.h"
#include "hal/sim/sim_panel_state.h"
#include "hal/sim/sim_tamper_switch.h"
#include "hal/timed_lock_relay.h"

namespace vto::hal::sim {

// One added module of the facade layout (the camera module is always first, implicitly).
struct SimModuleSpec {
  ModuleKind kind = ModuleKind::Blank;
  std::size_t buttons = 0;  // Buttons modules only: 1, 2 or 5
  Presence presence = Presence::Found;
};

struct SimPanelConfig {
  std::vector<SimModuleSpec> modules;  // in layout order, after the camera module
  DisplayTraits display;
};

// Checks a layout: 1, 2 or 5 buttons per button module (none elsewhere), no Camera entry,
// at most one keypad, card reader, fingerprint, display and indicator module.
Result<void> check_config(const SimPanelConfig& config);

class SimPanel;
using SimPanelPtr = std::unique_ptr<SimPanel>;

class SimPanel final : public DoorModules {
 public:
  // Fails with check_config()'s error. `timers` must outlive the panel.
  static Result<SimPanelPtr> create(core::Timers& timers, const SimPanelConfig& config);
  // Prefer create(); the config must pass check_config() (std::invalid_argument otherwise).
  SimPanel(core::Timers& timers, const SimPanelConfig& config);
  SimPanel(const SimPanel&) = delete;
  SimPanel& operator=(const SimPanel&) = delete;

  // The interfaces the core uses. Optional modules are nullptr when not configured.
  CallButtons& call_buttons() override { return buttons_; }
  Keypad* keypad() override { return keypad_ ? &*keypad_ : nullptr; }
  Indicators* indicators() override { return indicators_ ? &*indicators_ : nullptr; }
  Display* display() override { return display_ ? &*display_ : nullptr; }
  CardReader* card_reader() override { return card_reader_ ? &*card_reader_ : nullptr; }
  FingerprintReader* fingerprint_reader() override {
    return fingerprint_ ? &*fingerprint_ : nullptr;
  }
  TimedLockRelay& lock() override { return lock_; }
  DoorSensor& door_sensor() override { return door_; }
  ExitButton& exit_button() override { return exit_; }
  TamperSwitch& tamper_switch() override { return tamper_; }
  ModuleBus& module_bus() override { return bus_; }

  // Entry points of the virtual panel. press() takes "button1".."buttonN", "0"-"9", "*",
  // "#", "call", "centre", "prev", "next" or "exit" and refuses anything else, a button
  // number out of range, and keys of a module that is not configured or missing.
  Result<void> press(std::string_view key);
  // A card held to the card reader, a finger laid on the fingerprint module. Refused, with
  // nothing emitted, for a malformed number or name and a module not configured or missing.
  Result<void> present_card(std::string_view number);
  Result<void> touch_finger(std::string_view name);
  // A finger that is not enrolled (while enrolling: the finger enrolled); its name.
  Result<std::string> touch_new_finger();
  void set_door_open(bool open);
  void set_tamper_detached(bool detached);
  Result<void> set_module_present(std::size_t position, bool present);

  SimPanelState state() const;

 private:
  Result<void> press_button(std::string_view key, std::string_view number);
  Result<void> check_present(std::string_view key, std::optional<std::size_t> position) const;
  // Refuses when the module of `kind` is not configured or missing; `what` names the action.
  Result<void> check_module(ModuleKind kind, bool configured, std::string_view what) const;

  SimModuleBus bus_;
  SimCallButtons buttons_;
  std::vector<std::size_t> button_module_;  // module position of each call button
  std::optional<SimKeypad> keypad_;
  std::optional<std::size_t> keypad_position_;
  std::optional<SimIndicators> indicators_;
  std::optional<SimDisplay> display_;
  std::optional<SimCardReader> card_reader_;
  std::optional<SimFingerprintReader> fingerprint_;
  SimOutput lock_output_;
  TimedLockRelay lock_;
  SimDoorSensor door_;
  SimExitButton exit_;
  SimTamperSwitch tamper_;
};

}  // namespace vto::hal::sim
