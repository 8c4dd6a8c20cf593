#include "media/stream_budget.h"

#include <algorithm>
#include <utility>

namespace vto::media {

std::optional<StreamBudget::Ticket> StreamBudget::acquire(Kind kind, std::function<void()> evict) {
  std::lock_guard lock(mutex_);
  if (holders_.size() >= limit_) return std::nullopt;
  const Ticket ticket = next_++;
  holders_.push_back({ticket, kind, std::move(evict)});
  return ticket;
}

StreamBudget::Ticket StreamBudget::acquire_call() {
  std::function<void()> evict;
  Ticket ticket = 0;
  {
    std::lock_guard lock(mutex_);
    if (holders_.size() >= limit_) {
      const auto oldest = std::find_if(holders_.begin(), holders_.end(),
                                       [](const Holder& h) { return h.kind != Kind::Call; });
      if (oldest != holders_.end()) {
        evict = std::move(oldest->evict);
        holders_.erase(oldest);
      }
    }
    ticket = next_++;
    holders_.push_back({ticket, Kind::Call, {}});
  }
  if (evict) evict();
  return ticket;
}

void StreamBudget::release(Ticket ticket) {
  std::lock_guard lock(mutex_);
  holders_.remove_if([ticket](const Holder& h) { return h.ticket == ticket; });
}

std::size_t StreamBudget::in_use() const {
  std::lock_guard lock(mutex_);
  return holders_.size();
}

std::size_t StreamBudget::in_use(Kind kind) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(
      holders_.begin(), holders_.end(), [kind](const Holder& h) { return h.kind == kind; }));
}

std::string_view kind_name(StreamBudget::Kind kind) {
  switch (kind) {
    case StreamBudget::Kind::Call:
      return "call";
    case StreamBudget::Kind::Monitor:
      return "monitor";
    case StreamBudget::Kind::Rtsp:
      return "rtsp";
    case StreamBudget::Kind::Browser:
      return "browser";
  }
  return "call";
}

}  // namespace vto::media
