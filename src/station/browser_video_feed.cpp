#include "station/browser_video_feed.h"

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/log.h"

namespace vto::station {

namespace {

// A browser with this many frames not yet written misses the next ones.
constexpr std::size_t kMaxQueuedFrames = 2;

}  // namespace

struct BrowserVideoFeed::State : std::enable_shared_from_this<BrowserVideoFeed::State> {
  State(core::Timers& t, media::StreamBudget& b, std::function<bool(const web::HttpRequest&)> a,
        Snapshot s)
      : timers(t), budget(b), still_allowed(std::move(a)), snapshot(std::move(s)) {}

  struct Viewer {
    web::HttpRequest request;
    media::StreamBudget::Ticket ticket = 0;
  };

  core::Timers& timers;
  media::StreamBudget& budget;
  std::function<bool(const web::HttpRequest&)> still_allowed;
  Snapshot snapshot;
  std::map<std::shared_ptr<web::WebSocketPeer>, Viewer> viewers;
  bool pumping = false;  // a snapshot is asked for
  std::optional<core::Timers::Id> check_timer;

  void open(const std::shared_ptr<web::WebSocketPeer>& peer, const web::HttpRequest& request) {
    std::weak_ptr<web::WebSocketPeer> weak_peer = peer;
    std::weak_ptr<State> weak_self = weak_from_this();
    auto ticket = budget.acquire(media::StreamBudget::Kind::Browser, [weak_peer, weak_self] {
      // A visitor's call needs the stream (we are on the core thread, inside its setup).
      auto self = weak_self.lock();
      auto p = weak_peer.lock();
      if (!self || !p) return;
      core::logger("live")->info("browser live view makes room for a visitor's call");
      p->send(nlohmann::json{{"error", "a visitor's call needed this video stream"}}.dump());
      self->viewers.erase(p);
      p->close();
    });
    if (!ticket) {
      peer->send(
          nlohmann::json{{"error", "six video streams already run: try again later"}}.dump());
      peer->close();
      return;
    }
    viewers.emplace(peer, Viewer{request, *ticket});
    core::logger("live")->info("browser live view from {} ({} watching)", request.remote_ip,
                               viewers.size());
    pump();
    if (!check_timer) check();
  }

  void close(const std::shared_ptr<web::WebSocketPeer>& peer) {
    auto it = viewers.find(peer);
    if (it == viewers.end()) return;
    budget.release(it->second.ticket);
    viewers.erase(it);
  }

  // One JPEG at a time for every viewer: the next frame, then the one after.
  void pump() {
    if (pumping || viewers.empty()) return;
    pumping = true;
    snapshot([weak = weak_from_this()](Result<std::vector<std::uint8_t>> jpeg) {
      auto self = weak.lock();
      if (!self) return;
      self->pumping = false;
      if (!jpeg) {
        core::logger("live")->warn("browser live view: {}", jpeg.error().message);
        // A camera that does not start: try again in a second, not in a tight loop.
        self->timers.start(std::chrono::seconds(1), [weak] {
          if (auto again = weak.lock()) again->pump();
        });
        return;
      }
      const std::string frame(jpeg->begin(), jpeg->end());
      for (const auto& [peer, viewer] : self->viewers) {
        if (peer->is_open() && peer->queued() < kMaxQueuedFrames) peer->send_binary(frame);
      }
      self->pump();
    });
  }

  void check() {
    check_timer.reset();
    for (auto it = viewers.begin(); it != viewers.end();) {
      if (still_allowed && !still_allowed(it->second.request)) {
        budget.release(it->second.ticket);
        auto peer = it->first;
        it = viewers.erase(it);
        peer->close();
      } else {
        ++it;
      }
    }
    if (viewers.empty()) return;
    check_timer = timers.start(std::chrono::seconds(1), [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->check();
    });
  }
};

BrowserVideoFeed::BrowserVideoFeed(
    web::HttpServer& http, core::Timers& timers, media::StreamBudget& budget,
    std::function<std::optional<web::HttpResponse>(const web::HttpRequest&)> accept,
    std::function<bool(const web::HttpRequest&)> still_allowed, Snapshot snapshot)
    : state_(
          std::make_shared<State>(timers, budget, std::move(still_allowed), std::move(snapshot))) {
  web::WebSocketRoute route;
  route.accept = [accept = std::move(accept),
                  &budget](const web::HttpRequest& req) -> std::optional<web::HttpResponse> {
    if (auto refused = accept(req)) return refused;
    if (budget.in_use() >= budget.limit()) {
      return web::json_error(503, "six video streams already run: try again later");
    }
    return std::nullopt;
  };
  route.on_open = [state = state_](const std::shared_ptr<web::WebSocketPeer>& peer,
                                   const web::HttpRequest& request) { state->open(peer, request); };
  route.on_close = [state = state_](const std::shared_ptr<web::WebSocketPeer>& peer) {
    state->close(peer);
  };
  http.websocket("/api/v1/live/video", std::move(route));
}

BrowserVideoFeed::~BrowserVideoFeed() {
  if (state_->check_timer) state_->timers.cancel(*state_->check_timer);
  state_->check_timer.reset();
  for (auto& [peer, viewer] : state_->viewers) state_->budget.release(viewer.ticket);
  state_->viewers.clear();
}

std::size_t BrowserVideoFeed::viewers() const {
  return state_->viewers.size();
}

}  // namespace vto::station
