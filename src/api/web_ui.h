// Serves the web interface: GET / is the single page, GET /ui/NAME its scripts, styles and
// pictures. They are built into vtod (web_ui_assets.h); while developing, --ui-dir serves
// them from the source tree instead, read again at every request. The page talks to the
// JSON API only.
#pragma once

#include <string>
#include <string_view>

#include "web/http_server.h"

namespace vto::api {

// `ui_dir` empty: the built-in files.
void add_ui_routes(web::HttpServer& http, std::string ui_dir = {});

// The file NAME ("index.html", "pages/calls.js") of the web interface, with the page's
// Content-Security-Policy; 404 when there is none. From `ui_dir` when it is not empty: then
// NAME must be made of letters, digits, '-', '_' and '.', in '/'-separated parts that do not
// start with a dot, so nothing outside the directory can be read.
web::HttpResponse ui_file(std::string_view name, const std::string& ui_dir);

}  // namespace vto::api
