// KeySource: the capability shared by every device that produces key presses (call
// buttons, keypad; later a Wiegand card reader's keys), like ESPHome's KeyProvider, so one
// consumer (dialler, PIN collector) serves all of them.
//
// Threading: events are delivered on the core thread. A backend with its own threads
// (evdev reader, GPIO line watcher) must post to the core's io_context before emitting.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "hal/listeners.h"

namespace vto::hal {

enum class Key {
  Digit0,
  Digit1,
  Digit2,
  Digit3,
  Digit4,
  Digit5,
  Digit6,
  Digit7,
  Digit8,
  Digit9,
  Star,
  Hash,
  Call,
  Centre,
  Prev,
  Next,
  CallButton,  // a call button of a button module; KeyEvent::button says which
};

enum class KeyAction { Pressed, Released };

struct KeyEvent {
  Key key = Key::Digit0;
  KeyAction action = KeyAction::Pressed;
  std::size_t button = 0;  // 0-based call button index, meaningful for Key::CallButton only

  bool operator==(const KeyEvent&) const = default;
};

// "0"-"9", "*", "#", "call", "centre", "prev", "next"; "button" for Key::CallButton.
std::string_view key_name(Key key);
// The keypad key with that name (not "button"), or nullopt.
std::optional<Key> keypad_key_from_name(std::string_view name);

class KeySource {
 public:
  using KeyListener = std::function<void(const KeyEvent&)>;

  virtual ~KeySource() = default;
  virtual ListenerId add_key_listener(KeyListener fn) = 0;
  virtual void remove_key_listener(ListenerId id) = 0;
};

}  // namespace vto::hal
