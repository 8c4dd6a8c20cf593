// Who may watch the door with a player, an NVR or a snapshot URL: HTTP/RTSP digest
// authentication (RFC 7616, realm "OpenVTO") with the web interface's accounts, checked
// against their stored digest keys (accounts/digest_keys.h), and the roles allowed to watch
// (a setting: "a role may watch or not"). Only accounts with legacy digest have the MD5
// key players speak. Failed answers count as failed logins do, with the Security page's
// figures: per user and address (the pair is locked), and per source over all users (the
// source is refused for a time that doubles on recidive); both are reported to the
// observer (the audit log), so a player cannot be used to guess passwords.
//
// Thread-safe: the RTSP server's threads and the core thread (snapshot.cgi) ask it. It
// reads the accounts on a database connection of its own.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/login_guard.h"
#include "accounts/onvif_secrets.h"
#include "core/failure_limiter.h"
#include "core/result.h"
#include "core/timers.h"
#include "sip/auth/digest_server.h"
#include "store/database.h"
#include "store/users.h"

namespace vto::api {

struct ViewerVerdict {
  enum class Kind { Ok, Challenge, Stale, Forbidden };
  Kind kind = Kind::Challenge;
  std::string user;                        // Ok, Forbidden: the account
  store::Role role = store::Role::Viewer;  // Ok, Forbidden: its role
};

class ViewerAuth {
 public:
  // `clock` only tells the time (any thread may ask it); it outlives this.
  static Result<std::unique_ptr<ViewerAuth>> open(const std::string& data_dir,
                                                  const core::Timers& clock);

  // Checks an Authorization header (empty: none) of a request with `method` from `address`.
  ViewerVerdict check(std::string_view method, std::string_view authorization,
                      std::string_view address);
  // The same without the watch roles: Ok with the account and its role for any account
  // whose answer is right (the device family's HTTP API, which checks roles per action).
  ViewerVerdict identify(std::string_view method, std::string_view authorization,
                         std::string_view address);
  // Port 5000's login: `hash` is UPPER(MD5(user ":" random ":" UPPER(HA1))), HA1 the MD5
  // digest key of the realm kDigestRealm. Ok, or Challenge for a wrong hash, an unknown
  // user, an account without legacy digest or a locked one; failures count as above.
  ViewerVerdict check_login_hash(std::string_view user, std::string_view random,
                                 std::string_view hash, std::string_view address);
  // WS-Security's PasswordDigest (ONVIF): `digest` is Base64(SHA-1(nonce + created +
  // password)) with the account's ONVIF password (`nonce` the raw bytes, `created` as
  // received). Ok, or Challenge for a wrong digest, an unknown user, an account without an
  // ONVIF password or a locked one; failures count as above.
  ViewerVerdict check_password_digest(std::string_view user, std::string_view nonce,
                                      std::string_view created, std::string_view digest,
                                      std::string_view address);
  // The key that seals the accounts' ONVIF passwords; it outlives this. Without it no
  // ONVIF password is known.
  void set_onvif_secrets(const accounts::OnvifSecrets* secrets);
  // The WWW-Authenticate values of a 401 (digest, MD5: what players and NVRs speak).
  std::vector<std::string> challenges(bool stale);

  void set_watch_roles(std::set<store::Role> roles);
  std::set<store::Role> watch_roles() const;
  bool may_watch(store::Role role) const;

  // The Security page's lock-out figures: failures before a lock, and its length.
  void set_lockout(int max_failures, core::Duration lock);
  // Told (on the asking thread, with no lock held) of each failed answer and each lock:
  // action "digest_failed", "digest_locked" or "digest_source_blocked".
  using Observer = std::function<void(const std::string& user, const std::string& address,
                                      const std::string& action, const std::string& detail)>;
  void set_observer(Observer observer);
  // Tells the observer of a request refused for what it asked (action "rtsp_refused"), not
  // counted as a failed login.
  void report_refusal(const std::string& user, std::string_view address, std::string_view why);

 private:
  ViewerAuth(std::unique_ptr<store::Database> db, const core::Timers& clock);
  // A wrong answer: counted (with `lock` held), then told to `observer` (without it).
  ViewerVerdict refuse(std::unique_lock<std::mutex> lock, const Observer& observer,
                       const std::string& user, std::string_view address, std::string_view what);
  // Counts a wrong answer of `user` from `address` (lock held): the reports to make.
  // Whether `user` may answer from `address` now (lock held): refused while the pair is
  // locked or the source blocked; else the account, if there is one.
  struct Attempt {
    bool refused = false;
    std::optional<store::User> account = std::nullopt;
  };
  Attempt may_try(const std::string& user, std::string_view address);
  // The account's ONVIF password, unsealed (lock held); none without one.
  std::optional<std::string> onvif_password(const store::User& account) const;
  std::vector<std::pair<std::string, std::string>> count_failure(const std::string& user,
                                                                 std::string_view address,
                                                                 std::string_view what);

  mutable std::mutex mutex_;
  std::unique_ptr<store::Database> db_;
  store::Users users_;
  // DigestServer asks its Timers for the time only; this one lends it a clock that any
  // thread may read.
  class ClockOnly final : public core::Timers {
   public:
    explicit ClockOnly(const core::Timers& clock) : clock_(clock) {}
    core::TimePoint now() const override { return clock_.now(); }
    Id start(core::Duration, Callback) override { return 0; }
    void cancel(Id) override {}

   private:
    const core::Timers& clock_;
  };

  const core::Timers& clock_;
  ClockOnly digest_clock_;
  sip::auth::DigestServer digest_;
  accounts::LoginGuard guard_;
  core::FailureLimiter sources_;
  Observer observer_;
  const accounts::OnvifSecrets* onvif_secrets_ = nullptr;
  std::set<store::Role> watch_roles_ = {store::Role::Admin, store::Role::Operator,
                                        store::Role::Viewer};
};

}  // namespace vto::api
