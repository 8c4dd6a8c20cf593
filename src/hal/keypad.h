// Keypad: the keyboard module (digits, '*', '#', call, call-centre, previous, next).
// Emits every Key except Key::CallButton.
#pragma once

#include <memory>

#include "hal/key_source.h"

namespace vto::hal {

class Keypad : public KeySource {};

using KeypadPtr = std::unique_ptr<Keypad>;

}  // namespace vto::hal
