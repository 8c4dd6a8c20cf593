// Live view in the API:
//   GET  /api/v1/live/status        the video streams in use (of six) by kind, the RTSP port
//                                   and paths (viewer)
//   GET  /api/v1/settings/live      who may watch (roles) and how long a monitor session lasts
//   PUT  /api/v1/settings/live      (admin) {"watch_roles": [...], "monitor_seconds": N}
//   GET  /api/v1/snapshot           a JPEG of the camera's next frame (viewer)
//   GET  /cgi-bin/snapshot.cgi      the same for NVRs and home automation, with HTTP digest
//                                   authentication (the web accounts, realm "OpenVTO"); also
//                                   served on the plain HTTP port, which redirects the rest
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "api/auth/viewer_auth.h"
#include "api/auth/web_auth.h"
#include "core/result.h"
#include "media/stream_budget.h"
#include "station/door_media.h"
#include "store/settings.h"

namespace vto::api {

struct LiveSettings {
  std::set<store::Role> watch_roles = {store::Role::Admin, store::Role::Operator,
                                       store::Role::Viewer};
  int monitor_seconds = 60;  // a monitor session ends after this (10 to 600)
  bool operator==(const LiveSettings&) const = default;
};

nlohmann::json to_json(const LiveSettings& s);
// Errc::Invalid naming the field of the first broken rule.
Result<LiveSettings> live_settings_from_json(const nlohmann::json& j);
Result<LiveSettings> load_live_settings(store::Settings& settings);

// A JPEG as the answer to a GET (image/jpeg), or 503 naming the camera's failure.
web::HttpResponse jpeg_response(const Result<std::vector<std::uint8_t>>& jpeg);

struct LiveApiParts {
  store::Settings& settings;
  LiveSettings& live;
  std::function<void(const LiveSettings&)> apply;
  media::StreamBudget& budget;
  ViewerAuth& viewer_auth;
  // A JPEG of the next frame, answered on the core thread.
  std::function<void(std::function<void(Result<std::vector<std::uint8_t>>)>)> snapshot;
  std::function<std::uint16_t()> rtsp_port;  // 0: no RTSP
};

// The snapshot.cgi route goes on every server in `cgi_servers` (the HTTPS one and the plain
// one); the others on `http`. Everything in `deps` outlives the servers' use of the routes.
void add_live_routes(web::HttpServer& http, std::vector<web::HttpServer*> cgi_servers,
                     WebAuth& auth, LiveApiParts deps);

}  // namespace vto::api
