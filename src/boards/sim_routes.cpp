#include "boards/sim_routes.h"

#include <map>
#include <string>

#include "api/auth/web_auth.h"
#include "hal/sim/sim_panel.h"
#include "web/http_server.h"

namespace vto::boards {

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

void add_sim_routes(web::HttpServer& http, api::WebAuth& auth,
                    std::function<hal::sim::SimPanel&()> panel,
                    std::function<void(json&)> extra_state) {
  http.route("POST", "/api/v1/sim/press",
             auth.guard(store::Role::Operator,
                        [panel, &auth](const web::HttpRequest& req, const api::Principal& who) {
                          json body;
                          if (auto bad = check_body(req, body, "key", false)) return *bad;
                          const std::string key = body["key"];
                          if (key.size() > 16) return web::json_error(400, "unknown key");
                          if (auto r = panel().press(key); !r)
                            return web::json_error(400, r.error().message);
                          auth.audit(who, "sim_input", "pressed " + key);
                          return ok({{"pressed", key}});
                        }));
  // POST {field: "text"}: the text handed to the module, audited as "NAME text", answered
  // {NAME: text}.
  const auto text_input = [&](const char* path, const char* field, const char* name,
                              Result<void> (hal::sim::SimPanel::*act)(std::string_view)) {
    http.route("POST", path,
               auth.guard(store::Role::Operator,
                          [panel, &auth, field, name, act](const web::HttpRequest& req,
                                                           const api::Principal& who) {
                            json body;
                            if (auto bad = check_body(req, body, field, false)) return *bad;
                            const std::string text = body[field];
                            if (auto r = (panel().*act)(text); !r) {
                              return web::json_error(400, r.error().message);
                            }
                            auth.audit(who, "sim_input", std::string(name) + " " + text);
                            return ok({{name, text}});
                          }));
  };
  text_input("/api/v1/sim/card", "number", "card", &hal::sim::SimPanel::present_card);
  // {"finger": "name"} lays that finger on the sensor; {"new": true} a finger never enrolled
  // (while enrolling: the finger enrolled).
  http.route("POST", "/api/v1/sim/finger",
             auth.guard(store::Role::Operator,
                        [panel, &auth](const web::HttpRequest& req, const api::Principal& who) {
                          json body = json::parse(req.body, nullptr, false);
                          if (body.is_object() && body.contains("new") && body["new"] == true) {
                            auto name = panel().touch_new_finger();
                            if (!name) return web::json_error(400, name.error().message);
                            auth.audit(who, "sim_input", "finger " + *name);
                            return ok({{"finger", *name}});
                          }
                          if (auto bad = check_body(req, body, "finger", false)) return *bad;
                          const std::string text = body["finger"];
                          if (auto r = panel().touch_finger(text); !r) {
                            return web::json_error(400, r.error().message);
                          }
                          auth.audit(who, "sim_input", "finger " + text);
                          return ok({{"finger", text}});
                        }));
  http.route("POST", "/api/v1/sim/door",
             auth.guard(store::Role::Operator,
                        [panel, &auth](const web::HttpRequest& req, const api::Principal& who) {
                          json body;
                          if (auto bad = check_body(req, body, "open", true)) return *bad;
                          panel().set_door_open(body["open"].get<bool>());
                          auth.audit(who, "sim_input",
                                     body["open"].get<bool>() ? "door opened" : "door closed");
                          return ok({{"door", body["open"].get<bool>() ? "open" : "closed"}});
                        }));
  http.route("POST", "/api/v1/sim/tamper",
             auth.guard(store::Role::Operator, [panel, &auth](const web::HttpRequest& req,
                                                              const api::Principal& who) {
               json body;
               if (auto bad = check_body(req, body, "detached", true)) return *bad;
               panel().set_tamper_detached(body["detached"].get<bool>());
               auth.audit(who, "sim_input",
                          body["detached"].get<bool>() ? "device detached" : "device attached");
               return ok({{"tamper", body["detached"].get<bool>() ? "detached" : "attached"}});
             }));
  // {"position": N, "present": false} unplugs the facade's module N (0 is the camera module)
  // from the simulated bus, as a board's keypad or reader can go missing; true plugs it in.
  http.route(
      "POST", "/api/v1/sim/module",
      auth.guard(store::Role::Operator, [panel, &auth](const web::HttpRequest& req,
                                                       const api::Principal& who) {
        json body;
        if (auto bad = check_body(req, body, "present", true)) return *bad;
        if (!body.contains("position") || !body["position"].is_number_unsigned())
          return web::json_error(400, "body must be {\"position\": N, \"present\": true|false}");
        const auto position = body["position"].get<std::size_t>();
        const bool present = body["present"].get<bool>();
        if (position == 0) return web::json_error(400, "the camera module is always there");
        if (auto r = panel().set_module_present(position, present); !r)
          return web::json_error(400, r.error().message);
        auth.audit(who, "sim_input",
                   "module " + std::to_string(position) + (present ? " plugged in" : " unplugged"));
        return ok({{"position", position}, {"present", present}});
      }));
  http.route("GET", "/api/v1/sim/state",
             auth.guard(store::Role::Viewer, [panel, extra = std::move(extra_state)](
                                                 const web::HttpRequest&, const api::Principal&) {
               json state = hal::sim::to_json(panel().state());
               if (extra) extra(state);
               return ok(std::move(state));
             }));
}

namespace {

// The listeners of /api/v1/sim/live (with their upgrade requests) and the last state sent.
struct SimLive : std::enable_shared_from_this<SimLive> {
  SimLive(core::Timers& t, std::function<bool(const web::HttpRequest&)> allowed,
          std::function<json()> s)
      : timers(t), still_allowed(std::move(allowed)), state(std::move(s)) {}
  core::Timers& timers;
  std::function<bool(const web::HttpRequest&)> still_allowed;
  std::function<json()> state;
  std::map<std::shared_ptr<web::WebSocketPeer>, web::HttpRequest> peers;
  std::string last;
  std::optional<core::Timers::Id> timer;
  unsigned ticks = 0;

  void tick() {
    timer.reset();
    if (++ticks % 10 == 0 && still_allowed) {  // once a second: is each session still on?
      for (auto it = peers.begin(); it != peers.end();) {
        if (still_allowed(it->second)) {
          ++it;
        } else {
          it->first->close();
          it = peers.erase(it);
        }
      }
    }
    if (peers.empty()) return;
    std::string now = state().dump();
    if (now != last) {
      last = now;
      for (const auto& [p, request] : peers) p->send(last);
    }
    timer = timers.start(core::Duration(100), [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->tick();
    });
  }
};

}  // namespace

void add_sim_live(web::HttpServer& http, core::Timers& timers,
                  std::function<std::optional<web::HttpResponse>(const web::HttpRequest&)> accept,
                  std::function<bool(const web::HttpRequest&)> still_allowed,
                  std::function<json()> state) {
  auto live = std::make_shared<SimLive>(timers, std::move(still_allowed), std::move(state));
  web::WebSocketRoute route;
  route.accept = std::move(accept);
  route.on_open = [live](const std::shared_ptr<web::WebSocketPeer>& peer,
                         const web::HttpRequest& request) {
    live->peers.emplace(peer, request);
    peer->send(live->state().dump());  // the newcomer's first picture
    if (!live->timer) live->tick();
  };
  route.on_close = [live](const std::shared_ptr<web::WebSocketPeer>& peer) {
    live->peers.erase(peer);
  };
  http.websocket("/api/v1/sim/live", std::move(route));
}

}  // namespace vto::boards
