#include "app/sim_api.h"

#include <string>

#include "hal/sim/sim_panel.h"
#include "web/http_server.h"

namespace vto::app {

namespace {

using nlohmann::json;

// The body as a JSON object holding `field` of the wanted type, or the 400 to answer.
std::optional<web::HttpResponse> check_body(const web::HttpRequest& req, json& body,
                                            const char* field, bool want_bool) {
  body = json::parse(req.body, nullptr, false);
  const bool ok = !body.is_discarded() && body.is_object() && body.contains(field) &&
                  (want_bool ? body[field].is_boolean() : body[field].is_string());
  if (ok) return std::nullopt;
  return web::json_error(400, std::string("body must be {\"") + field +
                                  "\": " + (want_bool ? "true|false}" : "\"...\"}"));
}

web::HttpResponse ok(json body) {
  web::HttpResponse r;
  r.body = body.dump();
  return r;
}

}  // namespace

void add_sim_routes(web::HttpServer& http, const Guard& guard, hal::sim::SimPanel& panel,
                    std::function<void(json&)> extra_state) {
  http.route("POST", "/api/v1/sim/press",
             guard(store::Role::Operator, [&panel](const web::HttpRequest& req) {
               json body;
               if (auto bad = check_body(req, body, "key", false)) return *bad;
               const std::string key = body["key"];
               if (key.size() > 16) return web::json_error(400, "unknown key");
               if (auto r = panel.press(key); !r) return web::json_error(400, r.error().message);
               return ok({{"pressed", key}});
             }));
  http.route("POST", "/api/v1/sim/door",
             guard(store::Role::Operator, [&panel](const web::HttpRequest& req) {
               json body;
               if (auto bad = check_body(req, body, "open", true)) return *bad;
               panel.set_door_open(body["open"].get<bool>());
               return ok({{"door", body["open"].get<bool>() ? "open" : "closed"}});
             }));
  http.route("POST", "/api/v1/sim/tamper",
             guard(store::Role::Operator, [&panel](const web::HttpRequest& req) {
               json body;
               if (auto bad = check_body(req, body, "detached", true)) return *bad;
               panel.set_tamper_detached(body["detached"].get<bool>());
               return ok({{"tamper", body["detached"].get<bool>() ? "detached" : "attached"}});
             }));
  http.route(
      "GET", "/api/v1/sim/state",
      guard(store::Role::Viewer, [&panel, extra = std::move(extra_state)](const web::HttpRequest&) {
        json state = hal::sim::to_json(panel.state());
        if (extra) extra(state);
        return ok(std::move(state));
      }));
}

}  // namespace vto::app
