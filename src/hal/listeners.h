// Listeners<Args...>: the callbacks registered on a HAL device. Every HAL interface is
// event-driven: the core adds a listener, the backend emits on the core thread.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace vto::hal {

using ListenerId = std::uint64_t;

template <class... Args>
class Listeners {
 public:
  using Fn = std::function<void(Args...)>;

  ListenerId add(Fn fn) {
    const ListenerId id = next_id_++;
    fns_.emplace_back(id, std::move(fn));
    return id;
  }

  // Removing an id that is unknown or already removed is a no-op.
  void remove(ListenerId id) {
    std::erase_if(fns_, [id](const auto& entry) { return entry.first == id; });
  }

  // Calls every listener in the order they were added. Iterates over a copy so a
  // listener may add or remove listeners; those changes apply from the next emit.
  void emit(Args... args) const {
    const auto snapshot = fns_;
    for (const auto& entry : snapshot) entry.second(args...);
  }

  std::size_t size() const { return fns_.size(); }

 private:
  ListenerId next_id_ = 1;
  std::vector<std::pair<ListenerId, Fn>> fns_;
};

}  // namespace vto::hal
