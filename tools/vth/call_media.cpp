#include "call_media.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cmath>
#include <fstream>

#include "core/text.h"

namespace asio = boost::asio;
using nlohmann::json;

namespace vto::vth {
namespace {

constexpr core::Duration kStatsInterval{500};
constexpr core::Duration kDtmfTone{160};
constexpr core::Duration kDtmfGap{300};  // rtpdtmfsrc plays an event for at least 250 ms

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

// Milliseconds with one decimal.
double rounded_ms(double ms) {
  return std::round(ms * 10.0) / 10.0;
}

double us_to_ms(std::int64_t us) {
  return rounded_ms(static_cast<double>(us) / 1000.0);
}

// p50, p95 (nearest rank), max and last of a non-empty list of latencies in microseconds.
json latency_summary(const std::vector<std::int64_t>& latency_us) {
  std::vector<std::int64_t> sorted = latency_us;
  std::sort(sorted.begin(), sorted.end());
  auto percentile = [&](double p) {
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
  };
  return {{"p50", us_to_ms(percentile(0.50))},
          {"p95", us_to_ms(percentile(0.95))},
          {"max", us_to_ms(sorted.back())},
          {"last", us_to_ms(latency_us.back())},
          {"frames", sorted.size()}};
}

}  // namespace

CallMedia::CallMedia(asio::io_context& io, core::Timers& timers, Printer print)
    : io_(io), timers_(timers), print_(std::move(print)) {}

CallMedia::~CallMedia() {
  if (tick_timer_) timers_.cancel(tick_timer_);
  sessions_.clear();  // joins the streaming threads before the members they post to go
}

Result<void> CallMedia::configure(MediaConfig config) {
  if (!media::numeric_address_type(config.ip)) return make_error("media address is not numeric");
  if (config.tone_hz < 0 || config.tone_hz > 20000) return make_error("--tone: 0 to 20000 Hz");
  if (!config.audio_codecs.empty()) {
    std::vector<media::Codec> chosen;
    for (const auto& name : config.audio_codecs) {
      auto it =
          std::find_if(caps_.audio_codecs.begin(), caps_.audio_codecs.end(),
                       [&](const media::Codec& c) { return core::ascii_iequals(c.name, name); });
      if (it == caps_.audio_codecs.end()) {
        return make_error("unknown audio codec '" + name + "' (PCMU, PCMA, opus)");
      }
      chosen.push_back(*it);
    }
    caps_.audio_codecs = std::move(chosen);
  }
  config_ = std::move(config);
  return {};
}

CallMedia::Session& CallMedia::session(sip::CallHandle call) {
  return sessions_[call];
}

// The call's audio ports, bound when its SDP is first asked for and kept for the call.
media::LocalEndpoint CallMedia::local(sip::CallHandle call, Session& s) {
  if (!s.audio) {
    media::AudioSession::Config cfg;
    cfg.address = config_.ip;
    cfg.tone_hz = config_.tone_hz;
    cfg.on_error = [this, call](std::string message) {
      asio::post(io_, [this, call, message = std::move(message)] {
        print_({{"event", "error"}, {"call", call}, {"message", "audio: " + message}});
      });
    };
    cfg.on_dtmf = [this, call](char key) {
      asio::post(io_, [this, call, key] {
        print_({{"event", "dtmf_received"}, {"call", call}, {"key", std::string(1, key)}});
      });
    };
    if (auto opened = media::AudioSession::open(std::move(cfg)); opened.ok()) {
      s.audio = std::move(*opened);
    } else {
      print_({{"event", "error"}, {"call", call}, {"message", opened.error().message}});
    }
  }
  return media::LocalEndpoint{config_.ip,
                              s.audio ? s.audio->port() : std::uint16_t{0},
                              s.video ? s.video->port() : std::uint16_t{0},
                              call,
                              sdp_versions_[call]++,
                              s.srtp.value_or(media::SrtpSetup{})};
}

std::string CallMedia::sdp(sip::CallHandle call, const std::string& remote_offer,
                           bool keys_allowed) {
  Session& first = session(call);
  if (!first.srtp) {
    media::SrtpSetup setup;
    setup.policy = config_.srtp;
    setup.signalling_encrypted = keys_allowed;
    setup.audio_key = media::new_master_key();
    setup.video_key = media::new_master_key();
    first.srtp = setup;
  }
  if (!remote_offer.empty()) return answer(call, remote_offer);
  Session& s = session(call);
  media::LocalEndpoint here = local(call, s);
  // A monitor calling a flat offers audio; one watching a door asks for its video too.
  here.video_port = 0;
  if (std::exchange(next_offer_video_, false) && caps_.video_codec) {
    here.video_port =
        s.video ? s.video->port()
                : open_video(call, s, caps_.video_codec->payload_type, here.srtp.usable());
  }
  auto offer = media::make_offer(caps_, here);
  return offer.ok() ? offer->serialize() : std::string();
}

std::uint16_t CallMedia::open_video(sip::CallHandle call, Session& s, int pt, bool srtp) {
  media::VideoReceiver::Config config;
  config.address = config_.ip;
  config.payload_type = pt;
  config.srtp = srtp;
  config.on_error = [this, call](std::string message) {
    asio::post(io_, [this, call, message = std::move(message)] {
      print_({{"event", "error"}, {"call", call}, {"message", message}});
    });
  };
  auto receiver = media::VideoReceiver::open(std::move(config));
  if (!receiver.ok()) {
    print_({{"event", "error"}, {"call", call}, {"message", receiver.error().message}});
    return 0;
  }
  s.video = std::move(*receiver);
  return s.video->port();
}

std::string CallMedia::answer(sip::CallHandle call, const std::string& remote_offer) {
  Session& s = session(call);
  media::LocalEndpoint here = local(call, s);
  auto offer = media::SessionDescription::parse(remote_offer);
  if (!offer.ok()) return declined_answer({}, here);

  if (!s.video) {
    // The receiver's caps need the payload type the answer will pick: ask first, then bind.
    here.video_port = 9;
    auto probe = media::negotiate(*offer, caps_, here);
    here.video_port = 0;
    if (probe.ok() && probe->video) {
      here.video_port =
          open_video(call, s, probe->video->codec.payload_type, probe->video->srtp.has_value());
    }
  }
  auto agreed = media::negotiate(*offer, caps_, here);
  if (!agreed.ok()) return declined_answer(*offer, here);
  if (agreed->audio) s.agreed_audio = agreed->audio;
  if (agreed->video && agreed->video->srtp && s.video)
    (void)s.video->set_srtp_keys(*agreed->video->srtp);
  return agreed->sdp.serialize();
}

void CallMedia::on_established(sip::CallHandle call, const std::string& remote_sdp) {
  auto it = sessions_.find(call);
  if (it == sessions_.end() || it->second.established) return;
  Session& s = it->second;
  s.established = true;
  s.established_at = std::chrono::steady_clock::now();
  if (!s.agreed_audio && !remote_sdp.empty()) {
    // Our offer was answered: read the answer as an offer to get what both sides agreed.
    if (auto remote = media::SessionDescription::parse(remote_sdp); remote.ok()) {
      media::LocalEndpoint here{config_.ip,
                                s.audio ? s.audio->port() : std::uint16_t{0},
                                s.video ? s.video->port() : std::uint16_t{0},
                                call,
                                0,
                                s.srtp.value_or(media::SrtpSetup{})};
      if (auto agreed = media::negotiate(*remote, caps_, here); agreed.ok()) {
        s.agreed_audio = agreed->audio;
        if (agreed->video && agreed->video->srtp && s.video)
          (void)s.video->set_srtp_keys(*agreed->video->srtp);
      }
    }
  }
  if (s.audio && s.agreed_audio) {
    const media::NegotiatedStream& a = *s.agreed_audio;
    media::AudioSession::Peer peer;
    peer.address = a.remote.address;
    peer.rtp_port = a.remote_port;
    peer.codec = a.codec;
    peer.telephone_event = a.telephone_event;
    peer.send = media::sends(a.direction);
    peer.srtp = a.srtp;
    if (auto r = s.audio->start(peer); r.ok()) {
      s.codec = a.codec.name;
      s.encrypted = a.srtp.has_value();
    } else {
      print_({{"event", "error"}, {"call", call}, {"message", r.error().message}});
    }
  }
  if (s.video) {
    if (auto r = s.video->play(); !r) {
      print_({{"event", "error"}, {"call", call}, {"message", r.error().message}});
      s.video.reset();
    }
  }
  if (!tick_timer_) tick_timer_ = timers_.start(kStatsInterval, [this] { tick(); });
}

void CallMedia::on_ended(sip::CallHandle call) {
  sdp_versions_.erase(call);
  const auto it = sessions_.find(call);
  if (it == sessions_.end()) return;
  if (it->second.established) print_stats(call, it->second);
  sessions_.erase(it);  // stops the pipelines, closes the sockets
}

void CallMedia::keep_only(const std::vector<sip::CallHandle>& live_calls) {
  auto gone = [&](sip::CallHandle call) {
    return std::find(live_calls.begin(), live_calls.end(), call) == live_calls.end();
  };
  std::vector<sip::CallHandle> ended;
  for (const auto& [call, s] : sessions_) {
    if (gone(call)) ended.push_back(call);
  }
  for (const auto& [call, version] : sdp_versions_) {
    if (gone(call) && !sessions_.count(call)) ended.push_back(call);
  }
  for (const sip::CallHandle call : ended) on_ended(call);
}

Result<void> CallMedia::send_dtmf(sip::CallHandle call, const std::string& keys) {
  auto it = sessions_.find(call);
  if (it == sessions_.end() || !it->second.audio || !it->second.audio->started()) {
    return make_error("no call with audio");
  }
  if (!it->second.agreed_audio || !it->second.agreed_audio->telephone_event) {
    return make_error("the call has no RFC 4733 events (use: info DIGITS)");
  }
  it->second.dtmf_queue += keys;
  if (!it->second.dtmf_busy) next_dtmf(call);
  return {};
}

void CallMedia::next_dtmf(sip::CallHandle call) {
  auto it = sessions_.find(call);
  if (it == sessions_.end()) return;
  Session& s = it->second;
  if (s.dtmf_queue.empty()) {
    s.dtmf_busy = false;
    print_({{"event", "dtmf_sent"}, {"call", call}});
    return;
  }
  const char key = s.dtmf_queue.front();
  s.dtmf_queue.erase(0, 1);
  s.dtmf_busy = true;
  if (auto r = s.audio->start_dtmf(key); !r) {
    print_({{"event", "error"}, {"call", call}, {"message", r.error().message}});
    s.dtmf_queue.clear();
    s.dtmf_busy = false;
    return;
  }
  timers_.start(kDtmfTone, [this, call] {
    auto found = sessions_.find(call);
    if (found == sessions_.end()) return;
    (void)found->second.audio->stop_dtmf();
    timers_.start(kDtmfGap, [this, call] { next_dtmf(call); });
  });
}

Result<void> CallMedia::snapshot(sip::CallHandle call, const std::string& path) {
  auto it = sessions_.find(call);
  if (it == sessions_.end() || !it->second.video || !it->second.established) {
    it = std::find_if(sessions_.begin(), sessions_.end(), [](const auto& entry) {
      return entry.second.video && entry.second.established;
    });
  }
  if (it == sessions_.end()) return make_error("no call with video");
  auto jpeg = it->second.video->snapshot_jpeg();
  if (!jpeg) return make_error(jpeg.error().message);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(jpeg->data()),
            static_cast<std::streamsize>(jpeg->size()));
  out.close();
  if (!out) return make_error("cannot write " + path);
  print_({{"event", "snapshot"}, {"call", it->first}, {"path", path}, {"bytes", jpeg->size()}});
  return {};
}

void CallMedia::print_stats(sip::CallHandle call, Session& s) {
  json j{{"event", "media"}, {"call", call}};
  if (s.video) {
    const auto stats = s.video->stats();
    j["video_frames"] = stats.frames;
    if (stats.width > 0 && stats.height > 0) {
      j["video_width"] = stats.width;
      j["video_height"] = stats.height;
    }
    if (stats.first_frame) {
      const std::chrono::duration<double, std::milli> wait = *stats.first_frame - s.established_at;
      j["first_frame_ms"] = rounded_ms(wait.count());
    }
    if (!stats.latency_us.empty()) {
      j["video_stamped_frames"] = stats.stamped_frames;
      j["video_latency_ms"] = latency_summary(stats.latency_us);
      const auto fresh = static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(
          stats.stamped_frames - s.stamps_printed, stats.latency_us.size()));
      json samples = json::array();
      for (auto i = stats.latency_us.end() - fresh; i != stats.latency_us.end(); ++i) {
        samples.push_back(us_to_ms(*i));
      }
      j["video_latency_samples_ms"] = std::move(samples);
      s.stamps_printed = stats.stamped_frames;
    }
  }
  if (s.audio && s.audio->started()) {
    const auto stats = s.audio->stats();
    j["audio_codec"] = s.codec;
    j["srtp"] = s.encrypted;
    j["audio_packets_received"] = stats.packets_received;
    j["audio_packets_sent"] = stats.packets_sent;
    j["audio_level_db"] = stats.level_db;
    j["audio_peak_level_db"] = stats.peak_level_db;
  }
  print_(j);
}

void CallMedia::tick() {
  tick_timer_ = 0;
  bool any = false;
  for (auto& [call, s] : sessions_) {
    if (!s.established) continue;
    print_stats(call, s);
    any = true;
  }
  if (any) tick_timer_ = timers_.start(kStatsInterval, [this] { tick(); });
}

}  // namespace vto::vth
