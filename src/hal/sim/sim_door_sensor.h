// SimDoorSensor: the door contact, set from the virtual panel. Emits on changes only.
#pragma once

#include "hal/door_sensor.h"

namespace vto::hal::sim {

class SimDoorSensor final : public DoorSensor {
 public:
  DoorState state() const override { return state_; }
  ListenerId add_listener(Listener fn) override { return listeners_.add(std::move(fn)); }
  void remove_listener(ListenerId id) override { listeners_.remove(id); }

  void set_state(DoorState state) {
    if (state == state_) return;
    state_ = state;
    listeners_.emit(state);
  }

 private:
  DoorState state_ = DoorState::Closed;
  Listeners<DoorState> listeners_;
};

}  // namespace vto::hal::sim
