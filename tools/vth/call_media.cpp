#include "call_media.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <fstream>

#include "media/sdp_negotiate.h"

namespace asio = boost::asio;
using nlohmann::json;

namespace vto::vth {
namespace {

constexpr core::Duration kStatsInterval{500};

// RFC 3264 §6: an offer we cannot take still gets an answer, every stream declined.
std::string declined_answer(const media::SessionDescription& offer,
                            const media::LocalEndpoint& local) {
  media::SessionDescription sdp;
  sdp.origin_user = "openvto";
  sdp.session_id = local.session_id;
  sdp.session_version = local.session_version;
  sdp.origin = {media::numeric_address_type(local.address).value_or("IP4"), local.address};
  sdp.session_name = "OpenVTO";
  sdp.connection = sdp.origin;
  for (const auto& offered : offer.media) {
    media::MediaDescription m;
    m.media = offered.media;
    m.protocol = offered.protocol;
    m.formats = offered.formats;
    if (m.formats.empty()) m.formats.emplace_back("0");
    sdp.media.push_back(std::move(m));
  }
  return sdp.serialize();
}

}  // namespace

CallMedia::CallMedia(asio::io_context& io, core::Timers& timers, Printer print)
    : io_(io), timers_(timers), print_(std::move(print)), audio_(io) {}

CallMedia::~CallMedia() {
  if (tick_timer_) timers_.cancel(tick_timer_);
}

Result<void> CallMedia::open(const std::string& ip) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(ip, ec);
  if (!ec) audio_.open(address.is_v6() ? asio::ip::udp::v6() : asio::ip::udp::v4(), ec);
  if (!ec) audio_.bind(asio::ip::udp::endpoint(address, 0), ec);
  if (ec) return make_error("cannot open a media port on " + ip + ": " + ec.message());
  ip_ = ip;
  audio_port_ = audio_.local_endpoint().port();
  return {};
}

std::string CallMedia::sdp(sip::CallId call, const std::string& remote_offer) {
  if (!remote_offer.empty()) return answer(call, remote_offer);
  const media::LocalEndpoint local{ip_, audio_port_, 0, call, sdp_versions_[call]++};
  auto offer = media::make_offer(media::Capabilities::monitor(), local);
  return offer.ok() ? offer->serialize() : std::string();
}

std::string CallMedia::answer(sip::CallId call, const std::string& remote_offer) {
  const auto caps = media::Capabilities::monitor();
  media::LocalEndpoint local{ip_, audio_port_, 0, call, sdp_versions_[call]++};
  auto offer = media::SessionDescription::parse(remote_offer);
  if (!offer.ok()) return declined_answer({}, local);

  if (auto it = videos_.find(call); it != videos_.end()) {
    local.video_port = it->second.receiver->port();  // a re-INVITE keeps the session
  } else {
    // The receiver's caps need the payload type the answer will pick: ask first, then bind.
    local.video_port = 9;
    auto probe = media::negotiate(*offer, caps, local);
    local.video_port = 0;
    if (probe.ok() && probe->video) {
      media::VideoReceiver::Config config;
      config.address = ip_;
      config.payload_type = probe->video->codec.payload_type;
      config.on_error = [this, call](std::string message) {
        asio::post(io_, [this, call, message = std::move(message)] {
          print_({{"event", "error"}, {"call", call}, {"message", message}});
        });
      };
      if (auto receiver = media::VideoReceiver::open(std::move(config)); receiver.ok()) {
        local.video_port = (*receiver)->port();
        videos_[call] = Video{std::move(*receiver), false};
      } else {
        print_({{"event", "error"}, {"call", call}, {"message", receiver.error().message}});
      }
    }
  }
  auto answer = media::negotiate(*offer, caps, local);
  if (!answer.ok()) return declined_answer(*offer, local);
  return answer->sdp.serialize();
}

void CallMedia::on_established(sip::CallId call) {
  const auto it = videos_.find(call);
  if (it == videos_.end() || it->second.playing) return;
  if (auto r = it->second.receiver->play(); !r) {
    print_({{"event", "error"}, {"call", call}, {"message", r.error().message}});
    videos_.erase(it);
    return;
  }
  it->second.playing = true;
  if (!tick_timer_) tick_timer_ = timers_.start(kStatsInterval, [this] { tick(); });
}

void CallMedia::on_ended(sip::CallId call) {
  sdp_versions_.erase(call);
  const auto it = videos_.find(call);
  if (it == videos_.end()) return;
  if (it->second.playing) print_stats(call, *it->second.receiver);
  videos_.erase(it);  // stops the pipeline, closes the socket
}

void CallMedia::keep_only(const std::vector<sip::CallId>& live_calls) {
  auto gone = [&](sip::CallId call) {
    return std::find(live_calls.begin(), live_calls.end(), call) == live_calls.end();
  };
  std::vector<sip::CallId> ended;
  for (const auto& [call, video] : videos_) {
    if (gone(call)) ended.push_back(call);
  }
  for (const auto& [call, version] : sdp_versions_) {
    if (gone(call) && !videos_.count(call)) ended.push_back(call);
  }
  for (const sip::CallId call : ended) on_ended(call);
}

Result<void> CallMedia::snapshot(sip::CallId call, const std::string& path) {
  auto it = videos_.find(call);
  if (it == videos_.end() || !it->second.playing) {
    it = std::find_if(videos_.begin(), videos_.end(),
                      [](const auto& entry) { return entry.second.playing; });
  }
  if (it == videos_.end()) return make_error("no call with video");
  auto jpeg = it->second.receiver->snapshot_jpeg();
  if (!jpeg) return make_error(jpeg.error().message);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(jpeg->data()),
            static_cast<std::streamsize>(jpeg->size()));
  out.close();
  if (!out) return make_error("cannot write " + path);
  print_({{"event", "snapshot"}, {"call", it->first}, {"path", path}, {"bytes", jpeg->size()}});
  return {};
}

void CallMedia::print_stats(sip::CallId call, const media::VideoReceiver& receiver) {
  const auto stats = receiver.stats();
  json j{{"event", "media"}, {"call", call}, {"video_frames", stats.frames}};
  if (stats.width > 0 && stats.height > 0) {
    j["video_width"] = stats.width;
    j["video_height"] = stats.height;
  }
  print_(j);
}

void CallMedia::tick() {
  tick_timer_ = 0;
  bool any = false;
  for (const auto& [call, video] : videos_) {
    if (!video.playing) continue;
    print_stats(call, *video.receiver);
    any = true;
  }
  if (any) tick_timer_ = timers_.start(kStatsInterval, [this] { tick(); });
}

}  // namespace vto::vth
