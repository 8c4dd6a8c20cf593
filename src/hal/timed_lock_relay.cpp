#include "hal/timed_lock_relay.h"

namespace vto::hal {

TimedLockRelay::TimedLockRelay(core::Timers& timers, BinaryOutput& output, bool normally_closed)
    : timers_(timers), output_(output), normally_closed_(normally_closed) {
  output_.write(normally_closed_);  // locked
}

TimedLockRelay::~TimedLockRelay() {
  cancel_hold();
}

void TimedLockRelay::open_for(core::Duration hold) {
  cancel_hold();
  hold_timer_ = timers_.start(hold, [this] {
    hold_timer_.reset();
    set_open(false);
  });
  set_open(true);
}

void TimedLockRelay::close() {
  cancel_hold();
  set_open(false);
}

void TimedLockRelay::write_locked() {
  cancel_hold();
  if (open_) {
    set_open(false);  // writes it, and tells the listeners
  } else {
    output_.write(normally_closed_);
  }
}

void TimedLockRelay::set_open(bool open) {
  if (open == open_) return;
  open_ = open;
  output_.write(open != normally_closed_);
  listeners_.emit(open);
}

void TimedLockRelay::set_normally_closed(bool normally_closed) {
  if (normally_closed == normally_closed_) return;
  normally_closed_ = normally_closed;
  output_.write(open_ != normally_closed_);
}

void TimedLockRelay::cancel_hold() {
  if (hold_timer_) timers_.cancel(*hold_timer_);
  hold_timer_.reset();
}

}  // namespace vto::hal
