// LockRelay: the door lock's relay. open_for() releases the lock for a hold time and the
// relay closes by itself afterwards; listeners hear every change of state (the unlock
// indicator and the unlock records follow it).
#pragma once

#include <functional>
#include <memory>

#include "core/timers.h"
#include "hal/listeners.h"

namespace vto::hal {

class LockRelay {
 public:
  using Listener = std::function<void(bool open)>;

  virtual ~LockRelay() = default;
  // Opens (or keeps open) the lock and (re)starts the hold time at `hold` from now.
  virtual void open_for(core::Duration hold) = 0;
  // Closes at once and cancels the pending hold time; a no-op when already closed.
  virtual void close() = 0;
  virtual bool is_open() const = 0;
  virtual ListenerId add_listener(Listener fn) = 0;
  virtual void remove_listener(ListenerId id) = 0;
};

using LockRelayPtr = std::unique_ptr<LockRelay>;

}  // namespace vto::hal
