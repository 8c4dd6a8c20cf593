// WebAuth's insides, shared by web_auth.cpp (logins, sessions, tokens in requests) and
// web_auth_accounts.cpp (the users, tokens, sessions and audit log pages). Not for other
// code: include web_auth.h.
#pragma once

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "accounts/digest_keys.h"
#include "accounts/login_guard.h"
#include "accounts/onvif_secrets.h"
#include "accounts/password_hash.h"
#include "accounts/password_rules.h"
#include "accounts/sessions.h"
#include "api/auth/web_auth.h"
#include "core/failure_limiter.h"
#include "core/log.h"
#include "core/unix_clock.h"
#include "store/api_tokens.h"
#include "store/audit_log.h"
#include "web/query.h"

namespace vto::api {

namespace asio = boost::asio;

namespace web_auth_detail {

using nlohmann::json;
using store::Role;

constexpr std::string_view kCookie = "vto_session";
// Logins and password changes waiting for the hash worker; beyond this, "busy". Room for
// kReservedHashes more is kept for an account logging in from an address it logged in from
// before, so strangers filling the queue do not keep its owner out; one source may hold
// kMaxHashesPerSource of them.
constexpr int kMaxPendingHashes = 16;
constexpr int kReservedHashes = 4;
constexpr int kMaxHashesPerSource = 4;
// Addresses remembered per account, as the places it logged in from.
constexpr std::size_t kKnownAddresses = 4;

inline int rank(Role r) {
  switch (r) {
    case Role::Admin:
      return 3;
    case Role::Operator:
      return 2;
    case Role::Viewer:
      return 1;
  }
  return 0;
}

// The value of cookie `name` in a Cookie header, "" when absent.
inline std::string cookie_value(const std::string& header, std::string_view name) {
  std::string_view rest(header);
  while (!rest.empty()) {
    auto end = rest.find(';');
    auto part = rest.substr(0, end);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.starts_with(name) && part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return {};
}

inline std::string session_cookie(const std::string& id, bool secure) {
  return std::string(kCookie) + "=" + id + "; Path=/; HttpOnly; SameSite=Strict" +
         (secure ? "; Secure" : "");
}

inline std::string cleared_cookie(bool secure) {
  return std::string(kCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" +
         (secure ? "; Secure" : "");
}

// The string member `name` of `body` ("" when absent), or an error naming it.
inline Result<std::string> string_field(const json& body, const std::string& name, bool required) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return make_error(name + ": required", Errc::Invalid);
    return std::string();
  }
  if (!it->is_string()) return make_error(name + ": must be text", Errc::Invalid);
  return it->get<std::string>();
}

// A store error "FIELD: RULE" as a field error.
inline web::HttpResponse store_field_error(const Error& e) {
  if (e.errc != Errc::Invalid) return error_response(e);
  auto colon = e.message.find(": ");
  if (colon == std::string::npos) return error_response(e);
  // The store names fields for people; the API names them as in the JSON body.
  std::string field = e.message.substr(0, colon);
  if (field == "user name" || field == "token name") field = "name";
  if (field == "e-mail") field = "email";
  return field_error(field, "invalid", e.message.substr(colon + 2));
}

inline web::HttpResponse password_error(const accounts::RuleViolation& v,
                                        const std::string& field) {
  return field_error(field, std::string(accounts::rule_id(v.rule)), v.message);
}

// A cross-site request: an Origin header that is not this server's own.
inline bool foreign_origin(const web::HttpRequest& req) {
  const std::string& origin = req.header("origin");
  if (origin.empty()) return false;
  const std::string own = (req.secure ? "https://" : "http://") + req.header("host");
  return origin != own;
}

inline json user_json(const store::User& u) {
  return {{"name", u.name},
          {"role", store::role_name(u.role)},
          {"email", u.email},
          {"created_ms", u.created_ms},
          {"legacy_digest", u.legacy_digest},
          {"legacy_digest_ready", !u.digest.md5.empty()},
          {"onvif", !u.onvif_secret.empty()}};
}

// The boolean member `name` of `body` (`fallback` when absent), or an error naming it.
inline Result<bool> bool_field(const json& body, const std::string& name, bool fallback) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return make_error(name + ": true or false", Errc::Invalid);
  return it->get<bool>();
}

}  // namespace web_auth_detail

using namespace web_auth_detail;

struct WebAuth::Impl {
  Impl(asio::io_context& io_context, core::Timers& t, store::Database& database, WebAuthConfig c)
      : io(io_context),
        timers(t),
        db(database),
        config(std::move(c)),
        users(db),
        tokens(db),
        audit_log(db),
        guard(accounts::LoginGuardConfig{config.max_failures, config.lock_time}) {
    sessions.set_idle_timeout(config.idle_timeout);
    apply_brakes(config.max_failures, config.lock_time);
  }

  // The per-source and per-account brakes follow the lock-out figures: a source may fail
  // four times the per-account figure (a household mistyping several accounts), an account
  // twice it from all its strangers together.
  void apply_brakes(int max_failures, core::Duration lock) {
    source_failures.set_policy(
        core::FailurePolicy{4 * max_failures, 2 * lock, lock, std::chrono::hours(24), 4096});
    account_failures.set_policy(
        core::FailurePolicy{2 * max_failures, 2 * lock, lock, std::chrono::hours(24), 4096});
  }

  bool known_address(std::string_view user, std::string_view address) const {
    auto it = known_addresses.find(user);
    return it != known_addresses.end() &&
           std::find(it->second.begin(), it->second.end(), address) != it->second.end();
  }

  void remember_address(const std::string& user, const std::string& address) {
    if (known_addresses.size() >= 4096 && !known_addresses.contains(user)) known_addresses.clear();
    auto& list = known_addresses[user];
    std::erase(list, address);
    list.insert(list.begin(), address);
    if (list.size() > kKnownAddresses) list.resize(kKnownAddresses);
  }

  // A failed login of `user` from `address`, on every count; audited.
  void login_failure(const std::string& user, const std::string& address, const std::string& action,
                     const std::string& detail) {
    const auto now = timers.now();
    const bool locks = guard.failure(user, address, now);
    audit(user, address, action, detail);
    if (locks) {
      audit(user, address, "login_locked",
            "locked from " + address + " for " +
                std::to_string(
                    std::chrono::duration_cast<std::chrono::seconds>(guard.config().lock).count()) +
                " s after " + std::to_string(guard.config().max_failures) + " failures");
    }
    if (auto block = source_failures.failure(core::source_key(address), now)) {
      audit(user, address, "login_source_blocked",
            core::source_key(address) + " refused for " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*block).count()) +
                " s after failed logins to several accounts");
    }
    if (auto block = account_failures.failure(user, now)) {
      audit(user, address, "login_account_braked",
            "logins to " + user + " from new addresses refused for " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*block).count()) +
                " s after failures from many addresses");
    }
  }

  // Why a login of `user` from `address` may not be tried now (the 429 to answer), if so.
  std::optional<web::HttpResponse> login_refused(std::string_view user, std::string_view address) {
    const auto now = timers.now();
    if (auto left = guard.locked(user, address, now))
      return locked(*left, "this account is locked from this address");
    if (auto left = source_failures.blocked(core::source_key(address), now))
      return locked(*left, "no login from this address");
    if (known_address(user, address)) return std::nullopt;
    if (auto left = account_failures.blocked(user, now))
      return locked(*left, "this account takes no login from a new address");
    return std::nullopt;
  }

  ~Impl() {
    *alive = false;
    pool.join();
  }

  asio::io_context& io;
  core::Timers& timers;
  store::Database& db;
  WebAuthConfig config;
  std::string time_zone;  // the station's, for /api/v1/auth/status (empty: not said)
  store::Users users;
  store::ApiTokens tokens;
  store::AuditLog audit_log;
  accounts::SessionTable sessions;
  accounts::LoginGuard guard;
  asio::thread_pool pool{1};
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
  int pending_hashes = 0;
  std::map<std::string, int, std::less<>> pending_by_source;  // source_key -> hashes waiting
  // Failed logins per source (every account) and per account (every source): past the
  // Security page's figures, the source gets 429 for a time that doubles on recidive, and
  // the account refuses logins from addresses it never logged in from (its known addresses
  // still get through, each with its own count in `guard`).
  core::FailureLimiter source_failures;
  core::FailureLimiter account_failures;
  std::map<std::string, std::vector<std::string>, std::less<>> known_addresses;
  // Tokens recently checked against the database, by secret: a script polling the API costs
  // no query per request. Revoking through the API empties it; a token revoked with local
  // access (vtoctl) stops working within kTokenCacheTime.
  struct CachedToken {
    store::TokenInfo info;
    core::TimePoint checked;
  };
  std::map<std::string, CachedToken, std::less<>> token_cache;
  static constexpr core::Duration kTokenCacheTime = std::chrono::seconds(5);
  std::uint64_t audits_since_trim = 0;

  accounts::HashCost cost() const {
    return config.fast_hashes ? accounts::HashCost{1, 8192} : accounts::HashCost::interactive();
  }

  // Runs `work` on the hash worker, then `done` with its result on the core thread (unless
  // WebAuth is gone by then). False when too much is already waiting.
  // `address` is the client's; `trusted`: an account's own known address (or a logged-in
  // user), which may use the reserved room.
  template <class T>
  bool off_core(const std::string& address, bool trusted, std::function<T()> work,
                std::function<void(T)> done) {
    const int limit = kMaxPendingHashes + (trusted ? kReservedHashes : 0);
    if (pending_hashes >= limit) return false;
    std::string source = core::source_key(address);
    int& from_source = pending_by_source[source];
    if (from_source >= kMaxHashesPerSource) return false;
    ++from_source;
    ++pending_hashes;
    asio::post(pool, [this, work = std::move(work), done = std::move(done), flag = alive,
                      source = std::move(source)]() {
      T result = work();
      asio::post(io, [this, done, flag, source, result = std::move(result)]() mutable {
        if (!*flag) return;
        --pending_hashes;
        if (auto it = pending_by_source.find(source);
            it != pending_by_source.end() && --it->second <= 0) {
          pending_by_source.erase(it);
        }
        done(std::move(result));
      });
    });
    return true;
  }

  void audit(const std::string& user, const std::string& address, const std::string& action,
             const std::string& detail) {
    store::AuditEntry e;
    e.at_ms = core::system_unix_ms();
    e.user = user.substr(0, 64);
    e.address = address.substr(0, 64);
    e.action = action;
    e.detail = detail.substr(0, 1024);
    if (auto r = audit_log.add(e); !r) {
      core::logger("auth")->error("audit log: {}", r.error().message);
      return;
    }
    core::logger("auth")->info("audit: {} from {}: {} {}", e.user, e.address, action, e.detail);
    if (++audits_since_trim >= 1000) {
      audits_since_trim = 0;
      if (auto t = audit_log.trim(config.audit_keep); !t)
        core::logger("auth")->error("audit log: {}", t.error().message);
    }
  }

  // The caller, or the response that refuses it.
  std::variant<Principal, web::HttpResponse> authenticate(const web::HttpRequest& req, Role least) {
    const bool reads = req.method == "GET" || req.method == "HEAD";
    const bool upgrade = !req.header("upgrade").empty();
    if ((!reads || upgrade) && foreign_origin(req))
      return web::json_error(403, "cross-site request refused");
    Principal p;
    p.address = req.remote_ip;
    const std::string& authorization = req.header("authorization");
    if (!authorization.empty()) {
      if (!authorization.starts_with("Bearer "))
        return web::json_error(401, "Authorization must be \"Bearer TOKEN\"");
      const std::string secret = authorization.substr(7);
      const auto now = timers.now();
      auto cached = token_cache.find(secret);
      if (cached == token_cache.end() || now - cached->second.checked > kTokenCacheTime) {
        if (cached != token_cache.end()) token_cache.erase(cached);
        auto token = tokens.authenticate(secret, core::system_unix_ms());
        if (!token) return error_response(token.error());
        if (!*token) return web::json_error(401, "unknown or revoked API token");
        if (token_cache.size() >= 64) token_cache.clear();
        cached = token_cache.emplace(secret, CachedToken{**token, now}).first;
      }
      p.user = "token:" + cached->second.info.name;
      p.account = cached->second.info.created_by;
      p.role = cached->second.info.role;
      p.by_token = true;
    } else {
      auto initialized = users.initialized();
      if (!initialized) return error_response(initialized.error());
      if (!*initialized) {
        auto r = json_response(
            401, {{"error", "the device is not initialized yet"}, {"initialized", false}});
        return r;
      }
      auto session = sessions.find(cookie_value(req.header("cookie"), kCookie), timers.now());
      if (!session) return web::json_error(401, "log in first (or the session has expired)");
      if (!reads && !accounts::constant_time_equal(req.header("x-csrf-token"), session->csrf))
        return web::json_error(403, "missing or wrong CSRF token (X-CSRF-Token)");
      p.user = session->user;
      p.account = session->user;
      p.role = store::parse_role(session->role).value_or(Role::Viewer);
    }
    if (rank(p.role) < rank(least)) {
      return web::json_error(403, "this needs the " + std::string(store::role_name(least)) +
                                      " role; " + p.user + " is " +
                                      std::string(store::role_name(p.role)));
    }
    return p;
  }

  // --- routes ---

  web::HttpResponse status(const web::HttpRequest& req) {
    auto initialized = users.initialized();
    if (!initialized) return error_response(initialized.error());
    json out{{"initialized", *initialized}};
    if (!time_zone.empty()) out["time_zone"] = time_zone;
    auto session = sessions.find(cookie_value(req.header("cookie"), kCookie), timers.now());
    if (session) {
      out["user"] = session->user;
      out["role"] = session->role;
      out["csrf"] = session->csrf;
    }
    return json_response(200, out);
  }

  void init(const web::HttpRequest& req, web::HttpServer::Reply reply) {
    if (foreign_origin(req)) return reply(web::json_error(403, "cross-site request refused"));
    auto body = object_body(req);
    if (!body) return reply(error_response(body.error()));
    auto password = string_field(*body, "password", true);
    auto email = string_field(*body, "email", false);
    if (!password) return reply(field_error("password", "required", "required"));
    if (!email) return reply(field_error("email", "invalid", "must be text"));
    auto initialized = users.initialized();
    if (!initialized) return reply(error_response(initialized.error()));
    if (*initialized) return reply(web::json_error(409, "the device is already initialized"));
    if (auto v = accounts::check_password(*password, config.admin_name))
      return reply(password_error(*v, "password"));
    store::User probe{config.admin_name, Role::Admin, "$argon2id$", *email, 0};
    if (auto ok = store::validate_user(probe); !ok) return reply(store_field_error(ok.error()));
    const std::string address = req.remote_ip;
    const auto hash_cost = cost();
    bool queued = off_core<Result<std::string>>(
        address, false,
        [pw = *password, hash_cost] { return accounts::hash_password(pw, hash_cost); },
        [this, reply, address, mail = *email, pw = *password](Result<std::string> hash) {
          if (!hash) return reply(web::json_error(500, hash.error().message));
          store::User admin{config.admin_name,
                            Role::Admin,
                            *hash,
                            mail,
                            core::system_unix_ms(),
                            accounts::digest_keys(config.admin_name, pw)};
          if (auto r = users.initialize(admin); !r) return reply(error_response(r.error()));
          audit(config.admin_name, address, "init", "the device was initialized");
          reply(json_response(201, {{"user", config.admin_name}}));
        });
    if (!queued) reply(web::json_error(503, "busy, try again in a moment"));
  }

  void login(const web::HttpRequest& req, web::HttpServer::Reply reply) {
    if (foreign_origin(req)) return reply(web::json_error(403, "cross-site request refused"));
    auto body = object_body(req);
    if (!body) return reply(error_response(body.error()));
    auto user = string_field(*body, "user", true);
    auto password = string_field(*body, "password", true);
    if (!user || !password || user->empty() || user->size() > 64)
      return reply(web::json_error(400, "the body must be {\"user\": ..., \"password\": ...}"));
    const std::string address = req.remote_ip;
    if (auto refused = login_refused(*user, address)) return reply(*refused);
    auto account = users.find(*user);
    if (!account) return reply(error_response(account.error()));
    // An unknown account costs as much time as a known one: the answer's delay does not
    // tell which names exist.
    std::string stored = *account ? (*account)->password_hash : std::string();
    // Keys the account lacks (made before them, or legacy digest turned on since) are
    // learnt now.
    const bool needs_digest_keys =
        *account && ((*account)->digest.sha256.empty() ||
                     ((*account)->legacy_digest && (*account)->digest.md5.empty()));
    bool queued = off_core<bool>(
        address, known_address(*user, address),
        [stored, pw = *password] {
          static const std::string dummy = [] {
            auto h =
                accounts::hash_password("not a real password 1", accounts::HashCost::interactive());
            return h ? *h : std::string();
          }();
          return stored.empty() ? (accounts::verify_password(dummy, pw), false)
                                : accounts::verify_password(stored, pw);
        },
        [this, reply, name = *user, address, secure = req.secure, stored,
         pw = needs_digest_keys ? *password : std::string(),
         role = *account ? std::string(store::role_name((*account)->role)) : ""](bool ok) {
          // A lock that began while this one was checked holds, whatever the password.
          if (auto refused = login_refused(name, address)) return reply(*refused);
          if (!ok) {
            login_failure(name, address, "login_failed", "wrong user name or password");
            return reply(web::json_error(401, "wrong user name or password"));
          }
          guard.success(name, address);
          remember_address(name, address);
          // An account older than digest keys gets them now (RTSP and snapshot clients).
          if (!pw.empty()) {
            if (auto r = users.set_digest_keys(name, stored, accounts::digest_keys(name, pw)); !r)
              core::logger("web")->warn("digest keys of {}: {}", name, r.error().message);
          }
          auto session = sessions.create(name, role, address, timers.now());
          audit(name, address, "login", "logged in as " + role);
          auto r = json_response(200, {{"user", name}, {"role", role}, {"csrf", session.csrf}});
          r.headers["Set-Cookie"] = session_cookie(session.id, secure);
          reply(r);
        });
    if (!queued) reply(web::json_error(503, "busy, try again in a moment"));
  }

  web::HttpResponse locked(core::Duration left, std::string_view what) {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(left).count() + 1;
    auto r = json_response(429, {{"error", "too many failed logins: " + std::string(what) +
                                               " for " + std::to_string(seconds) + " s"},
                                 {"locked_seconds", seconds}});
    r.headers["Retry-After"] = std::to_string(seconds);
    return r;
  }

  web::HttpResponse logout(const web::HttpRequest& req, const Principal& who) {
    if (who.by_token)
      return web::json_error(
          400, "an API token is not logged out but revoked: DELETE /api/v1/tokens/ID");
    sessions.remove(cookie_value(req.header("cookie"), kCookie));
    audit(who.user, who.address, "logout", "logged out");
    auto r = json_response(200, {{"user", who.user}, {"logged_out", true}});
    r.headers["Set-Cookie"] = cleared_cookie(req.secure);
    return r;
  }

  void change_password(const web::HttpRequest& req, const Principal& who,
                       web::HttpServer::Reply reply) {
    if (who.by_token) return reply(web::json_error(403, "API tokens have no password"));
    auto body = object_body(req);
    if (!body) return reply(error_response(body.error()));
    auto old_pw = string_field(*body, "old_password", true);
    auto new_pw = string_field(*body, "new_password", true);
    if (!old_pw) return reply(field_error("old_password", "required", "required"));
    if (!new_pw) return reply(field_error("new_password", "required", "required"));
    // Said before anything is checked against the account: it compares the two fields only.
    if (!new_pw->empty() && *new_pw == *old_pw)
      return reply(
          field_error("new_password", "same", "the new password must differ from the current one"));
    if (auto v = accounts::check_password(*new_pw, who.user))
      return reply(password_error(*v, "new_password"));
    // Guessing the current password here counts like failed logins (a stolen session must
    // not be a way around the lock).
    if (auto refused = login_refused(who.user, who.address)) return reply(*refused);
    auto account = users.find(who.user);
    if (!account) return reply(error_response(account.error()));
    if (!*account) return reply(web::json_error(404, "the account no longer exists"));
    const auto hash_cost = cost();
    using Outcome = std::optional<Result<std::string>>;  // nullopt: the old password is wrong
    bool queued = off_core<Outcome>(
        who.address, true,
        [stored = (*account)->password_hash, o = *old_pw, n = *new_pw, hash_cost]() -> Outcome {
          if (!accounts::verify_password(stored, o)) return std::nullopt;
          return accounts::hash_password(n, hash_cost);
        },
        [this, reply, who, cookie = cookie_value(req.header("cookie"), kCookie),
         keys = accounts::digest_keys(who.user, *new_pw)](Outcome out) {
          if (!out) {
            login_failure(who.user, who.address, "password_change_failed",
                          "wrong current password");
            return reply(field_error("old_password", "wrong", "not the current password"));
          }
          if (!*out) return reply(web::json_error(500, out->error().message));
          if (auto r = users.set_password_hash(who.user, **out, keys); !r)
            return reply(error_response(r.error()));
          // Every other session of the account ends: whoever knew the old password is out.
          sessions.remove_user(who.user, cookie);
          web::HttpResponse r;
          audit(who.user, who.address, "password_changed", "changed own password");
          auto mine = sessions.find(cookie, timers.now());
          r.body = json{{"user", who.user}, {"csrf", mine ? mine->csrf : ""}}.dump();
          reply(r);
        });
    if (!queued) reply(web::json_error(503, "busy, try again in a moment"));
  }

  // The account pages (web_auth_accounts.cpp).
  web::HttpResponse list_users();
  void add_user(const web::HttpRequest& req, const Principal& who, web::HttpServer::Reply reply);
  void set_legacy_digest(const web::HttpRequest& req, const Principal& who,
                         web::HttpServer::Reply reply);
  void set_onvif_password(const web::HttpRequest& req, const Principal& who,
                          web::HttpServer::Reply reply);
  const accounts::OnvifSecrets* onvif_secrets = nullptr;  // the Station's
  web::HttpResponse remove_user(const web::HttpRequest& req, const Principal& who);
  web::HttpResponse online();
  web::HttpResponse list_tokens();
  web::HttpResponse create_token(const web::HttpRequest& req, const Principal& who);
  web::HttpResponse revoke_token(const web::HttpRequest& req, const Principal& who);
  // GET /api/v1/audit and /api/v1/audit.csv (web_auth_accounts.cpp).
  web::HttpResponse audit_query(const web::HttpRequest& req);
  web::HttpResponse audit_csv(const web::HttpRequest& req);
};

}  // namespace vto::api
