// Brute-force brakes: counts failures per key (an address, an IPv6 /64, a user name)
// within a window; the failure that reaches the threshold blocks the key, and each block
// that follows an earlier one lasts twice as long (up to a cap), the way fail2ban's
// "recidive" jail answers a source that comes back. A key with no failure for a whole
// window after its block ended starts afresh.
//
// The table is bounded: when full, the key with the oldest activity goes first, unless it
// is blocked and another is not. Reads no clock: every call takes `now`.
#pragma once

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/timers.h"

namespace vto::core {

struct FailurePolicy {
  int max_failures = 5;                         // within `window`: the last one blocks
  Duration window = std::chrono::minutes(10);   // failures further apart are forgotten
  Duration block = std::chrono::minutes(1);     // the first block
  Duration max_block = std::chrono::hours(24);  // blocks double up to this
  std::size_t max_keys = 16384;                 // keys remembered
};

class FailureLimiter {
 public:
  explicit FailureLimiter(FailurePolicy policy = {});

  // The time left when `key` is blocked; nothing when it is not.
  std::optional<Duration> blocked(std::string_view key, TimePoint now) const;
  // Counts a failure. Returns the length of the block this failure starts, if it starts one.
  std::optional<Duration> failure(std::string_view key, TimePoint now);
  // Failures of `key` within the window (its block, if any, does not end).
  int failures(std::string_view key, TimePoint now) const;
  // Every key blocked now, with the time left.
  std::vector<std::pair<std::string, Duration>> blocked_keys(TimePoint now) const;
  // Forgets `key`: its count and its block (a success, or an administrator's word).
  void clear(std::string_view key);
  void clear_all();

  const FailurePolicy& policy() const { return policy_; }
  // New figures for the failures to come; blocks already running keep their end.
  void set_policy(const FailurePolicy& policy) { policy_ = policy; }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string key;
    int count = 0;
    TimePoint first{};  // of the failures counted
    TimePoint last{};
    std::optional<TimePoint> blocked_until;
    int blocks = 0;  // blocks so far: the next one lasts block * 2^blocks
  };
  using List = std::list<Entry>;  // most recently active first

  void expire(Entry& entry, TimePoint now) const;
  void make_room(TimePoint now);

  FailurePolicy policy_;
  List order_;
  std::unordered_map<std::string_view, List::iterator> entries_;  // views into order_'s keys
};

// The key a source's failures count under: "192.0.2.7" for IPv4, "2001:db8:1:2::/64" for
// IPv6 (a host has a whole /64 to pick addresses from).
std::string source_key(std::string_view ip);

}  // namespace vto::core
