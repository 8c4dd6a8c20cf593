// ExitButton: the request-to-exit input inside the building (camera module).
#pragma once

#include <functional>
#include <memory>

#include "hal/listeners.h"

namespace vto::hal {

class ExitButton {
 public:
  using Listener = std::function<void()>;

  virtual ~ExitButton() = default;
  virtual ListenerId add_listener(Listener fn) = 0;
  virtual void remove_listener(ListenerId id) = 0;
};

using ExitButtonPtr = std::unique_ptr<ExitButton>;

}  // namespace vto::hal
