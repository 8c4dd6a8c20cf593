// Timers: the injected clock of the core. Everything that waits (SIP transaction
// timers, registration expiry, lock timings) asks a Timers for the time and for
// callbacks, so tests drive time with ManualTimers instead of sleeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

namespace vto::core {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;
using Duration = std::chrono::milliseconds;

class Timers {
 public:
  using Id = std::uint64_t;
  using Callback = std::function<void()>;

  virtual ~Timers() = default;
  virtual TimePoint now() const = 0;
  // Calls `fn` once, `after` from now, on the core thread. Returns an id for cancel().
  virtual Id start(Duration after, Callback fn) = 0;
  // Cancelling an id that already fired or was cancelled is a no-op.
  virtual void cancel(Id id) = 0;
};

using TimersPtr = std::unique_ptr<Timers>;

// Simulated time for tests: nothing fires until advance() moves the clock.
class ManualTimers final : public Timers {
 public:
  TimePoint now() const override { return now_; }
  Id start(Duration after, Callback fn) override;
  void cancel(Id id) override;

  // Moves the clock forward by `by`, firing every due timer in time order
  // (timers started by callbacks fire too when they fall inside the window).
  void advance(Duration by);
  std::size_t pending() const { return queue_.size(); }

 private:
  TimePoint now_{};
  Id next_id_ = 1;
  std::multimap<TimePoint, std::pair<Id, Callback>> queue_;
};

}  // namespace vto::core
