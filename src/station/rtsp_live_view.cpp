#include "station/rtsp_live_view.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "core/log.h"

namespace vto::station {

namespace asio = boost::asio;

// One per server started: a posted callback whose token is no longer alive_ came from a
// server replaced (or stopped) meanwhile, and is ignored.
struct RtspLiveView::Alive {};

namespace {

std::size_t index_of(media::VideoStream stream) {
  return stream == media::VideoStream::Sub ? 1 : 0;
}

}  // namespace

RtspLiveView::RtspLiveView(asio::io_context& io, DoorMedia& media, media::StreamBudget& budget,
                           api::ViewerAuth& auth, RtspLiveViewConfig config)
    : io_(io),
      media_(media),
      budget_(budget),
      auth_(auth),
      config_(std::move(config)),
      alive_(std::make_shared<Alive>()) {}

RtspLiveView::~RtspLiveView() {
  stop();
}

Result<void> RtspLiveView::listen(const std::string& address, std::uint16_t port) {
  media::RtspServer::Config c;
  c.address = address;
  c.port = port;
  c.microphone_device = config_.microphone_device;
  c.tone_hz = config_.tone_hz;
  c.budget = &budget_;
  c.allowed = config_.allowed;
  c.authenticate = [this](std::string_view method, std::string_view authorization,
                          std::string_view client) {
    const api::ViewerVerdict v = auth_.check(method, authorization, client);
    using V = media::RtspAuthAnswer::Verdict;
    switch (v.kind) {
      case api::ViewerVerdict::Kind::Ok:
        return media::RtspAuthAnswer{V::Ok, v.user, v.role != store::Role::Viewer};
      case api::ViewerVerdict::Kind::Forbidden:
        return media::RtspAuthAnswer{V::Forbidden, v.user, false};
      case api::ViewerVerdict::Kind::Stale:
        return media::RtspAuthAnswer{V::Stale, {}, false};
      case api::ViewerVerdict::Kind::Challenge:
        break;
    }
    return media::RtspAuthAnswer{V::Challenge, {}, false};
  };
  c.challenges = [this](bool stale) { return auth_.challenges(stale); };
  auto alive = std::make_shared<Alive>();
  std::weak_ptr<Alive> weak = alive;
  c.on_demand = [this, weak](media::VideoStream stream, bool wanted) {
    asio::post(io_, [this, weak, stream, wanted] {
      auto a = weak.lock();
      if (!a || a != alive_) return;  // from a server that is gone
      on_demand(stream, wanted);
    });
  };
  c.on_key_frame = [this, weak](media::VideoStream stream) {
    asio::post(io_, [this, weak, stream] {
      auto a = weak.lock();
      if (!a || a != alive_) return;
      media_.request_key_frame(stream);
    });
  };
  c.on_event = [](std::string line) { core::logger("live")->info("{}", line); };
  c.on_refusal = [this](const std::string& user, const std::string& from,
                        const std::string& why) { auth_.report_refusal(user, from, why); };
  c.backchannel = config_.backchannel && config_.speaker != nullptr;
  if (media::RemoteSpeaker* speaker = config_.speaker) {
    // The speaker is thread-safe: the server's threads play to it directly.
    c.on_talk = [speaker](std::uint64_t talker, std::string_view alaw) {
      speaker->play(talker, media::G711::Alaw, alaw);
    };
    c.on_talk_end = [speaker](std::uint64_t talker) { speaker->release(talker); };
  }
  auto started = media::RtspServer::start(std::move(c));
  if (!started) return started.error();
  stop();  // the old server, if any: its viewers end
  alive_ = alive;
  server_ = std::move(*started);
  core::logger("live")->info("RTSP on {}:{} (rtsp://HOST:{}/cam/realmonitor?channel=1&subtype=0)",
                             address, server_->port(), server_->port());
  return {};
}

void RtspLiveView::stop() {
  if (!server_) return;
  detach_all();  // no camera thread pushes into the server after this
  server_.reset();
  alive_ = std::make_shared<Alive>();
}

std::uint16_t RtspLiveView::port() const {
  return server_ ? server_->port() : 0;
}

std::size_t RtspLiveView::sessions() const {
  return server_ ? server_->sessions() : 0;
}

void RtspLiveView::on_demand(media::VideoStream stream, bool wanted) {
  auto& slot = attached_[index_of(stream)];
  if (!wanted) {
    if (slot) media_.detach_encoded(*slot);
    slot.reset();
    return;
  }
  if (slot || !server_) return;
  media::RtspServer* server = server_.get();
  auto id = media_.attach_encoded(
      stream, [server, stream](GstSample* sample) { server->push(stream, sample); });
  if (!id) {
    core::logger("live")->error("RTSP: no camera stream: {}", id.error().message);
    server_->fail(stream, "the camera does not start");
    return;
  }
  slot = *id;
}

void RtspLiveView::detach_all() {
  for (auto& slot : attached_) {
    if (slot) media_.detach_encoded(*slot);
    slot.reset();
  }
}

void RtspLiveView::set_backchannel(bool on) {
  config_.backchannel = on;
  if (server_) server_->set_backchannel(on && config_.speaker != nullptr);
}

}  // namespace vto::station
