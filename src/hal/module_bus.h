// ModuleBus: the inventory of the facade modules on the cascade bus. Each configured
// module has a kind, a position in the facade layout and a presence; a configured module
// that is not found is reported missing while the others keep working.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "hal/listeners.h"

namespace vto::hal {

enum class ModuleKind {
  Camera,  // always there: camera, microphone, speaker, tamper, lock, door sensor, exit
  Indicators,
  Audio,
  Buttons,
  Keypad,
  CardReader,
  Fingerprint,
  Display,
  Blank,
};

enum class Presence { Found, Missing };

std::string_view module_kind_name(ModuleKind kind);  // "camera", "buttons", "keypad"...
std::optional<ModuleKind> module_kind_from_name(std::string_view name);
std::string_view presence_name(Presence presence);  // "found" / "missing"

struct ModuleStatus {
  std::size_t position = 0;  // index in the facade layout, 0 is the camera module
  ModuleKind kind = ModuleKind::Camera;
  Presence presence = Presence::Found;

  bool operator==(const ModuleStatus&) const = default;
};

class ModuleBus {
 public:
  using Listener = std::function<void(const ModuleStatus&)>;

  virtual ~ModuleBus() = default;
  // Every configured module in layout order, with its presence as last seen on the bus.
  virtual std::vector<ModuleStatus> modules() const = 0;
  // Hears presence changes (a module lost or found again).
  virtual ListenerId add_listener(Listener fn) = 0;
  virtual void remove_listener(ListenerId id) = 0;
};

using ModuleBusPtr = std::unique_ptr<ModuleBus>;

}  // namespace vto::hal
