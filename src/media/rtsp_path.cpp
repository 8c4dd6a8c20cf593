#include "media/rtsp_path.h"

namespace vto::media {

namespace {

// "/main" or "/sub" themselves, or followed by a control part ("/main/stream=0").
bool is_mount_path(std::string_view path) {
  for (const std::string_view mount : {std::string_view("/main"), std::string_view("/sub")}) {
    if (path.starts_with(mount) && (path.size() == mount.size() || path[mount.size()] == '/'))
      return true;
  }
  return false;
}

}  // namespace

std::string rtsp_stream_path(std::string_view abspath, std::string_view query) {
  constexpr std::string_view kPath = "/cam/realmonitor";
  while (abspath.size() > 1 && abspath.back() == '/') abspath.remove_suffix(1);
  // The Content-Base of our answers names the mount itself ("rtsp://HOST:PORT/main/"), so
  // players send their SETUP and PLAY there.
  if (is_mount_path(abspath)) return std::string(abspath);
  if (!abspath.starts_with(kPath)) return {};
  std::string control(abspath.substr(kPath.size()));  // "" or "/stream=0"
  if (!control.empty() && control.front() != '/') return {};
  // Players append the control part to the whole URL, query included:
  // "?channel=1&subtype=0/stream=0".
  if (const auto slash = query.find('/'); slash != std::string_view::npos) {
    if (!control.empty()) return {};
    control = std::string(query.substr(slash));
    query = query.substr(0, slash);
    while (!control.empty() && control.back() == '/') control.pop_back();
  }
  std::string_view channel = "1";
  std::string_view subtype = "0";
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (name == "channel") {
      channel = value;
    } else if (name == "subtype") {
      subtype = value;
    }
    // Other parameters (unicast, proto...) some NVRs add are ignored.
  }
  if (channel != "1") return {};
  if (subtype == "0") return "/main" + control;
  if (subtype == "1") return "/sub" + control;
  return {};
}

}  // namespace vto::media
