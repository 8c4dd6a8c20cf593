#include "station/door_media.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <malloc.h>

#include "core/log.h"

namespace vto::station {

namespace asio = boost::asio;

struct DoorMedia::IdleTimer {
  explicit IdleTimer(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  std::uint64_t generation = 0;  // a wait that was superseded does nothing
};

Result<std::unique_ptr<DoorMedia>> DoorMedia::open(asio::io_context& io, DoorMediaConfig config) {
  boost::system::error_code ec;
  (void)asio::ip::make_address(config.address, ec);
  if (ec) return make_error("media address '" + config.address + "' is not an IP address");
  // A port pair now, so that an address vtod cannot bind stops it at start, not at a call.
  if (auto probe = media::RtpPorts::open(config.address); !probe) {
    return make_error("cannot open RTP ports on " + config.address + ": " + probe.error().message);
  }
  // Now rather than on the core thread during the first call (~10 ms of plugin loading).
  media::AudioSession::preload();
  media::VideoSource::preload();
  return std::unique_ptr<DoorMedia>(new DoorMedia(io, std::move(config)));
}

DoorMedia::DoorMedia(asio::io_context& io, DoorMediaConfig config)
    : io_(io), config_(std::move(config)), camera_idle_(std::make_unique<IdleTimer>(io)) {}

DoorMedia::~DoorMedia() {
  audio_.clear();  // joins their streaming threads: no DTMF callback after this
  for (auto& [call, sink] : sinks_) {
    if (camera_) (void)camera_->remove_sink(sink);
  }
  for (auto& [id, sink] : encoded_) {
    if (camera_) (void)camera_->remove_sink(sink);
  }
  if (config_.budget) {
    for (auto& [call, ticket] : tickets_) config_.budget->release(ticket);
  }
  camera_.reset();  // before the ports its branches used
}

// The call's audio ports are bound the first time its SDP is asked for and kept for the
// call (a re-INVITE names the same ones); 0 when no port could be bound.
media::LocalEndpoint DoorMedia::local(std::uint64_t call) {
  auto it = audio_.find(call);
  if (it == audio_.end()) {
    media::AudioSession::Config cfg;
    cfg.address = config_.address;
    cfg.microphone_wav = config_.microphone_wav;
    cfg.microphone_device = config_.microphone_device;
    cfg.tone_hz = config_.microphone_tone_hz;
    cfg.speaker_device = config_.speaker_device;
    cfg.speaker_gain = config_.speaker_gain;
    cfg.microphone_gain = config_.microphone_gain;
    if (!config_.speaker_record_dir.empty()) {
      const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      cfg.speaker_wav = config_.speaker_record_dir + "/call-" + std::to_string(now) + "-" +
                        std::to_string(call) + ".wav";
    }
    cfg.on_error = [call](std::string message) {
      core::logger("media")->error("call {}: audio: {}", call, message);  // thread-safe
    };
    cfg.on_dtmf = [this, call](char key) {
      // From a streaming thread; the session (joined in on_ended) cannot outlive *this.
      asio::post(io_, [this, call, key] {
        if (!audio_.contains(call)) return;
        core::logger("media")->info("call {}: DTMF '{}' (RFC 4733)", call, key);
        if (config_.on_dtmf) config_.on_dtmf(call, key);
      });
    };
    auto opened = media::AudioSession::open(std::move(cfg));
    if (!opened) {
      core::logger("media")->error("call {}: no audio: {}", call, opened.error().message);
    } else {
      if (auto m = muted_.find(call); m != muted_.end()) (*opened)->set_speaker_muted(m->second);
      it = audio_.emplace(call, Audio{std::move(*opened), {}}).first;
    }
  }
  media::LocalEndpoint local;
  local.address = config_.address;
  local.audio_port = it == audio_.end() ? 0 : it->second.session->port();
  auto video = video_ports_.find(call);
  if (video == video_ports_.end()) {
    if (auto ports = media::RtpPorts::open(config_.address); ports) {
      video = video_ports_.emplace(call, std::move(*ports)).first;
    } else {
      core::logger("media")->error("call {}: no video ports: {}", call, ports.error().message);
    }
  }
  local.video_port = video == video_ports_.end() ? 0 : video->second->port();
  local.session_id = call;
  local.session_version = 1;
  if (auto srtp = srtp_.find(call); srtp != srtp_.end()) local.srtp = srtp->second;
  return local;
}

std::string DoorMedia::sdp_for(std::uint64_t call, const std::string& remote_offer,
                               bool keys_allowed) {
  auto log = core::logger("media");
  if (!srtp_.contains(call)) {
    media::SrtpSetup setup;
    setup.policy = config_.srtp;
    setup.signalling_encrypted = keys_allowed;
    if (setup.usable()) {
      setup.audio_key = media::new_master_key();
      setup.video_key = media::new_master_key();
    }
    srtp_.emplace(call, setup);
  }
  // The keys of the call, written or read only where this SDP's own hop allows it.
  const auto here = [&] {
    media::LocalEndpoint l = local(call);
    if (!keys_allowed) l.srtp.signalling_encrypted = false;
    return l;
  };
  if (remote_offer.empty()) {
    auto offer = media::make_offer(capabilities_, here());
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
  auto answer = media::negotiate(*parsed, capabilities_, here());
  if (!answer) {
    log->info("call {}: nothing acceptable in the offer: {}", call, answer.error().message);
    return {};
  }
  return answer->sdp.serialize();
}

void DoorMedia::on_established(std::uint64_t call, std::string_view remote_sdp) {
  if (remote_sdp.empty()) return;
  auto remote = media::SessionDescription::parse(remote_sdp);
  if (!remote) {
    core::logger("media")->info("call {}: unreadable SDP: {}", call, remote.error().message);
    return;
  }
  start_audio(call, *remote);
  start_video(call, *remote);
}

void DoorMedia::start_audio(std::uint64_t call, const media::SessionDescription& remote) {
  auto log = core::logger("media");
  auto it = audio_.find(call);
  if (it == audio_.end() || it->second.session->started()) return;
  // Read as an offer, the peer's SDP gives what both sides agreed: its answer lists only
  // formats we offered, its offer was answered with the first one we support.
  const media::LocalEndpoint here = local(call);
  auto agreed = media::negotiate(remote, capabilities_, here);
  if (!agreed || !agreed->audio) {
    log->info("call {}: no audio stream agreed", call);
    return;
  }
  const media::NegotiatedStream& a = *agreed->audio;
  media::AudioSession::Peer peer;
  peer.address = a.remote.address;
  peer.rtp_port = a.remote_port;
  peer.codec = a.codec;
  peer.telephone_event = a.telephone_event;
  peer.send = media::sends(a.direction);
  peer.srtp = a.srtp;
  if (auto started = it->second.session->start(peer); !started) {
    log->error("call {}: audio does not start: {}", call, started.error().message);
    return;
  }
  it->second.codec = a.codec.name;
  it->second.encrypted = a.srtp.has_value();
  log->info("call {}: audio {} with {}:{} ({}{}{})", call, a.codec.name, peer.address,
            peer.rtp_port, media::to_string(a.direction),
            a.telephone_event ? ", RFC 4733 events" : "", a.srtp ? ", SRTP" : "");
}

void DoorMedia::start_video(std::uint64_t call, const media::SessionDescription& remote) {
  auto log = core::logger("media");
  if (sinks_.contains(call)) return;
  for (std::size_t i = 0; i < remote.media.size(); ++i) {
    const media::MediaDescription& m = remote.media[i];
    // The peer must receive video (its answer says recvonly or sendrecv) on an H.264 format.
    if (m.media != "video" || m.declined() || !media::receives(m.direction)) continue;
    const media::Codec* h264 = nullptr;
    for (const auto& codec : m.codecs) {
      if (codec.name == "H264" || codec.name == "h264") {
        h264 = &codec;
        break;
      }
    }
    const media::Connection* to = remote.connection_for(i);
    if (!h264 || !to) continue;
    // Encrypted when both sides have keys; never plain to a peer that expects SRTP, nor
    // plain when SRTP is required.
    const media::LocalEndpoint here = local(call);
    const media::SrtpChoice srtp = media::choose_srtp(m, here.srtp, here.srtp.video_key);
    if (!srtp.acceptable) {
      log->info("call {}: no video: its SRTP cannot be agreed", call);
      return;
    }
    if (!ensure_camera()) return;
    const auto ports = video_ports_.find(call);
    auto sink = camera_->add_rtp_sink(to->address, m.port, h264->payload_type,
                                      ports == video_ports_.end() ? nullptr : ports->second.get(),
                                      0, srtp.keys);
    if (!sink) {
      log->error("call {}: no video to {}:{}: {}", call, to->address, m.port, sink.error().message);
      return;
    }
    sinks_[call] = *sink;
    video_encrypted_[call] = srtp.keys.has_value();
    if (config_.budget && !tickets_.contains(call)) tickets_[call] = config_.budget->acquire_call();
    log->info("call {}: video to {}:{} (H.264, pt {}{})", call, to->address, m.port,
              h264->payload_type, srtp.keys ? ", SRTP" : "");
    return;
  }
}

void DoorMedia::on_ended(std::uint64_t call) {
  auto log = core::logger("media");
  if (audio_.erase(call)) log->info("call {}: audio stopped", call);
  if (auto it = sinks_.find(call); it != sinks_.end()) {
    if (camera_) (void)camera_->remove_sink(it->second);
    sinks_.erase(it);
    log->info("call {}: video stopped", call);
    rest_camera_if_unused();
  }
  video_ports_.erase(call);  // after its branch, which sent from them
  if (auto t = tickets_.find(call); t != tickets_.end()) {
    if (config_.budget) config_.budget->release(t->second);
    tickets_.erase(t);
  }
  muted_.erase(call);
  srtp_.erase(call);
  video_encrypted_.erase(call);
  release_memory();
}

bool DoorMedia::encrypted(std::uint64_t call) const {
  auto audio = audio_.find(call);
  const bool audio_ok =
      audio != audio_.end() && audio->second.session->started() && audio->second.encrypted;
  auto video = video_encrypted_.find(call);
  return audio_ok && (video == video_encrypted_.end() || video->second);
}

void DoorMedia::hold_stream(std::uint64_t call, media::StreamBudget::Ticket ticket) {
  if (auto t = tickets_.find(call); t != tickets_.end() && config_.budget) {
    config_.budget->release(t->second);
  }
  tickets_[call] = ticket;
}

void DoorMedia::set_speaker_muted(std::uint64_t call, bool muted) {
  muted_[call] = muted;
  if (auto it = audio_.find(call); it != audio_.end()) it->second.session->set_speaker_muted(muted);
}

Result<std::uint64_t> DoorMedia::attach_encoded(media::VideoStream stream,
                                                media::VideoSource::EncodedSink sink) {
  if (!ensure_camera()) return make_error("the camera does not start");
  auto added = camera_->add_encoded_sink(stream, std::move(sink));
  if (!added) {
    rest_camera_if_unused();
    return added.error();
  }
  const std::uint64_t id = next_encoded_++;
  encoded_[id] = *added;
  return id;
}

void DoorMedia::detach_encoded(std::uint64_t id) {
  auto it = encoded_.find(id);
  if (it == encoded_.end()) return;
  if (camera_) (void)camera_->remove_sink(it->second);
  encoded_.erase(it);
  rest_camera_if_unused();
}

void DoorMedia::request_key_frame(media::VideoStream stream) {
  if (camera_) camera_->request_key_frame(stream);
}

// Nothing streams: give the pipelines' memory back to the system.
void DoorMedia::release_memory() {
  if (sinks_.empty() && encoded_.empty() && audio_.empty() && !camera_) malloc_trim(0);
}

bool DoorMedia::ensure_camera() {
  ++camera_idle_->generation;  // in use again: no pending stop
  camera_idle_->timer.cancel();
  if (camera_) return true;
  media::VideoSource::Config cfg = config_.camera;
  cfg.device = config_.camera_device;
  cfg.on_error = [](std::string message) {
    core::logger("media")->error("camera: {}", message);  // spdlog is thread-safe
  };
  auto started = media::VideoSource::start(std::move(cfg));
  if (!started) {
    core::logger("media")->error("camera does not start: {}", started.error().message);
    return false;
  }
  camera_ = std::move(*started);
  return true;
}

// Nobody watches and no snapshot waits: the camera and its encoder rest.
void DoorMedia::rest_camera_if_unused() {
  if (!camera_ || watched()) return;
  const std::uint64_t generation = ++camera_idle_->generation;
  camera_idle_->timer.expires_after(config_.camera_linger);
  camera_idle_->timer.async_wait([this, generation](const boost::system::error_code& ec) {
    if (ec || generation != camera_idle_->generation) return;
    if (watched()) return;
    camera_.reset();
    core::logger("media")->debug("camera resting");
    release_memory();
  });
}

void DoorMedia::snapshot(media::VideoSource::SnapshotDone done) {
  if (!ensure_camera()) {
    done(make_error("the camera does not start"));
    return;
  }
  ++pending_snapshots_;
  camera_->request_snapshot([this, done = std::move(done)](auto jpeg) {
    done(std::move(jpeg));
    asio::post(io_, [this] {
      --pending_snapshots_;
      rest_camera_if_unused();
    });
  });
}

std::vector<CallAudioStatus> DoorMedia::audio_status() const {
  std::vector<CallAudioStatus> list;
  for (const auto& [call, audio] : audio_) {
    list.push_back(CallAudioStatus{call, audio.codec, audio.encrypted, audio.session->stats()});
  }
  return list;
}

void DoorMedia::set_gains(double speaker, double microphone) {
  config_.speaker_gain = speaker;
  config_.microphone_gain = microphone;
  for (auto& [call, audio] : audio_) audio.session->set_gains(speaker, microphone);
}

}  // namespace vto::station
