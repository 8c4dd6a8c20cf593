// The board a door station runs on: what gives the panel its modules and the door its
// camera, microphone and speaker. A board builds the
// modules of a facade layout (the call buttons, keypad, lock, lights, display, card reader,
// fingerprint module, door sensor, exit button, tamper switch and the module bus that says
// which are plugged in), again whenever the installer changes the facade. The simulated
// board (sim/sim_board.h) implements it today; a Linux board's GPIO, evdev and serial
// backends implement the same interfaces.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "hal/binary_output.h"
#include "hal/call_buttons.h"
#include "hal/card_reader.h"
#include "hal/display.h"
#include "hal/door_sensor.h"
#include "hal/exit_button.h"
#include "hal/fingerprint_reader.h"
#include "hal/indicators.h"
#include "hal/keypad.h"
#include "hal/media.h"
#include "hal/module_bus.h"
#include "hal/tamper_switch.h"
#include "hal/timed_lock_relay.h"

namespace vto::hal {

// One module of the facade layout, after the camera module (which is always first).
struct ModuleSlot {
  ModuleKind kind = ModuleKind::Blank;
  std::size_t buttons = 0;  // button modules: 1, 2 or 5
};

// The modules of one layout. Optional modules are nullptr when the layout has none.
class DoorModules {
 public:
  virtual ~DoorModules() = default;
  virtual CallButtons& call_buttons() = 0;
  virtual Keypad* keypad() = 0;
  virtual Indicators* indicators() = 0;
  virtual Display* display() = 0;
  virtual CardReader* card_reader() = 0;
  virtual FingerprintReader* fingerprint_reader() = 0;
  virtual TimedLockRelay& lock() = 0;
  virtual DoorSensor& door_sensor() = 0;
  virtual ExitButton& exit_button() = 0;
  virtual TamperSwitch& tamper_switch() = 0;
  virtual ModuleBus& module_bus() = 0;
  // An alarm sounder wired beside the speaker (a board's GPIO line); nullptr: none.
  virtual BinaryOutput* sounder() { return nullptr; }
};

class Board {
 public:
  virtual ~Board() = default;
  // What the device page says it is, e.g. "OpenVTO modular door station (simulated modules)".
  virtual std::string description() const = 0;
  // The door's camera, microphone and speaker.
  virtual MediaDevices media_devices() const = 0;
  // Builds the modules of `layout`; refused (naming the fault) for a layout the board
  // cannot have. The old modules stay in use until the caller lets go of them.
  virtual Result<std::unique_ptr<DoorModules>> modules(const std::vector<ModuleSlot>& layout) = 0;
};

}  // namespace vto::hal
