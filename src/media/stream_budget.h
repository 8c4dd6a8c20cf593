// The six video streams: every viewer of the camera holds a
// ticket, whatever carries its stream (a call, a SIP monitor session, an RTSP session, the
// browser's live view). A viewer past the limit is refused (SIP 486, RTSP 453, HTTP 503) and
// nobody else notices; a visitor's call is never refused: when the budget is full, the
// oldest viewer that is not a call is ended to make room (its `evict` is called) and the
// call takes its place.
//
// Thread-safe: the core thread, the RTSP server's thread and the web server take and give
// back tickets. `evict` is called outside the lock, on the thread whose call needed the room:
// it must only ask its viewer to end (post, invoke), never wait for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string_view>

namespace vto::media {

class StreamBudget {
 public:
  enum class Kind { Call, Monitor, Rtsp, Browser };
  using Ticket = std::uint64_t;

  static constexpr std::size_t kDefaultLimit = 6;

  explicit StreamBudget(std::size_t limit = kDefaultLimit) : limit_(limit) {}

  // A viewer's ticket, or nullopt when `limit` streams are already running. `evict` ends
  // this viewer when a call needs its room (its ticket is already given back then).
  std::optional<Ticket> acquire(Kind kind, std::function<void()> evict);
  // A call's ticket: always granted. When the budget is full, the oldest non-call viewer
  // is evicted first (if every stream is a call, the call goes over the limit).
  Ticket acquire_call();
  // Gives a ticket back; unknown and already evicted tickets are ignored.
  void release(Ticket ticket);

  std::size_t in_use() const;
  std::size_t in_use(Kind kind) const;
  std::size_t limit() const { return limit_; }

 private:
  struct Holder {
    Ticket ticket;
    Kind kind;
    std::function<void()> evict;
  };

  const std::size_t limit_;
  mutable std::mutex mutex_;
  Ticket next_ = 1;
  std::list<Holder> holders_;  // oldest first
};

std::string_view kind_name(StreamBudget::Kind kind);

}  // namespace vto::media
