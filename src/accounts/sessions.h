// The web interface's login sessions, in memory: a session lives while it is used and ends
// after an idle timeout, 12 hours after its login, at logout, or when its user's password
// changes. The table is
// bounded (the oldest-used session makes room for a new login) and reads no clock: every
// call takes `now`, so expiry is tested without sleeping. Roles are kept as their names
// ("admin", ...) since accounts depends on core only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/timers.h"

namespace vto::accounts {

struct Session {
  std::string id;       // the cookie: 32 random bytes, base64url without padding
  std::string csrf;     // the token state-changing requests must echo; same form as id
  std::string user;     // the account's name
  std::string role;     // "admin", "operator" or "viewer" (store::role_name)
  std::string address;  // the client's address at login
  core::TimePoint created{};
  core::TimePoint last_seen{};
};

// A session as the "online users" page shows it: without its id and CSRF token.
struct SessionInfo {
  std::string user;
  std::string role;
  std::string address;
  core::TimePoint created{};
  core::TimePoint last_seen{};

  bool operator==(const SessionInfo&) const = default;
};

class SessionTable {
 public:
  static constexpr std::size_t kDefaultMaxSessions = 256;
  static constexpr core::Duration kDefaultIdleTimeout = std::chrono::minutes(15);
  // However busy, a session ends this long after its login: a stolen cookie is not good
  // for ever.
  static constexpr core::Duration kMaxLifetime = std::chrono::hours(12);
  // Sessions of one account: its next login ends its own least recently used one, never
  // another account's.
  static constexpr std::size_t kMaxPerUser = 8;

  // Starts libsodium (its random generator); throws std::runtime_error if it cannot.
  explicit SessionTable(std::size_t max_sessions = kDefaultMaxSessions);

  // A new session with fresh random id and CSRF token. An account with kMaxPerUser
  // sessions loses its least recently seen one. Expired sessions go first; when the table
  // is still full, the one seen least recently is ended to make room.
  Session create(std::string user, std::string role, std::string address, core::TimePoint now);

  // The session `id` names, its last_seen moved to `now`; nothing for an unknown id or a
  // session idle for longer than the idle timeout (which is then ended).
  std::optional<Session> find(std::string_view id, core::TimePoint now);
  // Whether session `id` is still on at `now`, without counting this as activity (a live
  // page's background check must not keep an idle session alive).
  bool alive(std::string_view id, core::TimePoint now) const;

  // Logout. Whether the session existed.
  bool remove(std::string_view id);
  // Ends every session of `user` (after a password change or the account's deletion)
  // except `keep_id`, the session that changed its own password. Returns how many ended.
  std::size_t remove_user(std::string_view user, std::string_view keep_id = {});

  // The live sessions, by user then login time; expired ones are ended on the way.
  std::vector<SessionInfo> list(core::TimePoint now);

  void set_idle_timeout(core::Duration timeout) { idle_timeout_ = timeout; }
  core::Duration idle_timeout() const { return idle_timeout_; }
  std::size_t size() const { return sessions_.size(); }

 private:
  bool expired(const Session& session, core::TimePoint now) const;
  void drop_expired(core::TimePoint now);

  std::size_t max_sessions_;
  core::Duration idle_timeout_ = kDefaultIdleTimeout;
  std::unordered_map<std::string, Session> sessions_;  // by id
};

// 32 bytes from libsodium's generator, base64url without padding (43 characters).
std::string random_token();

// Whether `a` and `b` are equal, in a time that depends on their length only: for
// comparing a presented CSRF token with the session's.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace vto::accounts
