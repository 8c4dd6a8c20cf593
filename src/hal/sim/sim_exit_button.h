// SimExitButton: the exit button, pressed from the virtual panel.
#pragma once

#include "hal/exit_button.h"

namespace vto::hal::sim {

class SimExitButton final : public ExitButton {
 public:
  ListenerId add_listener(Listener fn) override { return listeners_.add(std::move(fn)); }
  void remove_listener(ListenerId id) override { listeners_.remove(id); }

  void press() { listeners_.emit(); }

 private:
  Listeners<> listeners_;
};

}  // namespace vto::hal::sim
