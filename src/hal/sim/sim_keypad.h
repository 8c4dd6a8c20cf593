// SimKeypad: the keyboard module, keys pressed from the virtual panel.
#pragma once

#include "hal/keypad.h"

namespace vto::hal::sim {

class SimKeypad final : public Keypad {
 public:
  ListenerId add_key_listener(KeyListener fn) override { return listeners_.add(std::move(fn)); }
  void remove_key_listener(ListenerId id) override { listeners_.remove(id); }

  // A click: Pressed then Released. `key` is a keypad key, not Key::CallButton.
  void press(Key key) {
    listeners_.emit(KeyEvent{key, KeyAction::Pressed, 0});
    listeners_.emit(KeyEvent{key, KeyAction::Released, 0});
  }

 private:
  Listeners<const KeyEvent&> listeners_;
};

}  // namespace vto::hal::sim
