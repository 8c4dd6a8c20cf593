#include "api/event_stream.h"

#include <map>

namespace vto::api {

struct EventStream::State : std::enable_shared_from_this<EventStream::State> {
  State(core::Timers& t, std::function<bool(const web::HttpRequest&)> allowed)
      : timers(t), still_allowed(std::move(allowed)) {}
  core::Timers& timers;
  std::function<bool(const web::HttpRequest&)> still_allowed;
  std::map<std::shared_ptr<web::WebSocketPeer>, web::HttpRequest> peers;
  std::optional<core::Timers::Id> timer;

  void check() {
    timer.reset();
    for (auto it = peers.begin(); it != peers.end();) {
      if (still_allowed && !still_allowed(it->second)) {
        it->first->close();
        it = peers.erase(it);
      } else {
        ++it;
      }
    }
    if (peers.empty()) return;
    timer = timers.start(std::chrono::seconds(1), [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->check();
    });
  }
};

EventStream::EventStream(
    web::HttpServer& http, core::Timers& timers,
    std::function<std::optional<web::HttpResponse>(const web::HttpRequest&)> accept,
    std::function<bool(const web::HttpRequest&)> still_allowed)
    : state_(std::make_shared<State>(timers, std::move(still_allowed))) {
  web::WebSocketRoute route;
  route.accept = std::move(accept);
  route.on_open = [state = state_](const std::shared_ptr<web::WebSocketPeer>& peer,
                                   const web::HttpRequest& request) {
    state->peers.emplace(peer, request);
    peer->send(nlohmann::json{{"event", "hello"}}.dump());
    if (!state->timer) state->check();
  };
  route.on_close = [state = state_](const std::shared_ptr<web::WebSocketPeer>& peer) {
    state->peers.erase(peer);
  };
  http.websocket("/api/v1/events", std::move(route));
}

EventStream::~EventStream() {
  if (state_->timer) state_->timers.cancel(*state_->timer);
  state_->timer.reset();
}

void EventStream::publish(const nlohmann::json& event) {
  const std::string text = event.dump();
  for (const auto& [peer, request] : state_->peers) peer->send(text);
}

std::size_t EventStream::listeners() const {
  return state_->peers.size();
}

}  // namespace vto::api
