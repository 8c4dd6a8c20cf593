// The media side of vth's calls: the SDP it offers and answers (media::negotiate with a
// monitor's capabilities: PCMU, PCMA, opus and DTMF both ways, the door's H.264 received),
// one AudioSession per call (a tone sent, the level of what is heard measured, RFC 4733
// keys sent) and one VideoReceiver per call that accepted video, with the "media",
// "dtmf_sent" and "snapshot" events it prints. A "media" event tells, once the first frame
// is decoded, first_frame_ms: the time from the call's establishment at this monitor (our 200
// OK sent, or the 200 OK to our INVITE received) to that frame; and, when frames carry the
// door's capture stamp (its test pattern, on this host), video_latency_ms {p50, p95, max,
// last, frames} over the latest frames (up to VideoReceiver::kLatencyWindow) and
// video_latency_samples_ms, the latency of each frame decoded since the previous event. Everything
// runs on the io_context's thread; GStreamer's threads only post to it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/timers.h"
#include "media/audio_session.h"
#include "media/sdp_negotiate.h"
#include "media/video_receiver.h"
#include "sip/ua/user_agent.h"

namespace vto::vth {

struct MediaConfig {
  std::string ip;         // numeric address media is received on (SIP's advertised one)
  double tone_hz = 1000;  // what the monitor's microphone sends (0: silence)
  std::vector<std::string> audio_codecs;  // restricts PCMU, PCMA, opus (empty: all)
  // SRTP in calls whose signalling is TLS (keys travel nowhere else).
  media::SrtpPolicy srtp = media::SrtpPolicy::Off;
};

class CallMedia {
 public:
  using Printer = std::function<void(const nlohmann::json&)>;

  CallMedia(boost::asio::io_context& io, core::Timers& timers, Printer print);
  ~CallMedia();

  // Checks the configuration (numeric address, known codec names).
  Result<void> configure(MediaConfig config);

  // The UserAgent's SdpProvider: an audio-only offer when `remote_offer` is empty (with
  // video received too after next_offer_with_video()), else the answer to it, with the audio
  // ports and a video receiver bound for what it names.
  // `keys_allowed`: the signalling is TLS, so SRTP keys may be offered and accepted.
  std::string sdp(sip::CallHandle call, const std::string& remote_offer, bool keys_allowed);
  // The next offer also receives H.264 video: a monitor session with a door station.
  void next_offer_with_video() { next_offer_video_ = true; }

  // The dialog is up (we answered, or our call was answered with `remote_sdp`): audio
  // starts both ways and video starts decoding.
  void on_established(sip::CallHandle call, const std::string& remote_sdp);
  // The call is over: prints the final "media" event and releases the pipelines.
  void on_ended(sip::CallHandle call);
  // Releases the media of calls that are gone without an end event (an answer never sent).
  void keep_only(const std::vector<sip::CallHandle>& live_calls);

  // Sends `keys` as RFC 4733 events in the call's audio, one after another (160 ms each);
  // prints {"event":"dtmf_sent"} when the last one ended.
  Result<void> send_dtmf(sip::CallHandle call, const std::string& keys);
  // Saves the latest decoded frame of `call` (0: any call with video) as a JPEG file.
  Result<void> snapshot(sip::CallHandle call, const std::string& path);

 private:
  struct Session {
    std::unique_ptr<media::AudioSession> audio;
    std::optional<media::NegotiatedStream> agreed_audio;  // from an offer we answered
    std::string codec;
    std::string dtmf_queue;  // keys still to send
    bool dtmf_busy = false;
    std::unique_ptr<media::VideoReceiver> video;
    std::optional<media::SrtpSetup> srtp;  // the call's keys, from its first SDP
    bool encrypted = false;                // its audio is SRTP
    bool established = false;
    std::chrono::steady_clock::time_point established_at;
    std::uint64_t stamps_printed = 0;  // stamped frames whose latency an event has shown
  };

  Session& session(sip::CallHandle call);
  media::LocalEndpoint local(sip::CallHandle call, Session& s);
  std::string answer(sip::CallHandle call, const std::string& remote_offer);
  void next_dtmf(sip::CallHandle call);
  void print_stats(sip::CallHandle call, Session& s);
  void tick();

  boost::asio::io_context& io_;
  core::Timers& timers_;
  Printer print_;
  MediaConfig config_;
  media::Capabilities caps_ = media::Capabilities::monitor();
  std::map<sip::CallHandle, Session> sessions_;
  std::map<sip::CallHandle, std::uint64_t> sdp_versions_;
  core::Timers::Id tick_timer_ = 0;
  bool next_offer_video_ = false;
  // Opens the call's video receiver for payload type `pt`; its port, 0 on failure.
  std::uint16_t open_video(sip::CallHandle call, Session& s, int pt, bool srtp);
};

}  // namespace vto::vth
