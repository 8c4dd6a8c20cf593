// The web interface's files (web/ui), compiled into vtod by cmake/embed_assets.cmake.
#pragma once

#include <string_view>
#include <vector>

namespace vto::api {

struct UiAsset {
  std::string_view path;  // "/index.html", "/app.js", ...
  std::string_view content_type;
  std::string_view data;
};

const std::vector<UiAsset>& ui_assets();

}  // namespace vto::api
