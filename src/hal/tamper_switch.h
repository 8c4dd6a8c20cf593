// TamperSwitch: detects the station being taken off the wall. Listeners hear changes only.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "hal/listeners.h"

namespace vto::hal {

enum class TamperState { Attached, Detached };

constexpr std::string_view tamper_state_name(TamperState state) {
  return state == TamperState::Detached ? "detached" : "attached";
}

class TamperSwitch {
 public:
  using Listener = std::function<void(TamperState)>;

  virtual ~TamperSwitch() = default;
  virtual TamperState state() const = 0;
  virtual ListenerId add_listener(Listener fn) = 0;
  virtual void remove_listener(ListenerId id) = 0;
};

using TamperSwitchPtr = std::unique_ptr<TamperSwitch>;

}  // namespace vto::hal
