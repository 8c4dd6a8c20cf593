#include "app/call_media.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "core/log.h"

namespace vto::app {

namespace asio = boost::asio;

struct CallMedia::Sockets {
  explicit Sockets(asio::io_context& io) : audio(io), video(io) {}
  asio::ip::udp::socket audio;
  asio::ip::udp::socket video;
};

Result<std::unique_ptr<CallMedia>> CallMedia::open(asio::io_context& io, CallMediaConfig config) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(config.address, ec);
  if (ec) return make_error("media address '" + config.address + "' is not an IP address");
  auto sockets = std::make_unique<Sockets>(io);
  for (auto* socket : {&sockets->audio, &sockets->video}) {
    socket->open(address.is_v6() ? asio::ip::udp::v6() : asio::ip::udp::v4(), ec);
    if (!ec) socket->bind(asio::ip::udp::endpoint(address, 0), ec);
    if (ec) return make_error("cannot open an RTP port on " + config.address + ": " + ec.message());
  }
  return std::unique_ptr<CallMedia>(new CallMedia(std::move(config), std::move(sockets)));
}

CallMedia::CallMedia(CallMediaConfig config, std::unique_ptr<Sockets> sockets)
    : config_(std::move(config)), sockets_(std::move(sockets)) {}

CallMedia::~CallMedia() {
  for (auto& [call, sink] : sinks_) {
    if (camera_) (void)camera_->remove_sink(sink);
  }
}

media::LocalEndpoint CallMedia::local(std::uint64_t call) const {
  media::LocalEndpoint local;
  local.address = config_.address;
  local.audio_port = sockets_->audio.local_endpoint().port();
  local.video_port = sockets_->video.local_endpoint().port();
  local.session_id = call;
  local.session_version = 1;
  return local;
}

std::string CallMedia::sdp_for(std::uint64_t call, const std::string& remote_offer) {
  auto log = core::logger("media");
  if (remote_offer.empty()) {
    auto offer = media::make_offer(capabilities_, local(call));
    if (!offer) {
      log->error("call {}: no SDP offer: {}", call, offer.error().message);
      return {};
    }
    return offer->serialize();
  }
  auto parsed = media::SessionDescription::parse(remote_offer);
  if (!parsed) {
    log->info("call {}: unreadable SDP offer: {}", call, parsed.error().message);
    return {};
  }
  auto answer = media::negotiate(*parsed, capabilities_, local(call));
  if (!answer) {
    log->info("call {}: nothing acceptable in the offer: {}", call, answer.error().message);
    return {};
  }
  return answer->sdp.serialize();
}

void CallMedia::on_established(std::uint64_t call, std::string_view remote_sdp) {
  auto log = core::logger("media");
  if (sinks_.contains(call) || remote_sdp.empty()) return;
  auto remote = media::SessionDescription::parse(remote_sdp);
  if (!remote) {
    log->info("call {}: unreadable SDP: {}", call, remote.error().message);
    return;
  }
  for (std::size_t i = 0; i < remote->media.size(); ++i) {
    const media::MediaDescription& m = remote->media[i];
    // The peer must receive video (its answer says recvonly or sendrecv) on an H.264 format.
    if (m.media != "video" || m.declined() || !media::receives(m.direction)) continue;
    const media::Codec* h264 = nullptr;
    for (const auto& codec : m.codecs) {
      if (codec.name == "H264" || codec.name == "h264") {
        h264 = &codec;
        break;
      }
    }
    const media::Connection* to = remote->connection_for(i);
    if (!h264 || !to) continue;
    if (!camera_) {
      media::VideoSource::Config cfg;
      cfg.device = config_.camera_device;
      cfg.on_error = [](std::string message) {
        core::logger("media")->error("camera: {}", message);  // spdlog is thread-safe
      };
      auto started = media::VideoSource::start(std::move(cfg));
      if (!started) {
        log->error("camera does not start: {}", started.error().message);
        return;
      }
      camera_ = std::move(*started);
    }
    auto sink = camera_->add_rtp_sink(to->address, m.port, h264->payload_type);
    if (!sink) {
      log->error("call {}: no video to {}:{}: {}", call, to->address, m.port, sink.error().message);
      return;
    }
    sinks_[call] = *sink;
    log->info("call {}: video to {}:{} (H.264, pt {})", call, to->address, m.port,
              h264->payload_type);
    return;
  }
}

void CallMedia::on_ended(std::uint64_t call) {
  auto it = sinks_.find(call);
  if (it == sinks_.end()) return;
  if (camera_) (void)camera_->remove_sink(it->second);
  sinks_.erase(it);
  core::logger("media")->info("call {}: video stopped", call);
  if (sinks_.empty()) camera_.reset();  // nobody watches: the camera and encoder rest
}

}  // namespace vto::app
