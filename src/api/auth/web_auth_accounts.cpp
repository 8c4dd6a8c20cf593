#include "api/auth/web_auth_impl.h"

#include <algorithm>

namespace vto::api {

web::HttpResponse WebAuth::Impl::list_users() {
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

void WebAuth::Impl::add_user(const web::HttpRequest& req, const Principal& who,
                             web::HttpServer::Reply reply) {
  auto body = object_body(req);
  if (!body) return reply(error_response(body.error()));
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
          if (r.error().errc == Errc::Conflict)
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
void WebAuth::Impl::set_legacy_digest(const web::HttpRequest& req, const Principal& who,
                                      web::HttpServer::Reply reply) {
  constexpr std::string_view kPrefix = "/api/v1/users/", kSuffix = "/legacy-digest";
  if (!req.path.ends_with(kSuffix) || req.path.size() <= kPrefix.size() + kSuffix.size())
    return reply(web::json_error(404, "not found"));
  const std::string name =
      req.path.substr(kPrefix.size(), req.path.size() - kPrefix.size() - kSuffix.size());
  auto body = object_body(req);
  if (!body) return reply(error_response(body.error()));
  auto on = bool_field(*body, "on", false);
  if (!on || !body->contains("on")) return reply(field_error("on", "required", "true or false"));
  auto account = users.find(name);
  if (!account) return reply(error_response(account.error()));
  if (!*account) return reply(web::json_error(404, "user \"" + name + "\": not found"));
  if (!*on) {
    if (auto r = users.set_legacy_digest(name, false); !r) return reply(error_response(r.error()));
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

// PUT /api/v1/users/NAME/onvif-password {"password": P}: the account's ONVIF password (the
// password rules; never its web password), sealed; "" removes it.
void WebAuth::Impl::set_onvif_password(const web::HttpRequest& req, const Principal& who,
                                       web::HttpServer::Reply reply) {
  constexpr std::string_view kPrefix = "/api/v1/users/", kSuffix = "/onvif-password";
  if (req.path.size() <= kPrefix.size() + kSuffix.size())
    return reply(web::json_error(404, "not found"));
  const std::string name =
      req.path.substr(kPrefix.size(), req.path.size() - kPrefix.size() - kSuffix.size());
  if (!onvif_secrets) return reply(web::json_error(503, "ONVIF passwords are not available"));
  auto body = object_body(req);
  if (!body) return reply(error_response(body.error()));
  auto password = string_field(*body, "password", true);
  if (!password) return reply(field_error("password", "required", "text; \"\" removes it"));
  auto account = users.find(name);
  if (!account) return reply(error_response(account.error()));
  if (!*account) return reply(web::json_error(404, "user \"" + name + "\": not found"));
  if (password->empty()) {
    if (auto r = users.set_onvif_secret(name, ""); !r) return reply(error_response(r.error()));
    audit(who.user, who.address, "onvif_password", name + ": removed");
    return reply(json_response(200, {{"name", name}, {"onvif", false}}));
  }
  if (auto v = accounts::check_password(*password, name))
    return reply(password_error(*v, "password"));
  // Kept retrievable, so it must not also open the web interface.
  bool queued = off_core<bool>(
      who.address, true,
      [stored = (*account)->password_hash, pw = *password] {
        return accounts::verify_password(stored, pw);
      },
      [this, reply, who, name, sealed = onvif_secrets->seal(*password)](bool same) {
        if (same)
          return reply(field_error("password", "same",
                                   "must not be the account's password for the web interface"));
        if (auto r = users.set_onvif_secret(name, sealed); !r)
          return reply(error_response(r.error()));
        audit(who.user, who.address, "onvif_password", name + ": set");
        reply(json_response(200, {{"name", name}, {"onvif", true}}));
      });
  if (!queued) reply(web::json_error(503, "busy, try again in a moment"));
}

web::HttpResponse WebAuth::Impl::remove_user(const web::HttpRequest& req, const Principal& who) {
  const std::string name = req.path.substr(std::string("/api/v1/users/").size());
  if (name == who.user) return web::json_error(409, "you cannot remove your own account");
  if (auto r = users.remove(name); !r) return error_response(r.error());
  sessions.remove_user(name);
  token_cache.clear();  // the tokens it made went with it
  audit(who.user, who.address, "user_removed", name);
  return json_response(200, {{"removed", name}});
}

web::HttpResponse WebAuth::Impl::online() {
  json out = json::array();
  const auto now = timers.now();
  for (const auto& s : sessions.list(now)) {
    out.push_back(
        {{"user", s.user},
         {"role", s.role},
         {"address", s.address},
         {"logged_in_s", std::chrono::duration_cast<std::chrono::seconds>(now - s.created).count()},
         {"idle_s", std::chrono::duration_cast<std::chrono::seconds>(now - s.last_seen).count()}});
  }
  return json_response(200, {{"online", out}});
}

web::HttpResponse WebAuth::Impl::list_tokens() {
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

web::HttpResponse WebAuth::Impl::create_token(const web::HttpRequest& req, const Principal& who) {
  auto body = object_body(req);
  if (!body) return error_response(body.error());
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
  audit(
      who.user, who.address, "token_created",
      *name + " (" + std::string(store::role_name(*role)) + ", " + std::to_string(days) + " days)");
  return json_response(201, {{"id", created->id},
                             {"name", *name},
                             {"role", store::role_name(*role)},
                             {"expires_ms", expires},
                             {"token", created->secret}});
}

web::HttpResponse WebAuth::Impl::revoke_token(const web::HttpRequest& req, const Principal& who) {
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

namespace {

// The filters and page of GET /api/v1/audit and /api/v1/audit.csv; Errc::Invalid naming the
// parameter. `from` after `to` is refused by the store ("from: later than to").
Result<store::AuditQuery> audit_query_of(const web::HttpRequest& req) {
  store::AuditQuery q;
  auto number = [&](std::string_view name,
                    std::int64_t max) -> Result<std::optional<std::int64_t>> {
    auto text = web::query_param(req.query, name);
    if (!text) return make_error(std::string(name) + ": " + text.error().message, Errc::Invalid);
    if (!*text) return std::optional<std::int64_t>{};
    std::int64_t v = 0;
    const std::string& s = **text;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 0 || v > max)
      return make_error(std::string(name) + ": a whole number from 0 to " + std::to_string(max),
                        Errc::Invalid);
    return std::optional<std::int64_t>{v};
  };
  auto limit = number("limit", 500);
  auto offset = number("offset", 1000000000);
  auto from = number("from", INT64_MAX);
  auto to = number("to", INT64_MAX);
  for (auto* r : {&limit, &offset, &from, &to})
    if (!*r) return r->error();
  if (*limit) q.limit = static_cast<std::size_t>(**limit);
  if (*offset) q.offset = static_cast<std::size_t>(**offset);
  if (*from) q.from_ms = **from;
  if (*to) q.to_ms = **to;
  auto action = web::query_param(req.query, "action");
  if (!action) return make_error("action: " + action.error().message, Errc::Invalid);
  auto user = web::query_param(req.query, "user");
  if (!user) return make_error("user: " + user.error().message, Errc::Invalid);
  if (*action) q.action = **action;
  if (*user) q.user = **user;
  auto text = web::query_param(req.query, "q");
  if (!text) return make_error("q: " + text.error().message, Errc::Invalid);
  if (*text && !(*text)->empty()) {
    if ((*text)->size() > 64) return make_error("q: at most 64 characters", Errc::Invalid);
    q.text = **text;
  }
  if (auto ok = store::check_audit_query(q); !ok) return ok.error();
  return q;
}

}  // namespace

web::HttpResponse WebAuth::Impl::audit_query(const web::HttpRequest& req) {
  auto q = audit_query_of(req);
  if (!q) return error_response(q.error());
  auto page = audit_log.query(*q);
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

web::HttpResponse WebAuth::Impl::audit_csv(const web::HttpRequest& req) {
  auto q = audit_query_of(req);
  if (!q) return error_response(q.error());
  // Without a limit the export holds every matching entry (from `offset` on).
  auto limit = web::query_param(req.query, "limit");
  const bool every = limit && !*limit;
  auto page = every ? audit_log.query_all(*q) : audit_log.query(*q);
  if (!page) return error_response(page.error());
  web::HttpResponse response;
  response.content_type = "text/csv; charset=utf-8";
  response.headers["Content-Disposition"] = "attachment; filename=\"audit-log.csv\"";
  response.headers["X-Total-Count"] = std::to_string(page->total);
  response.body = store::audit_csv(page->entries);
  return response;
}

}  // namespace vto::api
