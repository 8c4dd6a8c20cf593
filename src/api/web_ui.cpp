#include "api/web_ui.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "api/web_ui_assets.h"

namespace vto::api {
namespace {

// Only the device's own scripts, styles and pictures: no inline script, nothing from
// another site, no framing.
constexpr const char* kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'";

web::HttpResponse file_response(std::string_view content_type, std::string body) {
  web::HttpResponse r;
  r.content_type = std::string(content_type);
  r.body = std::move(body);
  r.headers["Content-Security-Policy"] = kPolicy;
  return r;
}

// The same types cmake/embed_assets.cmake gives the built-in files.
std::string_view content_type_of(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

bool is_plain_name(std::string_view name) {
  if (name.empty() || name.size() > 200) return false;
  bool part_start = true;
  for (const char c : name) {
    if (c == '/') {
      if (part_start) return false;  // "" part: leading, trailing or doubled '/'
      part_start = true;
      continue;
    }
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.';
    if (!plain || (part_start && c == '.')) return false;  // no ".", "..", ".hidden"
    part_start = false;
  }
  return !part_start;
}

}  // namespace

web::HttpResponse ui_file(std::string_view name, const std::string& ui_dir) {
  if (ui_dir.empty()) {
    for (const auto& a : ui_assets()) {
      if (a.path.substr(1) == name) return file_response(a.content_type, std::string(a.data));
    }
    return web::json_error(404, "not found");
  }
  std::error_code ec;
  if (!is_plain_name(name) ||
      !std::filesystem::is_regular_file(ui_dir + "/" + std::string(name), ec)) {
    return web::json_error(404, "not found");
  }
  std::ifstream in(ui_dir + "/" + std::string(name), std::ios::binary);
  if (!in) return web::json_error(404, "not found");
  std::ostringstream body;
  body << in.rdbuf();
  return file_response(content_type_of(name), std::move(body).str());
}

void add_ui_routes(web::HttpServer& http, std::string ui_dir) {
  http.route("GET", "/", [ui_dir](const web::HttpRequest&) {
    web::HttpResponse r = ui_file("index.html", ui_dir);
    if (r.status == 404) return web::json_error(404, "no web interface built in");
    return r;
  });
  http.route("GET", "/ui/*", [ui_dir](const web::HttpRequest& req) {
    return ui_file(std::string_view(req.path).substr(4), ui_dir);
  });
}

}  // namespace vto::api
