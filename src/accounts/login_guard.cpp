#include "accounts/login_guard.h"

#include <algorithm>

namespace vto::accounts {
namespace {

LoginGuardConfig sane(LoginGuardConfig config) {
  config.max_failures = std::max(config.max_failures, 1);
  config.max_keys = std::max<std::size_t>(config.max_keys, 1);
  return config;
}

}  // namespace

LoginGuard::LoginGuard(LoginGuardConfig config) : config_(sane(config)) {}

bool LoginGuard::is_locked(const Entry& entry, core::TimePoint now) const {
  return entry.locked_until && now < *entry.locked_until;
}

// Neither locked nor holding a failure that still counts: the entry can go.
bool LoginGuard::is_stale(const Entry& entry, core::TimePoint now) const {
  if (is_locked(entry, now)) return false;
  return entry.failures.empty() || now - entry.failures.back() >= config_.lock;
}

// Drops the stale entries; when none was, the unlocked entry whose last failure is the
// oldest, or failing that (every entry locked) the lock that ends first. Locks go last so
// that a flood of new names cannot lift them.
void LoginGuard::make_room(core::TimePoint now) {
  std::erase_if(entries_, [&](const auto& e) { return is_stale(e.second, now); });
  if (entries_.size() < config_.max_keys) return;
  auto victim = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (victim == entries_.end()) {
      victim = it;
      continue;
    }
    const Entry& a = it->second;
    const Entry& b = victim->second;
    const bool a_locked = is_locked(a, now);
    const bool b_locked = is_locked(b, now);
    if (a_locked != b_locked) {
      if (!a_locked) victim = it;
    } else if (a_locked ? *a.locked_until < *b.locked_until
                        : a.failures.back() < b.failures.back()) {
      victim = it;
    }
  }
  entries_.erase(victim);
}

std::optional<core::Duration> LoginGuard::locked(std::string_view user, std::string_view address,
                                                 core::TimePoint now) const {
  auto it = entries_.find(Key(user, address));
  if (it == entries_.end() || !is_locked(it->second, now)) return std::nullopt;
  return std::chrono::ceil<core::Duration>(*it->second.locked_until - now);
}

bool LoginGuard::failure(std::string_view user, std::string_view address, core::TimePoint now) {
  Key key(user, address);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= config_.max_keys) make_room(now);
    it = entries_.emplace(std::move(key), Entry{}).first;
  }
  Entry& entry = it->second;
  if (is_locked(entry, now)) return false;
  if (entry.locked_until) entry = Entry{};  // a lock that ended starts the count afresh
  std::erase_if(entry.failures, [&](core::TimePoint t) { return now - t >= config_.lock; });
  entry.failures.push_back(now);
  if (static_cast<int>(entry.failures.size()) < config_.max_failures) return false;
  entry.failures.clear();
  entry.locked_until = now + config_.lock;
  return true;
}

void LoginGuard::success(std::string_view user, std::string_view address) {
  entries_.erase(Key(user, address));
}

}  // namespace vto::accounts
