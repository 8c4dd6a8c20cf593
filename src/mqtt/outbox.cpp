#include "mqtt/outbox.h"

#include <algorithm>

namespace vto::mqtt {

void Outbox::load(std::vector<OutMessage> saved) {
  std::vector<std::int64_t> dropped;
  for (auto& m : saved) {
    next_id_ = std::max(next_id_, m.id + 1);
    m.mid.reset();
    queue_.push_back(std::move(m));
  }
  while (queue_.size() > cap_) {
    queue_.pop_front();
    ++dropped_total_;
  }
}

const OutMessage& Outbox::add(std::int64_t at_ms, std::string topic, std::string payload, bool ring,
                              std::vector<std::int64_t>& dropped) {
  while (!queue_.empty() && queue_.size() >= cap_) {
    dropped.push_back(queue_.front().id);
    queue_.pop_front();
    ++dropped_total_;
  }
  queue_.push_back(OutMessage{next_id_++, at_ms, std::move(topic), std::move(payload), ring});
  return queue_.back();
}

OutMessage* Outbox::next_unsent() {
  const auto it = std::ranges::find_if(queue_, [](const OutMessage& m) { return !m.mid; });
  return it == queue_.end() ? nullptr : &*it;
}

void Outbox::handed(std::int64_t id, int mid) {
  const auto it = std::ranges::find_if(queue_, [&](const OutMessage& m) { return m.id == id; });
  if (it != queue_.end()) it->mid = mid;
}

std::optional<std::int64_t> Outbox::remove_mid(int mid) {
  const auto it = std::ranges::find_if(queue_, [&](const OutMessage& m) { return m.mid == mid; });
  if (it == queue_.end()) return std::nullopt;
  const std::int64_t id = it->id;
  queue_.erase(it);
  return id;
}

void Outbox::remove(std::int64_t id) {
  std::erase_if(queue_, [&](const OutMessage& m) { return m.id == id; });
}

void Outbox::connection_lost() {
  for (auto& m : queue_) m.mid.reset();
}

}  // namespace vto::mqtt
