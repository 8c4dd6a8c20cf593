#include "app/port_mover.h"

namespace vto::app {

void PortMover::add(std::string name, std::uint16_t from, std::uint16_t to, Bind bind, Then then) {
  if (from == to) return;
  moves_.push_back({std::move(name), from, to, std::move(bind), std::move(then)});
}

Result<void> PortMover::apply() {
  for (moved_ = 0; moved_ < moves_.size(); ++moved_) {
    Move& m = moves_[moved_];
    if (auto r = m.bind(m.to); !r) {
      undo();
      return make_error(m.name + " port " + std::to_string(m.to) + ": " + r.error().message,
                        Errc::Conflict);
    }
    if (m.then) m.then(m.to);
  }
  return {};
}

void PortMover::undo() {
  while (moved_ > 0) {
    Move& m = moves_[--moved_];
    (void)m.bind(m.from);
    if (m.then) m.then(m.from);
  }
}

}  // namespace vto::app
