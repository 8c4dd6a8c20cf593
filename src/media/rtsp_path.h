// The RTSP paths of this device family, mapped to the RTSP server's two mounts. No GStreamer:
// the fuzz target links it alone.
#pragma once

#include <string>
#include <string_view>

namespace vto::media {

// The stream a request path names: "/cam/realmonitor" with the query "channel=1&subtype=1"
// (any order, each optional; a trailing "/stream=N" control part, after the path or the
// query, is kept) becomes "/main" or "/sub" + the control part; "/main" and "/sub" (the
// Content-Base of our answers) stay as they are. Empty: no such stream.
std::string rtsp_stream_path(std::string_view abspath, std::string_view query);

}  // namespace vto::media
