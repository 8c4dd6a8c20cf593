#include "api/calls_api.h"

#include "api/http_json.h"

#include "web/http_server.h"
#include "web/query.h"

namespace vto::api {

using nlohmann::json;

json event_json(const sip::UaEvent& e) {
  json j{{"event", sip::event_name(e.type)}};
  if (e.call) j["call"] = e.call;
  if (e.status) j["status"] = e.status;
  if (!e.peer.empty()) j["peer"] = e.peer;
  if (!e.reason.empty()) j["reason"] = e.reason;
  return j;
}

void CallEvents::add(json event) {
  events_.push_back(std::move(event));
  if (events_.size() > kKept) events_.pop_front();
}

json CallEvents::list() const {
  json list = json::array();
  for (const auto& e : events_) list.push_back(e);
  return list;
}

void add_call_routes(web::HttpServer& http, const Guard& guard, sip::UserAgent& ua,
                     const sip::MemoryLocationStore& locations, const core::Timers& timers,
                     const CallEvents& events, std::function<SipStatusNow()> status) {
  http.route("GET", "/api/v1/health", [status](const web::HttpRequest&) {
    const SipStatusNow now = status();
    return json_response(
        200, json{{"status", "ok"}, {"mode", now.mode}, {"registered", now.registered}});
  });
  http.route(
      "GET", "/api/v1/registrations",
      guard(store::Role::Viewer, [&locations, &timers](const web::HttpRequest& req) {
        json list = json::array();
        auto prefix = web::query_param(req.query, "aor");
        if (!prefix) return web::json_error(400, prefix.error().message);
        for (const auto& b : locations.lookup_prefix(prefix->value_or(""))) {
          auto left =
              std::chrono::duration_cast<std::chrono::seconds>(b.expires_at - timers.now()).count();
          list.push_back({{"aor", b.aor},
                          {"contact", b.contact},
                          {"expires", left},
                          {"source", b.source.host_port()},
                          {"transport", transport_name(b.source.transport)},
                          {"user_agent", b.user_agent}});
        }
        return json_response(200, json{{"registrations", list}});
      }));
  http.route("POST", "/api/v1/calls",
             guard(store::Role::Operator, [&ua](const web::HttpRequest& req) {
               auto body = json::parse(req.body, nullptr, false);
               if (body.is_discarded() || !body.is_object() || !body.contains("to") ||
                   !body["to"].is_string()) {
                 return web::json_error(400, "body must be {\"to\": \"NUMBER\"}");
               }
               std::string to = body["to"];
               if (to.empty() || to.size() > 32 ||
                   to.find_first_not_of(
                       "0123456789#abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
                       std::string::npos) {
                 return web::json_error(400, "\"to\" must be a room, device or VTO number");
               }
               const sip::CallHandle id = ua.call(to);
               return json_response(202, json{{"call", id}, {"to", to}});
             }));
  http.route("DELETE", "/api/v1/calls/*",
             guard(store::Role::Operator, [&ua](const web::HttpRequest& req) {
               const std::string id_text = req.path.substr(std::string("/api/v1/calls/").size());
               sip::CallHandle id = 0;
               try {
                 id = std::stoull(id_text);
               } catch (...) {
                 return web::json_error(400, "bad call id");
               }
               if (auto res = ua.hangup(id); !res) return web::json_error(404, res.error().message);
               return json_response(200, json{{"call", id}, {"state", "hung up"}});
             }));
  http.route("GET", "/api/v1/calls/events",
             guard(store::Role::Viewer, [&events](const web::HttpRequest&) {
               return json_response(200, json{{"events", events.list()}});
             }));
}

}  // namespace vto::api
