// WS-Security UsernameToken freshness for ONVIF: the token's Created time must be within
// kWindow of the door's clock, and its Nonce must not have been used before within that
// window (a captured request replayed is refused). The digest itself is checked by
// api::ViewerAuth (the account's ONVIF password, with the lock-out of failed logins).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace vto::onvif {

// "2025-06-01T12:34:56+00:00" (Home Assistant), "2025-06-01T12:34:56.123456789Z" (go2rtc):
// a fraction of 0-9 digits, then Z or an offset. Unix ms; none when malformed.
std::optional<std::int64_t> parse_created_ms(std::string_view text);

class NonceCache {
 public:
  static constexpr std::int64_t kWindowMs = 5 * 60 * 1000;  // each side of the door's clock
  static constexpr std::size_t kCap = 8192;

  enum class Verdict { Fresh, Stale, Replay };

  explicit NonceCache(std::size_t cap = kCap) : cap_(cap) {}

  // A token with this nonce and Created, now: Fresh (and remembered), Stale (Created out
  // of the window, or older than what a full cache still remembers) or Replay.
  Verdict check(const std::string& nonce, std::int64_t created_ms, std::int64_t now_ms);
  std::size_t size() const { return nonces_.size(); }

 private:
  void forget_before(std::int64_t ms);

  std::size_t cap_;
  std::set<std::string> nonces_;
  std::multimap<std::int64_t, std::string> by_created_;
  std::int64_t floor_ms_ = INT64_MIN;  // tokens created before this are refused (cache full)
};

}  // namespace vto::onvif
