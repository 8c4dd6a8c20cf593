// SimCallButtons: call buttons pressed from the virtual panel.
#pragma once

#include <cstddef>

#include "hal/call_buttons.h"

namespace vto::hal::sim {

class SimCallButtons final : public CallButtons {
 public:
  explicit SimCallButtons(std::size_t count) : count_(count) {}

  CallButtonsTraits traits() const override { return {count_}; }
  ListenerId add_key_listener(KeyListener fn) override { return listeners_.add(std::move(fn)); }
  void remove_key_listener(ListenerId id) override { listeners_.remove(id); }

  // A click: Pressed then Released for the 0-based `index` (< traits().count, checked by
  // the caller; SimPanel validates what comes from the API).
  void press(std::size_t index) {
    listeners_.emit(KeyEvent{Key::CallButton, KeyAction::Pressed, index});
    listeners_.emit(KeyEvent{Key::CallButton, KeyAction::Released, index});
  }

 private:
  std::size_t count_;
  Listeners<const KeyEvent&> listeners_;
};

}  // namespace vto::hal::sim
