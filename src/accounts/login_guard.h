// Brute-force protection of the web login (docs/security.md): after too many failed logins
// to one account from one address, that account is locked for that address for a while.
// Another address keeps its own count, so an attacker cannot lock the owner out from
// elsewhere. Failures count within a sliding window as long as the lock. The table is
// bounded for a flood of made-up names or addresses, and reads no clock: every call
// takes `now`.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/timers.h"

namespace vto::accounts {

struct LoginGuardConfig {
  int max_failures = 5;                           // within `lock`: the last one locks
  core::Duration lock = std::chrono::minutes(5);  // also the window failures count in
  std::size_t max_keys = 4096;                    // (user, address) pairs remembered
};

class LoginGuard {
 public:
  explicit LoginGuard(LoginGuardConfig config = {});

  // The time left when `user` is locked for `address`; nothing when a login may be tried.
  std::optional<core::Duration> locked(std::string_view user, std::string_view address,
                                       core::TimePoint now) const;
  // Counts a failed login. True exactly when this failure starts a lock; a failure while
  // locked changes nothing (the caller should not have checked the password then).
  bool failure(std::string_view user, std::string_view address, core::TimePoint now);
  // A successful login: forgets the failures of `user` from `address`.
  void success(std::string_view user, std::string_view address);

  std::size_t size() const { return entries_.size(); }
  const LoginGuardConfig& config() const { return config_; }
  // New figures for the failures to come; locks already running keep their end.
  void set_config(LoginGuardConfig config) { config_ = config; }

 private:
  using Key = std::pair<std::string, std::string>;  // user, address
  struct Entry {
    std::vector<core::TimePoint> failures;  // within the window, oldest first
    std::optional<core::TimePoint> locked_until;
  };

  bool is_locked(const Entry& entry, core::TimePoint now) const;
  bool is_stale(const Entry& entry, core::TimePoint now) const;
  void make_room(core::TimePoint now);

  LoginGuardConfig config_;
  std::map<Key, Entry> entries_;
};

}  // namespace vto::accounts
