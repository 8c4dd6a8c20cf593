// The media of the door station's calls: the SDP it offers and answers, the camera's H.264
// stream sent to every monitor that accepted video, and each call's audio both ways. The
// camera is encoded once (media::VideoSource) while at least one call shows it, and each
// call gets a branch. Each call has its own audio session (media::AudioSession: its RTP/RTCP
// ports, the microphone sent, the speaker's level measured, RFC 4733 events received).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "media/audio_session.h"
#include "media/sdp_negotiate.h"
#include "media/stream_budget.h"
#include "media/video_source.h"

namespace boost::asio {
class io_context;
}

namespace vto::station {

struct DoorMediaConfig {
  std::string address;        // numeric IP written in the SDP (the SIP advertised address)
  std::string camera_device;  // V4L2 device path; empty: the test pattern with a clock
  // The microphone and speaker (media::AudioSession::Config: a WAV file, an ALSA device or
  // a tone; an ALSA device, or the level meter alone).
  std::string microphone_wav;
  std::string microphone_device;
  double microphone_tone_hz = 0;
  std::string speaker_device;
  double speaker_gain = 1.0;     // the talk volume, 0..1 (set_gains)
  double microphone_gain = 1.0;  // 0..1
  // A directory where each call's speaker audio is recorded (call-<unix ms>-<call>.wav);
  // empty: none.
  std::string speaker_record_dir;
  // How long the camera keeps running after its last viewer or snapshot: starting it costs
  // the core thread a few milliseconds, so calls in a row share one run.
  std::chrono::milliseconds camera_linger{10000};
  // An RFC 4733 key received in a call, called on the io_context's thread.
  std::function<void(std::uint64_t call, char key)> on_dtmf;
  // The six video streams: each call that shows the camera takes a ticket (never refused).
  // Null: not counted.
  media::StreamBudget* budget = nullptr;
  // The camera's streams (sizes and bit rates).
  media::VideoSource::Config camera;
  // SRTP for calls whose signalling may carry keys (set_srtp_policy changes it).
  media::SrtpPolicy srtp = media::SrtpPolicy::Off;
};

// What the speaker hears and the microphone sends in one call, for the virtual panel.
struct CallAudioStatus {
  std::uint64_t call = 0;
  std::string codec;       // "PCMU", "PCMA", "opus"; empty until the call is established
  bool encrypted = false;  // its audio is SRTP
  media::AudioSession::Stats stats;
};

class DoorMedia {
 public:
  // Checks that RTP ports can be bound on `config.address` and loads GStreamer's plugins.
  static Result<std::unique_ptr<DoorMedia>> open(boost::asio::io_context& io,
                                                 DoorMediaConfig config);
  ~DoorMedia();

  // The SDP of an outgoing call (empty `remote_offer`) or the answer to an incoming one
  // (empty string when nothing in the offer can be accepted). `keys_allowed`: its signalling
  // is TLS (or stays inside this device), so SRTP keys may be written and read; the first
  // call of a call decides, with the SRTP policy in force then.
  std::string sdp_for(std::uint64_t call, const std::string& remote_offer, bool keys_allowed);
  // The call was answered with `remote_sdp` (its answer, or for incoming calls the offer):
  // start sending video where the peer accepted it, and the audio both ways.
  void on_established(std::uint64_t call, std::string_view remote_sdp);
  // The call ended, however: stop its streams; the camera stops with the last one.
  void on_ended(std::uint64_t call);
  // Whether the call's media is SRTP (audio, and video where it is sent); false until it
  // is established.
  bool encrypted(std::uint64_t call) const;
  void set_srtp_policy(media::SrtpPolicy policy) { config_.srtp = policy; }

  // A JPEG of the camera's next frame, through `done` on a GStreamer thread (post it to
  // the core). The camera starts for it if nobody watches, and rests again afterwards.
  void snapshot(media::VideoSource::SnapshotDone done);

  // The stream ticket `call` took before it was answered (a monitor session, which may be
  // refused): it is its video's ticket, given back when the call ends.
  void hold_stream(std::uint64_t call, media::StreamBudget::Ticket ticket);
  // Mutes (or plays again) what a call's monitor sends to the door's speaker.
  void set_speaker_muted(std::uint64_t call, bool muted);
  // The talk volume and the microphone's gain (0..1) of the calls from now on and of those
  // running.
  void set_gains(double speaker, double microphone);

  // Another consumer of the camera's encoded stream (the RTSP server): the camera runs while
  // one is attached. `sink` runs on a GStreamer thread.
  Result<std::uint64_t> attach_encoded(media::VideoStream stream,
                                       media::VideoSource::EncodedSink sink);
  void detach_encoded(std::uint64_t id);
  void request_key_frame(media::VideoStream stream);

  std::size_t video_streams() const { return sinks_.size(); }
  bool camera_running() const { return camera_ != nullptr; }
  std::size_t audio_sessions() const { return audio_.size(); }
  // The audio of every call that has some, established or not.
  std::vector<CallAudioStatus> audio_status() const;

 private:
  struct Audio {
    std::unique_ptr<media::AudioSession> session;
    std::string codec;
    bool encrypted = false;
  };

  DoorMedia(boost::asio::io_context& io, DoorMediaConfig config);
  media::LocalEndpoint local(std::uint64_t call);
  void start_audio(std::uint64_t call, const media::SessionDescription& remote);
  void start_video(std::uint64_t call, const media::SessionDescription& remote);
  bool ensure_camera();
  // A call, an encoded sink or a snapshot still needs the camera.
  bool watched() const { return !sinks_.empty() || !encoded_.empty() || pending_snapshots_ > 0; }
  void rest_camera_if_unused();
  void release_memory();

  boost::asio::io_context& io_;
  DoorMediaConfig config_;
  media::Capabilities capabilities_ = media::Capabilities::door_station();
  std::unique_ptr<media::VideoSource> camera_;
  std::map<std::uint64_t, media::VideoSource::SinkId> sinks_;
  std::map<std::uint64_t, Audio> audio_;
  // Each call's video RTP/RTCP ports; a call's camera branch is removed before them.
  std::map<std::uint64_t, std::unique_ptr<media::RtpPorts>> video_ports_;
  int pending_snapshots_ = 0;  // the camera runs until they are answered
  std::map<std::uint64_t, media::StreamBudget::Ticket> tickets_;  // by call
  std::map<std::uint64_t, bool> muted_;                           // by call, before its audio
  std::map<std::uint64_t, media::SrtpSetup> srtp_;  // by call: its keys, from its first SDP
  std::map<std::uint64_t, bool> video_encrypted_;   // by call, while its video is sent
  std::map<std::uint64_t, media::VideoSource::SinkId> encoded_;  // by attach_encoded id
  std::uint64_t next_encoded_ = 1;
  struct IdleTimer;
  std::unique_ptr<IdleTimer> camera_idle_;  // stops the camera after camera_linger
};

}  // namespace vto::station
