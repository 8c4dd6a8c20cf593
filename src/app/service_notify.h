// The service manager's notifications (systemd's sd_notify protocol, written here: one
// datagram to the unix socket in $NOTIFY_SOCKET): READY=1 once vtod serves, STOPPING=1 when
// it stops, and, when the unit sets WatchdogSec= ($WATCHDOG_USEC), WATCHDOG=1 at half that
// period from the core thread's timers. A core thread that hangs stops the pings, and
// systemd kills vtod and starts it again, which drives the lock locked first. Without
// $NOTIFY_SOCKET (not started by systemd) nothing is sent.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/timers.h"

namespace vto::app {

class ServiceNotify {
 public:
  // Reads and clears the environment (so that programs vtod starts do not notify).
  ServiceNotify();
  void ready();
  void stopping();
  // Starts the watchdog pings on `timers` when the unit asks for them.
  void start_watchdog(core::Timers& timers);
  // The ping period, when there is one (half of WatchdogSec).
  std::optional<std::chrono::microseconds> watchdog_period() const { return period_; }

 private:
  void send(const std::string& state);
  void ping(core::Timers& timers);
  std::string socket_;
  std::optional<std::chrono::microseconds> period_;
};

}  // namespace vto::app
