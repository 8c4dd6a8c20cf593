// The event stream: GET /api/v1/events, a WebSocket on which vtod pushes
// what happens as JSON, one event per message ({"event": "alarm", ...}). It authenticates
// like any request (viewer role); each socket is checked again every second and closed
// once its session has ended or its token was revoked.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/timers.h"
#include "web/http_server.h"

namespace vto::api {

class EventStream {
 public:
  EventStream(web::HttpServer& http, core::Timers& timers,
              std::function<std::optional<web::HttpResponse>(const web::HttpRequest&)> accept,
              std::function<bool(const web::HttpRequest&)> still_allowed);
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  void publish(const nlohmann::json& event);
  std::size_t listeners() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace vto::api
