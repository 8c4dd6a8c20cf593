// Serves the web interface: GET / is the single page, GET /ui/NAME its scripts and styles,
// all from memory (web_ui_assets.h). The page talks to the JSON API only.
#pragma once

namespace vto::web {
class HttpServer;
}

namespace vto::api {

void add_ui_routes(web::HttpServer& http);

}  // namespace vto::api
