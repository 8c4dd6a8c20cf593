// Live view in the browser (the Live page and the virtual panel): GET /api/v1/live/video, a
// WebSocket on which vtod pushes the camera's frames as JPEG images, one binary message per
// frame, as fast as the camera makes them and the browser takes them (a frame is skipped for
// a browser that is behind). JPEGs of the raw frames (VideoSource's snapshot branch) rather
// than WebRTC: every browser shows them with no codec of its own, with one frame of latency.
// Each socket holds one of the six video streams (refused with 503 past them, closed when a
// visitor's call needs its room) and is checked every second like the event stream: closed
// once its session ended or its token was revoked. Who may open one: the roles that may
// watch (the live settings).
// Core thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/result.h"
#include "core/timers.h"
#include "media/stream_budget.h"
#include "web/http_server.h"

namespace vto::station {

class BrowserVideoFeed {
 public:
  // A JPEG of the camera's next frame, answered on the core thread.
  using Snapshot = std::function<void(std::function<void(Result<std::vector<std::uint8_t>>)> done)>;

  BrowserVideoFeed(web::HttpServer& http, core::Timers& timers, media::StreamBudget& budget,
                   std::function<std::optional<web::HttpResponse>(const web::HttpRequest&)> accept,
                   std::function<bool(const web::HttpRequest&)> still_allowed, Snapshot snapshot);
  ~BrowserVideoFeed();
  BrowserVideoFeed(const BrowserVideoFeed&) = delete;
  BrowserVideoFeed& operator=(const BrowserVideoFeed&) = delete;

  std::size_t viewers() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace vto::station
