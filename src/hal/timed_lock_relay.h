// TimedLockRelay: the one LockRelay implementation, for every backend. It keeps the hold
// time on the injected core::Timers and drives a BinaryOutput (a GPIO line on Linux, a flag
// in the sim), as ESPHome's OutputLock wraps any output.
#pragma once

#include <optional>
#include <utility>

#include "core/timers.h"
#include "hal/binary_output.h"
#include "hal/lock_relay.h"

namespace vto::hal {

class TimedLockRelay final : public LockRelay {
 public:
  // `timers` and `output` must outlive the relay. The output is written locked at start
  // (off, or on for a normally closed relay).
  TimedLockRelay(core::Timers& timers, BinaryOutput& output, bool normally_closed = false);
  ~TimedLockRelay() override;
  TimedLockRelay(const TimedLockRelay&) = delete;
  TimedLockRelay& operator=(const TimedLockRelay&) = delete;

  void open_for(core::Duration hold) override;
  void close() override;
  bool is_open() const override { return open_; }
  // Closes, and writes the locked level to the output even if it was locked already: what a
  // board does last before it lets the line go.
  void write_locked();
  // The relay type: normally open (the default: the line is on while the door is open) or
  // normally closed (the line is on while the door is locked). Rewrites the line at once.
  void set_normally_closed(bool normally_closed);
  ListenerId add_listener(Listener fn) override { return listeners_.add(std::move(fn)); }
  void remove_listener(ListenerId id) override { listeners_.remove(id); }

 private:
  void set_open(bool open);
  void cancel_hold();

  core::Timers& timers_;
  BinaryOutput& output_;
  bool open_ = false;
  bool normally_closed_ = false;
  std::optional<core::Timers::Id> hold_timer_;
  Listeners<bool> listeners_;
};

}  // namespace vto::hal
