// Timers on a Boost.Asio io_context: the real clock of vtod and the tools.
#pragma once

#include <memory>

#include "core/timers.h"

namespace boost::asio {
class io_context;
}

namespace vto::core {

class AsioTimers final : public Timers {
 public:
  explicit AsioTimers(boost::asio::io_context& io);
  ~AsioTimers() override;

  TimePoint now() const override { return SteadyClock::now(); }
  Id start(Duration after, Callback fn) override;
  void cancel(Id id) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vto::core
