#include "api/auth/web_auth.h"

#include "api/auth/web_auth_impl.h"

namespace vto::api {

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

Guard WebAuth::route_guard() {
  return [this](Role least, web::HttpServer::Handler h) {
    return guard(least, [h = std::move(h)](const web::HttpRequest& req, const Principal&) {
      return h(req);
    });
  };
}

std::optional<web::HttpResponse> WebAuth::refusal(const web::HttpRequest& req, Role least) {
  auto who = impl_->authenticate(req, least);
  if (auto* refused = std::get_if<web::HttpResponse>(&who)) return *refused;
  return std::nullopt;
}

web::HttpServer::AsyncHandler WebAuth::guard_async(Role least, AsyncHandler handler) {
  return [this, least, h = std::move(handler)](const web::HttpRequest& req,
                                               web::HttpServer::Reply reply) {
    auto who = impl_->authenticate(req, least);
    if (auto* refused = std::get_if<web::HttpResponse>(&who)) return reply(*refused);
    h(req, std::get<Principal>(who), std::move(reply));
  };
}

void WebAuth::set_onvif_secrets(const accounts::OnvifSecrets* secrets) {
  impl_->onvif_secrets = secrets;
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
  // PUT /api/v1/users/NAME/legacy-digest and /onvif-password (routes match a prefix only).
  http.route_async("PUT", "/api/v1/users/*",
                   guard_async(Role::Admin, [&i](const web::HttpRequest& req, const Principal& who,
                                                 web::HttpServer::Reply reply) {
                     if (req.path.ends_with("/onvif-password"))
                       return i.set_onvif_password(req, who, std::move(reply));
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
  http.route("GET", "/api/v1/audit.csv",
             guard(Role::Admin, [&i](const web::HttpRequest& req, const Principal&) {
               return i.audit_csv(req);
             }));
}

void WebAuth::set_time_zone(std::string zone) {
  impl_->time_zone = std::move(zone);
}

void WebAuth::set_login_policy(const LoginPolicy& policy) {
  impl_->guard.set_config(accounts::LoginGuardConfig{policy.max_failures,
                                                     std::chrono::minutes(policy.lock_minutes),
                                                     impl_->guard.config().max_keys});
  impl_->sessions.set_idle_timeout(std::chrono::minutes(policy.idle_minutes));
  impl_->apply_brakes(policy.max_failures, std::chrono::minutes(policy.lock_minutes));
}

}  // namespace vto::api
