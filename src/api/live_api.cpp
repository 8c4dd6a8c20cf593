#include "api/live_api.h"

#include <memory>
#include <string>

#include "web/query.h"

namespace vto::api {

using json = nlohmann::json;
using store::Role;

namespace {

constexpr const char* kLiveSettingsKey = "live.settings";

web::HttpResponse ok(const json& body) {
  web::HttpResponse r;
  r.body = body.dump();
  return r;
}

// Only channel 1 exists; a query naming another is an error, not the same picture.
bool channel_one(const std::string& query) {
  auto channel = web::query_param(query, "channel");
  return channel && (!*channel || **channel == "1");
}

}  // namespace

web::HttpResponse jpeg_response(const Result<std::vector<std::uint8_t>>& jpeg) {
  if (!jpeg) return web::json_error(503, "camera: " + jpeg.error().message);
  web::HttpResponse r;
  r.content_type = "image/jpeg";
  r.body.assign(jpeg->begin(), jpeg->end());
  return r;
}

json to_json(const LiveSettings& s) {
  json roles = json::array();
  for (const Role r : {Role::Admin, Role::Operator, Role::Viewer}) {
    if (s.watch_roles.contains(r)) roles.push_back(std::string(store::role_name(r)));
  }
  return {{"watch_roles", roles}, {"monitor_seconds", s.monitor_seconds}};
}

Result<LiveSettings> live_settings_from_json(const json& j) {
  const auto invalid = [](const std::string& field, const std::string& rule) {
    return make_error(field + ": " + rule, Errc::Invalid);
  };
  if (!j.is_object()) return invalid("body", "a JSON object");
  LiveSettings s;
  if (j.contains("watch_roles")) {
    const json& roles = j["watch_roles"];
    if (!roles.is_array()) return invalid("watch_roles", "a list of roles");
    s.watch_roles.clear();
    for (const json& r : roles) {
      auto role = r.is_string() ? store::parse_role(r.get<std::string>()) : std::nullopt;
      if (!role) return invalid("watch_roles", "admin, operator or viewer");
      s.watch_roles.insert(*role);
    }
  }
  if (j.contains("monitor_seconds")) {
    const json& m = j["monitor_seconds"];
    if (!m.is_number_integer() || m.get<std::int64_t>() < 10 || m.get<std::int64_t>() > 600)
      return invalid("monitor_seconds", "a whole number of seconds from 10 to 600");
    s.monitor_seconds = m.get<int>();
  }
  for (const auto& [key, value] : j.items()) {
    if (key != "watch_roles" && key != "monitor_seconds") return invalid(key, "unknown field");
  }
  return s;
}

Result<LiveSettings> load_live_settings(store::Settings& settings) {
  auto saved = settings.get(kLiveSettingsKey);
  if (!saved) return saved.error();
  if (!*saved) return LiveSettings{};
  const json j = json::parse(**saved, nullptr, false);
  if (j.is_discarded()) return LiveSettings{};  // unreadable: the defaults, not a crash
  auto s = live_settings_from_json(j);
  return s ? *s : LiveSettings{};
}

void add_live_routes(web::HttpServer& http, std::vector<web::HttpServer*> cgi_servers,
                     WebAuth& auth, LiveApiParts deps) {
  auto d = std::make_shared<LiveApiParts>(std::move(deps));
  http.route("GET", "/api/v1/live/status",
             auth.guard(Role::Viewer, [d](const web::HttpRequest&, const Principal&) {
               using Kind = media::StreamBudget::Kind;
               const std::uint16_t port = d->rtsp_port();
               json rtsp{{"running", port != 0}, {"port", port}};
               if (port) {
                 rtsp["main"] = "/cam/realmonitor?channel=1&subtype=0";
                 rtsp["sub"] = "/cam/realmonitor?channel=1&subtype=1";
               }
               return ok({{"streams",
                           {{"in_use", d->budget.in_use()},
                            {"limit", d->budget.limit()},
                            {"calls", d->budget.in_use(Kind::Call)},
                            {"monitors", d->budget.in_use(Kind::Monitor)},
                            {"rtsp", d->budget.in_use(Kind::Rtsp)},
                            {"browser", d->budget.in_use(Kind::Browser)}}},
                          {"rtsp", rtsp}});
             }));
  http.route("GET", "/api/v1/settings/live",
             auth.guard(Role::Viewer, [d](const web::HttpRequest&, const Principal&) {
               return ok(to_json(d->live));
             }));
  http.route("PUT", "/api/v1/settings/live",
             auth.guard(Role::Admin, [d, &auth](const web::HttpRequest& req, const Principal& who) {
               auto body = object_body(req);
               if (!body) return error_response(body.error());
               auto next = live_settings_from_json(*body);
               if (!next) {
                 const std::string& m = next.error().message;
                 const auto colon = m.find(':');
                 return field_error(m.substr(0, colon), "invalid", m);
               }
               if (*next != d->live) {
                 if (auto r = d->settings.set(kLiveSettingsKey, to_json(*next).dump()); !r)
                   return web::json_error(500, r.error().message);
                 d->live = *next;
                 if (d->apply) d->apply(d->live);
                 auth.audit(who, "settings_changed", "live view: " + to_json(d->live).dump());
               }
               return ok(to_json(d->live));
             }));
  http.route_async("GET", "/api/v1/snapshot",
                   auth.guard_async(Role::Viewer, [d](const web::HttpRequest&, const Principal& who,
                                                      web::HttpServer::Reply reply) {
                     if (!d->viewer_auth.may_watch(who.role))
                       return reply(web::json_error(403, "this account may not watch the door"));
                     d->snapshot([reply](Result<std::vector<std::uint8_t>> jpeg) {
                       reply(jpeg_response(jpeg));
                     });
                   }));
  // NVRs send no session and no token: HTTP digest with the web accounts.
  const web::HttpServer::AsyncHandler cgi = [d](const web::HttpRequest& req,
                                                web::HttpServer::Reply reply) {
    const ViewerVerdict v =
        d->viewer_auth.check(req.method, req.header("authorization"), req.remote_ip);
    if (v.kind == ViewerVerdict::Kind::Forbidden) {
      return reply(web::json_error(403, "this account may not watch the door"));
    }
    if (v.kind != ViewerVerdict::Kind::Ok) {
      web::HttpResponse r = web::json_error(401, "digest authentication required");
      // One challenge (MD5): the server's headers map keeps one value per name.
      const auto challenges = d->viewer_auth.challenges(v.kind == ViewerVerdict::Kind::Stale);
      if (!challenges.empty()) r.headers["WWW-Authenticate"] = challenges.front();
      return reply(r);
    }
    if (!channel_one(req.query)) return reply(web::json_error(404, "no such channel"));
    d->snapshot([reply](Result<std::vector<std::uint8_t>> jpeg) { reply(jpeg_response(jpeg)); });
  };
  for (web::HttpServer* server : cgi_servers)
    server->route_async("GET", "/cgi-bin/snapshot.cgi", cgi);
}

}  // namespace vto::api
