// SimTamperSwitch: the tamper switch, set from the virtual panel. Emits on changes only.
#pragma once

#include "hal/tamper_switch.h"

namespace vto::hal::sim {

class SimTamperSwitch final : public TamperSwitch {
 public:
  TamperState state() const override { return state_; }
  ListenerId add_listener(Listener fn) override { return listeners_.add(std::move(fn)); }
  void remove_listener(ListenerId id) override { listeners_.remove(id); }

  void set_state(TamperState state) {
    if (state == state_) return;
    state_ = state;
    listeners_.emit(state);
  }

 private:
  TamperState state_ = TamperState::Attached;
  Listeners<TamperState> listeners_;
};

}  // namespace vto::hal::sim
