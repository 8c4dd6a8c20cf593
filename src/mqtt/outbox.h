// Outbox: the event messages on their way to the broker, oldest first, at most `cap` of
// them (the oldest go to make room). A message is handed to the connection once (its
// message id remembered) and leaves when the broker has it (published()). While the broker
// is away, messages wait here; the owner saves each one (mqtt_outbox table) so that a
// restart loses none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace vto::mqtt {

struct OutMessage {
  std::int64_t id = 0;     // increasing, the saved row's id
  std::int64_t at_ms = 0;  // when the event happened (unix ms)
  std::string topic;
  std::string payload;
  bool ring = false;  // a doorbell ring for home automation: stale after kRingMaxAge
  std::optional<int> mid = std::nullopt;  // handed over: libmosquitto's message id
};

class Outbox {
 public:
  explicit Outbox(std::size_t cap) : cap_(cap) {}

  // Messages saved by an earlier run, oldest first (none handed over).
  void load(std::vector<OutMessage> saved);
  // Queues a message; `dropped` gets the ids of the oldest ones that made room.
  const OutMessage& add(std::int64_t at_ms, std::string topic, std::string payload, bool ring,
                        std::vector<std::int64_t>& dropped);
  // The oldest message not handed over yet; nullptr: none.
  OutMessage* next_unsent();
  void handed(std::int64_t id, int mid);
  // Takes a message out (delivered, or not to be sent); its id, if it was there.
  std::optional<std::int64_t> remove_mid(int mid);
  void remove(std::int64_t id);
  // The connection is gone: what was handed over and not acknowledged goes again on the
  // next one. (libmosquitto may send a QoS 1 or 2 copy again itself: at least once, never
  // lost; consumers tell copies apart by the event's "id".)
  void connection_lost();

  std::int64_t next_id() const { return next_id_; }  // the id add() gives next
  std::size_t size() const { return queue_.size(); }
  std::uint64_t dropped_total() const { return dropped_total_; }
  const std::deque<OutMessage>& messages() const { return queue_; }

 private:
  std::size_t cap_;
  std::deque<OutMessage> queue_;
  std::int64_t next_id_ = 1;
  std::uint64_t dropped_total_ = 0;
};

}  // namespace vto::mqtt
