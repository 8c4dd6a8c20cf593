// Who may use the web interface and the API: the first start's
// initialization, logins with sessions (cookies, CSRF token, idle timeout) and account
// locks, API tokens for scripts, roles with least privilege, and the audit log. Routes are
// wrapped by guard(), which names the least role a route needs; the handler then knows
// who asks.
//
// Password hashing (Argon2id, about 65 ms and 64 MiB) runs on a worker thread of its own;
// its results come back to the core thread, where every table is read and written.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

#include "api/auth/route_guard.h"
#include "api/http_json.h"
#include "core/timers.h"
#include "store/database.h"
#include "store/users.h"
#include "web/http_server.h"

namespace boost::asio {
class io_context;
}

namespace vto::accounts {
class OnvifSecrets;
}

namespace vto::api {

struct Principal {
  std::string user;  // the account, or "token:NAME" for an API token
  store::Role role = store::Role::Viewer;
  std::string address;  // the client's IP address
  bool by_token = false;
  // The account behind the request: the session's, or the one that made the token (what a
  // token made with this one goes with); "vtoctl" for tokens made with local access.
  std::string account;
};

// The login rules an admin may change (Security page): how many failed logins lock an
// account from an address, for how long, and how long an idle session lasts.
struct LoginPolicy {
  static constexpr int kMinFailures = 3, kMaxFailures = 10;
  static constexpr int kMinLockMinutes = 1, kMaxLockMinutes = 60;
  static constexpr int kMinIdleMinutes = 5, kMaxIdleMinutes = 120;

  int max_failures = 5;
  int lock_minutes = 5;
  int idle_minutes = 15;

  bool operator==(const LoginPolicy&) const = default;
};

struct WebAuthConfig {
  std::string admin_name = "admin";  // the account initialization makes
  core::Duration idle_timeout = std::chrono::minutes(15);
  int max_failures = 5;  // failed logins of an account from an address before it locks
  core::Duration lock_time = std::chrono::minutes(5);
  std::size_t audit_keep = 100000;  // newest entries kept
  bool fast_hashes = false;         // tests only: the cheapest Argon2id cost
};

class WebAuth {
 public:
  using Handler = std::function<web::HttpResponse(const web::HttpRequest&, const Principal&)>;
  using AsyncHandler =
      std::function<void(const web::HttpRequest&, const Principal&, web::HttpServer::Reply)>;

  WebAuth(boost::asio::io_context& io, core::Timers& timers, store::Database& db,
          WebAuthConfig config = {});
  ~WebAuth();
  WebAuth(const WebAuth&) = delete;
  WebAuth& operator=(const WebAuth&) = delete;

  // /api/v1/auth/{status,init,login,logout,password}, /api/v1/users*, /api/v1/tokens*,
  // /api/v1/audit and /api/v1/audit.csv.
  void add_routes(web::HttpServer& http);
  // The key that seals the accounts' ONVIF passwords (PUT /api/v1/users/NAME/onvif-password);
  // it outlives this. Without it that route answers 503.
  void set_onvif_secrets(const accounts::OnvifSecrets* secrets);

  // `handler` behind authentication: a session cookie (with the CSRF token on anything but
  // GET) or a Bearer token, and at least role `least`.
  web::HttpServer::Handler guard(store::Role least, Handler handler);
  web::HttpServer::AsyncHandler guard_async(store::Role least, AsyncHandler handler);
  // guard() as the Guard an API module takes, for handlers that do not need the caller.
  Guard route_guard();

  // The caller of `req` if it may use a route needing `least`, or the response refusing it.
  // For WebSocket upgrades (which carry the session cookie, never a CSRF token) a foreign
  // Origin is refused.
  std::variant<Principal, web::HttpResponse> authenticate(const web::HttpRequest& req,
                                                          store::Role least);
  // authenticate() as only the refusal, if any (a WebSocket's upgrade check).
  std::optional<web::HttpResponse> refusal(const web::HttpRequest& req, store::Role least);

  // Whether the caller of an earlier accepted request (a WebSocket's upgrade) may still
  // read: its session is still on (not refreshed by this check) or its token still valid.
  bool still_authorized(const web::HttpRequest& req);

  // Applies new login rules at once: the lock count and time to the next failures, the
  // idle timeout to every session (one idle longer than the new timeout ends).
  void set_login_policy(const LoginPolicy& policy);
  // The station's time zone (an IANA name), said by /api/v1/auth/status so that every page
  // shows times as the door's clock reads them.
  void set_time_zone(std::string zone);

  // An entry in the audit log (failures to write are logged, never thrown).
  void audit(const Principal& who, const std::string& action, const std::string& detail);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vto::api
