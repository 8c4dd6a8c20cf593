#include "api/web_ui.h"

#include <string>

#include "api/web_ui_assets.h"
#include "web/http_server.h"

namespace vto::api {
namespace {

// Only the device's own scripts, styles and pictures: no inline script, nothing from
// another site, no framing.
constexpr const char* kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'";

web::HttpResponse asset_response(const UiAsset& a) {
  web::HttpResponse r;
  r.content_type = std::string(a.content_type);
  r.body = std::string(a.data);
  r.headers["Content-Security-Policy"] = kPolicy;
  return r;
}

const UiAsset* find_asset(std::string_view path) {
  for (const auto& a : ui_assets())
    if (a.path == path) return &a;
  return nullptr;
}

}  // namespace

void add_ui_routes(web::HttpServer& http) {
  http.route("GET", "/", [](const web::HttpRequest&) {
    const UiAsset* index = find_asset("/index.html");
    return index ? asset_response(*index) : web::json_error(404, "no web interface built in");
  });
  http.route("GET", "/ui/*", [](const web::HttpRequest& req) {
    const UiAsset* a = find_asset(req.path.substr(3));
    return a ? asset_response(*a) : web::json_error(404, "not found");
  });
}

}  // namespace vto::api
