#include "api/auth/web_auth.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "accounts/digest_keys.h"
#include "accounts/login_guard.h"
#include "accounts/password_hash.h"
#include "accounts/password_rules.h"
#include "accounts/sessions.h"
#include "core/failure_limiter.h"
#include "core/log.h"
#include "core/unix_clock.h"
#include "store/api_tokens.h"
#include "store/audit_log.h"
#include "store/errors.h"
#include "web/query.h"

namespace vto::api {

namespace asio = boost::asio;
using nlohmann::json;
using store::Role;

namespace {

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

int rank(Role r) {
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
std::string cookie_value(const std::string& header, std::string_view name) {
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

std::string session_cookie(const std::string& id, bool secure) {
  return std::string(kCookie) + "=" + id + "; Path=/; HttpOnly; SameSite=Strict" +
         (secure ? "; Secure" : "");
}

std::string cleared_cookie(bool secure) {
  return std::string(kCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" +
         (secure ? "; Secure" : "");
}

// The string member `name` of `body` ("" when absent), or an error naming it.
Result<std::string> string_field(const json& body, const std::string& name, bool required) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return make_error(name + ": required", 400);
    return std::string();
  }
  if (!it->is_string()) return make_error(name + ": must be text", 400);
  return it->get<std::string>();
}

// A store error "FIELD: RULE" as a field error.
web::HttpResponse store_field_error(const Error& e) {
  if (e.code != store::kInvalid) return error_response(e);
  auto colon = e.message.find(": ");
  if (colon == std::string::npos) return error_response(e);
  // The store names fields for people; the API names them as in the JSON body.
  std::string field = e.message.substr(0, colon);
  if (field == "user name" || field == "token name") field = "name";
  if (field == "e-mail") field = "email";
  return field_error(field, "invalid", e.message.substr(colon + 2));
}

web::HttpResponse password_error(const accounts::RuleViolation& v, const std::string& field) {
  return field_error(field, std::string(accounts::rule_id(v.rule)), v.message);
}

// A cross-site request: an Origin header that is not this server's own.
bool foreign_origin(const web::HttpRequest& req) {
  const std::string& origin = req.header("origin");
  if (origin.empty()) return false;
  const std::string own = (req.secure ? "https://" : "http://") + req.header("host");
  return origin != own;
}

json user_json(const store::User& u) {
  return {{"name", u.name},
          {"role", store::role_name(u.role)},
          {"email", u.email},
          {"created_ms", u.created_ms},
          {"legacy_digest", u.legacy_digest},
          {"legacy_digest_ready", !u.digest.md5.empty()}};
}

// The boolean member `name` of `body` (`fallback` when absent), or an error naming it.
Result<bool> bool_field(const json& body, const std::string& name, bool fallback) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return make_error(name + ": true or false", 400);
  return it->get<bool>();
}

}  // namespace

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
    if (!body) return reply(web::json_error(body.error().code, body.error().message));
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
    if (!body) return reply(web::json_error(body.error().code, body.error().message));
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
    if (!body) return reply(web::json_error(body.error().code, body.error().message));
    auto old_pw = string_field(*body, "old_password", true);
    auto new_pw = string_field(*body, "new_password", true);
    if (!old_pw) return reply(field_error("old_password", "required", "required"));
    if (!new_pw) return reply(field_error("new_password", "required", "required"));
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

  web::HttpResponse list_users() {
    auto list = users.list();
    if (!list) return error_response(list.error());
    auto online = sessions.list(timers.now());
    json out = json::array();
    for (const auto& u : *list) {
      json j = user_json(u);
      j["sessions"] = std::count_if(online.begin(), online.end(),
                                    [&](const auto& s) { return s.user == u.name; });
      out.push_back(std::move(j));
    }
    return json_response(200, {{"users", out}});
  }

  void add_user(const web::HttpRequest& req, const Principal& who, web::HttpServer::Reply reply) {
    auto body = object_body(req);
    if (!body) return reply(web::json_error(body.error().code, body.error().message));
    auto name = string_field(*body, "name", true);
    auto role_text = string_field(*body, "role", true);
    auto password = string_field(*body, "password", true);
    auto email = string_field(*body, "email", false);
    auto legacy = bool_field(*body, "legacy_digest", false);
    if (!name) return reply(field_error("name", "required", "required"));
    if (!role_text) return reply(field_error("role", "required", "required"));
    if (!password) return reply(field_error("password", "required", "required"));
    if (!email) return reply(field_error("email", "invalid", "must be text"));
    if (!legacy) return reply(field_error("legacy_digest", "invalid", "true or false"));
    auto role = store::parse_role(*role_text);
    if (!role) return reply(field_error("role", "one_of", "admin, operator or viewer"));
    store::User user{*name, *role, "$argon2id$", *email, 0};
    user.legacy_digest = *legacy;
    if (auto ok = store::validate_user(user); !ok) return reply(store_field_error(ok.error()));
    if (auto existing = users.find(*name); existing && *existing)
      return reply(field_error("name", "unique", "already taken"));
    if (auto v = accounts::check_password(*password, *name))
      return reply(password_error(*v, "password"));
    const auto hash_cost = cost();
    bool queued = off_core<Result<std::string>>(
        who.address, true,
        [pw = *password, hash_cost] { return accounts::hash_password(pw, hash_cost); },
        [this, reply, who, user, pw = *password](Result<std::string> hash) mutable {
          if (!hash) return reply(web::json_error(500, hash.error().message));
          user.password_hash = *hash;
          user.digest = accounts::digest_keys(user.name, pw);
          user.created_ms = core::system_unix_ms();
          if (auto r = users.add(user); !r) {
            if (r.error().code == store::kConflict)
              return reply(field_error("name", "unique", "already taken"));
            return reply(store_field_error(r.error()));
          }
          audit(who.user, who.address, "user_added",
                user.name + " (" + std::string(store::role_name(user.role)) + ")" +
                    (user.legacy_digest ? ", legacy digest on" : ""));
          reply(json_response(201, user_json(user)));
        });
    if (!queued) reply(web::json_error(503, "busy, try again in a moment"));
  }

  // PUT /api/v1/users/NAME/legacy-digest {"on": true, "password": P} | {"on": false}: the
  // MD5 key players and NVRs need, made from the account's password (checked here), or
  // dropped.
  void set_legacy_digest(const web::HttpRequest& req, const Principal& who,
                         web::HttpServer::Reply reply) {
    constexpr std::string_view kPrefix = "/api/v1/users/", kSuffix = "/legacy-digest";
    if (!req.path.ends_with(kSuffix) || req.path.size() <= kPrefix.size() + kSuffix.size())
      return reply(web::json_error(404, "not found"));
    const std::string name =
        req.path.substr(kPrefix.size(), req.path.size() - kPrefix.size() - kSuffix.size());
    auto body = object_body(req);
    if (!body) return reply(web::json_error(body.error().code, body.error().message));
    auto on = bool_field(*body, "on", false);
    if (!on || !body->contains("on")) return reply(field_error("on", "required", "true or false"));
    auto account = users.find(name);
    if (!account) return reply(error_response(account.error()));
    if (!*account) return reply(web::json_error(404, "user \"" + name + "\": not found"));
    if (!*on) {
      if (auto r = users.set_legacy_digest(name, false); !r)
        return reply(error_response(r.error()));
      audit(who.user, who.address, "legacy_digest", name + ": off");
      return reply(json_response(200, {{"name", name}, {"legacy_digest", false}}));
    }
    auto password = string_field(*body, "password", true);
    if (!password) return reply(field_error("password", "required", "the account's password"));
    // Checking another account's password is a guess like a login: the same locks apply.
    if (auto refused = login_refused(name, who.address)) return reply(*refused);
    bool queued = off_core<bool>(
        who.address, true,
        [stored = (*account)->password_hash, pw = *password] {
          return accounts::verify_password(stored, pw);
        },
        [this, reply, who, name, key = accounts::digest_keys(name, *password).md5](bool ok) {
          if (!ok) {
            login_failure(name, who.address, "legacy_digest_failed",
                          "wrong password given by " + who.user);
            return reply(field_error("password", "wrong", "not the account's password"));
          }
          if (auto r = users.set_legacy_digest(name, true, key); !r)
            return reply(error_response(r.error()));
          audit(who.user, who.address, "legacy_digest", name + ": on");
          reply(json_response(200, {{"name", name}, {"legacy_digest", true}}));
        });
    if (!queued) reply(web::json_error(503, "busy, try again in a moment"));
  }

  web::HttpResponse remove_user(const web::HttpRequest& req, const Principal& who) {
    const std::string name = req.path.substr(std::string("/api/v1/users/").size());
    if (name == who.user) return web::json_error(409, "you cannot remove your own account");
    if (auto r = users.remove(name); !r) return error_response(r.error());
    sessions.remove_user(name);
    token_cache.clear();  // the tokens it made went with it
    audit(who.user, who.address, "user_removed", name);
    return json_response(200, {{"removed", name}});
  }

  web::HttpResponse online() {
    json out = json::array();
    const auto now = timers.now();
    for (const auto& s : sessions.list(now)) {
      out.push_back(
          {{"user", s.user},
           {"role", s.role},
           {"address", s.address},
           {"logged_in_s",
            std::chrono::duration_cast<std::chrono::seconds>(now - s.created).count()},
           {"idle_s",
            std::chrono::duration_cast<std::chrono::seconds>(now - s.last_seen).count()}});
    }
    return json_response(200, {{"online", out}});
  }

  web::HttpResponse list_tokens() {
    auto list = tokens.list();
    if (!list) return error_response(list.error());
    json out = json::array();
    for (const auto& t : *list) {
      out.push_back({{"id", t.id},
                     {"name", t.name},
                     {"role", store::role_name(t.role)},
                     {"created_by", t.created_by},
                     {"created_ms", t.created_ms},
                     {"last_used_ms", t.last_used_ms ? json(*t.last_used_ms) : json(nullptr)},
                     {"expires_ms", t.expires_ms}});
    }
    return json_response(200, {{"tokens", out}});
  }

  web::HttpResponse create_token(const web::HttpRequest& req, const Principal& who) {
    auto body = object_body(req);
    if (!body) return web::json_error(body.error().code, body.error().message);
    auto name = string_field(*body, "name", true);
    auto role_text = string_field(*body, "role", true);
    if (!name) return field_error("name", "required", "required");
    if (!role_text) return field_error("role", "required", "required");
    auto role = store::parse_role(*role_text);
    if (!role) return field_error("role", "one_of", "admin, operator or viewer");
    if (rank(*role) > rank(who.role))
      return field_error("role", "not_above_own", "not above your own role");
    int days = store::kDefaultTokenDays;
    if (auto it = body->find("days"); it != body->end() && !it->is_null()) {
      if (!it->is_number_integer() || it->get<std::int64_t>() < 1 ||
          it->get<std::int64_t>() > store::kMaxTokenDays)
        return field_error(
            "days", "range",
            "a whole number of days from 1 to " + std::to_string(store::kMaxTokenDays));
      days = it->get<int>();
    }
    const std::int64_t now = core::system_unix_ms();
    const std::int64_t expires = now + std::int64_t{days} * 24 * 3600 * 1000;
    // A token made with a token goes with the account behind it.
    auto created =
        tokens.create(*name, *role, who.account.empty() ? who.user : who.account, now, expires);
    if (!created) return store_field_error(created.error());
    audit(who.user, who.address, "token_created",
          *name + " (" + std::string(store::role_name(*role)) + ", " + std::to_string(days) +
              " days)");
    return json_response(201, {{"id", created->id},
                               {"name", *name},
                               {"role", store::role_name(*role)},
                               {"expires_ms", expires},
                               {"token", created->secret}});
  }

  web::HttpResponse revoke_token(const web::HttpRequest& req, const Principal& who) {
    const std::string text = req.path.substr(std::string("/api/v1/tokens/").size());
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
      return web::json_error(400, "bad token id");
    if (auto r = tokens.revoke(id); !r) return error_response(r.error());
    token_cache.clear();
    audit(who.user, who.address, "token_revoked", "token " + text);
    return json_response(200, {{"revoked", id}});
  }

  web::HttpResponse audit_query(const web::HttpRequest& req) {
    store::AuditQuery q;
    auto number = [&](std::string_view name,
                      std::int64_t max) -> Result<std::optional<std::int64_t>> {
      auto text = web::query_param(req.query, name);
      if (!text) return make_error(std::string(name) + ": " + text.error().message, 400);
      if (!*text) return std::optional<std::int64_t>{};
      std::int64_t v = 0;
      const std::string& s = **text;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 0 || v > max)
        return make_error(std::string(name) + ": a whole number from 0 to " + std::to_string(max),
                          400);
      return std::optional<std::int64_t>{v};
    };
    auto limit = number("limit", 500);
    auto offset = number("offset", 1000000000);
    auto from = number("from", INT64_MAX);
    auto to = number("to", INT64_MAX);
    for (auto* r : {&limit, &offset, &from, &to})
      if (!*r) return web::json_error(400, r->error().message);
    if (*limit) q.limit = static_cast<std::size_t>(**limit);
    if (*offset) q.offset = static_cast<std::size_t>(**offset);
    if (*from) q.from_ms = **from;
    if (*to) q.to_ms = **to;
    auto action = web::query_param(req.query, "action");
    auto user = web::query_param(req.query, "user");
    if (!action || !user) return web::json_error(400, "bad query");
    if (*action) q.action = **action;
    if (*user) q.user = **user;
    auto page = audit_log.query(q);
    if (!page) return error_response(page.error());
    json entries = json::array();
    for (const auto& e : page->entries) {
      entries.push_back({{"id", e.id},
                         {"at_ms", e.at_ms},
                         {"user", e.user},
                         {"address", e.address},
                         {"action", e.action},
                         {"detail", e.detail}});
    }
    return json_response(200, {{"entries", entries}, {"total", page->total}});
  }
};

WebAuth::WebAuth(asio::io_context& io, core::Timers& timers, store::Database& db,
                 WebAuthConfig config)
    : impl_(std::make_unique<Impl>(io, timers, db, std::move(config))) {}

WebAuth::~WebAuth() = default;

std::variant<Principal, web::HttpResponse> WebAuth::authenticate(const web::HttpRequest& req,
                                                                 Role least) {
  return impl_->authenticate(req, least);
}

bool WebAuth::still_authorized(const web::HttpRequest& req) {
  if (!req.header("authorization").empty())
    return std::holds_alternative<Principal>(impl_->authenticate(req, Role::Viewer));
  return impl_->sessions.alive(cookie_value(req.header("cookie"), kCookie), impl_->timers.now());
}

void WebAuth::audit(const Principal& who, const std::string& action, const std::string& detail) {
  impl_->audit(who.user, who.address, action, detail);
}

web::HttpServer::Handler WebAuth::guard(Role least, Handler handler) {
  return [this, least, h = std::move(handler)](const web::HttpRequest& req) {
    auto who = impl_->authenticate(req, least);
    if (auto* refused = std::get_if<web::HttpResponse>(&who)) return *refused;
    return h(req, std::get<Principal>(who));
  };
}

web::HttpServer::AsyncHandler WebAuth::guard_async(Role least, AsyncHandler handler) {
  return [this, least, h = std::move(handler)](const web::HttpRequest& req,
                                               web::HttpServer::Reply reply) {
    auto who = impl_->authenticate(req, least);
    if (auto* refused = std::get_if<web::HttpResponse>(&who)) return reply(*refused);
    h(req, std::get<Principal>(who), std::move(reply));
  };
}

void WebAuth::add_routes(web::HttpServer& http) {
  Impl& i = *impl_;
  http.route("GET", "/api/v1/auth/status",
             [&i](const web::HttpRequest& req) { return i.status(req); });
  http.route_async("POST", "/api/v1/auth/init",
                   [&i](const web::HttpRequest& req, web::HttpServer::Reply reply) {
                     i.init(req, std::move(reply));
                   });
  http.route_async("POST", "/api/v1/auth/login",
                   [&i](const web::HttpRequest& req, web::HttpServer::Reply reply) {
                     i.login(req, std::move(reply));
                   });
  http.route("POST", "/api/v1/auth/logout",
             guard(Role::Viewer, [&i](const web::HttpRequest& req, const Principal& who) {
               return i.logout(req, who);
             }));
  http.route_async("POST", "/api/v1/auth/password",
                   guard_async(Role::Viewer, [&i](const web::HttpRequest& req, const Principal& who,
                                                  web::HttpServer::Reply reply) {
                     i.change_password(req, who, std::move(reply));
                   }));
  http.route(
      "GET", "/api/v1/users/online",
      guard(Role::Admin, [&i](const web::HttpRequest&, const Principal&) { return i.online(); }));
  http.route("GET", "/api/v1/users",
             guard(Role::Admin,
                   [&i](const web::HttpRequest&, const Principal&) { return i.list_users(); }));
  http.route_async("POST", "/api/v1/users",
                   guard_async(Role::Admin, [&i](const web::HttpRequest& req, const Principal& who,
                                                 web::HttpServer::Reply reply) {
                     i.add_user(req, who, std::move(reply));
                   }));
  // PUT /api/v1/users/NAME/legacy-digest (routes match a prefix only).
  http.route_async("PUT", "/api/v1/users/*",
                   guard_async(Role::Admin, [&i](const web::HttpRequest& req, const Principal& who,
                                                 web::HttpServer::Reply reply) {
                     i.set_legacy_digest(req, who, std::move(reply));
                   }));
  http.route("DELETE", "/api/v1/users/*",
             guard(Role::Admin, [&i](const web::HttpRequest& req, const Principal& who) {
               return i.remove_user(req, who);
             }));
  http.route("GET", "/api/v1/tokens",
             guard(Role::Admin,
                   [&i](const web::HttpRequest&, const Principal&) { return i.list_tokens(); }));
  http.route("POST", "/api/v1/tokens",
             guard(Role::Admin, [&i](const web::HttpRequest& req, const Principal& who) {
               return i.create_token(req, who);
             }));
  http.route("DELETE", "/api/v1/tokens/*",
             guard(Role::Admin, [&i](const web::HttpRequest& req, const Principal& who) {
               return i.revoke_token(req, who);
             }));
  http.route("GET", "/api/v1/audit",
             guard(Role::Admin, [&i](const web::HttpRequest& req, const Principal&) {
               return i.audit_query(req);
             }));
}

void WebAuth::set_login_policy(const LoginPolicy& policy) {
  impl_->guard.set_config(accounts::LoginGuardConfig{policy.max_failures,
                                                     std::chrono::minutes(policy.lock_minutes),
                                                     impl_->guard.config().max_keys});
  impl_->sessions.set_idle_timeout(std::chrono::minutes(policy.idle_minutes));
  impl_->apply_brakes(policy.max_failures, std::chrono::minutes(policy.lock_minutes));
}

}  // namespace vto::api
