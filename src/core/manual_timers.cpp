#include "core/timers.h"

namespace vto::core {

Timers::Id ManualTimers::start(Duration after, Callback fn) {
  Id id = next_id_++;
  queue_.emplace(now_ + after, std::make_pair(id, std::move(fn)));
  return id;
}

void ManualTimers::cancel(Id id) {
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->second.first == id) {
      queue_.erase(it);
      return;
    }
  }
}

void ManualTimers::advance(Duration by) {
  const TimePoint until = now_ + by;
  while (!queue_.empty() && queue_.begin()->first <= until) {
    auto node = queue_.extract(queue_.begin());
    now_ = node.key();
    node.mapped().second();
  }
  now_ = until;
}

}  // namespace vto::core
