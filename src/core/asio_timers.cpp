#include "core/asio_timers.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <unordered_map>

namespace vto::core {

struct AsioTimers::Impl {
  explicit Impl(boost::asio::io_context& io_context) : io(io_context) {}
  boost::asio::io_context& io;
  Id next_id = 1;
  std::unordered_map<Id, std::unique_ptr<boost::asio::steady_timer>> timers;
};

AsioTimers::AsioTimers(boost::asio::io_context& io) : impl_(std::make_unique<Impl>(io)) {}
AsioTimers::~AsioTimers() = default;

Timers::Id AsioTimers::start(Duration after, Callback fn) {
  Id id = impl_->next_id++;
  auto timer = std::make_unique<boost::asio::steady_timer>(impl_->io, after);
  timer->async_wait(
      [impl = impl_.get(), id, fn = std::move(fn)](const boost::system::error_code& ec) {
        // A timer cancelled after it expired but before this handler ran is gone from the map.
        if (ec || impl->timers.erase(id) == 0) return;
        fn();
      });
  impl_->timers.emplace(id, std::move(timer));
  return id;
}

void AsioTimers::cancel(Id id) {
  auto it = impl_->timers.find(id);
  if (it == impl_->timers.end()) return;
  it->second->cancel();
  impl_->timers.erase(it);
}

}  // namespace vto::core
