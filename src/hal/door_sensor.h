// DoorSensor: the door contact input of the camera module. Listeners hear changes only.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "hal/listeners.h"

namespace vto::hal {

enum class DoorState { Closed, Open };

constexpr std::string_view door_state_name(DoorState state) {
  return state == DoorState::Open ? "open" : "closed";
}

class DoorSensor {
 public:
  using Listener = std::function<void(DoorState)>;

  virtual ~DoorSensor() = default;
  virtual DoorState state() const = 0;
  virtual ListenerId add_listener(Listener fn) = 0;
  virtual void remove_listener(ListenerId id) = 0;
};

using DoorSensorPtr = std::unique_ptr<DoorSensor>;

}  // namespace vto::hal
