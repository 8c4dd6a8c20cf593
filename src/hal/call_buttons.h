// CallButtons: the call buttons of all button modules, numbered across the facade
// (top to bottom, then left to right), 0-based. Emits Key::CallButton events.
#pragma once

#include <cstddef>
#include <memory>

#include "hal/key_source.h"

namespace vto::hal {

struct CallButtonsTraits {
  std::size_t count = 0;  // 1, 2 or 5 per button module, summed over the modules
};

class CallButtons : public KeySource {
 public:
  virtual CallButtonsTraits traits() const = 0;
};

using CallButtonsPtr = std::unique_ptr<CallButtons>;

}  // namespace vto::hal
