// One call's audio, both ways, for the door station and for indoor monitors: an RTP session
// in rtpbin (RTP on an even UDP port, RTCP on the next one, both sent from the ports they are
// received on: symmetric RTP), with
//   send:    microphone (a device, a WAV file or a tone) → encoder → payloader → rtpdtmfmux
//            → rtpbin → udpsink; rtpdtmfsrc on the mux's priority pad sends RFC 4733 events;
//   receive: udpsrc → rtpbin (jitter buffer) → per payload type: depayloader → decoder →
//            speaker (a device, or the level meter alone), or rtpdtmfdepay → on_dtmf.
// PCMU, PCMA (8 kHz) and opus (48 kHz) are supported. The ports are bound by open(), before
// the SDP names them; the pipeline is built by start() once the codec is agreed. Methods are
// called from one thread; stats() is safe while GStreamer's threads stream; the callbacks of
// Config run on GStreamer threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "media/sdp.h"
#include "media/sdp_negotiate.h"

namespace vto::media {

class AudioSession {
 public:
  struct Config {
    std::string address;  // numeric local IPv4 or IPv6 address to receive on
    // What is sent: a WAV file (played once, then silence), else an ALSA capture device
    // ("hw:0", "default"), else a sine tone of tone_hz (0: silence).
    std::string microphone_wav;
    std::string microphone_device;
    double tone_hz = 0;
    double tone_volume = 0.3;    // 0..1 of full scale
    std::string speaker_device;  // ALSA playback device; empty: measured, not played
    // The talk volume (what the speaker plays of the call) and the microphone's gain:
    // 0 (silent) to 1 (as received, as captured).
    double speaker_gain = 1.0;
    double microphone_gain = 1.0;
    // A WAV file that records what the speaker gets (the first stream decoded); finished
    // when the session is destroyed. Empty: no recording.
    std::string speaker_wav;
    // Called on a GStreamer thread: post it to your own thread, do not touch domain state.
    std::function<void(std::string)> on_error;
    std::function<void(char)> on_dtmf;  // an RFC 4733 event received: '0'-'9', '*', '#', 'A'-'D'
  };

  // Where and how to send, from the SDP exchange (media::negotiate).
  struct Peer {
    std::string address;  // numeric IP
    std::uint16_t rtp_port = 0;
    std::uint16_t rtcp_port = 0;  // 0: rtp_port + 1
    Codec codec;                  // PCMU/8000, PCMA/8000 or opus/48000/2, with its payload type
    std::optional<Codec> telephone_event;
    bool send = true;  // our direction sends (sendrecv or sendonly)
    // SRTP and SRTCP both ways (srtpenc/srtpdec); nullopt: plain RTP. Packets that do not
    // authenticate with the peer's key are dropped: nothing of them is played.
    std::optional<SrtpKeys> srtp;
  };

  struct Stats {
    std::uint64_t packets_received = 0;  // RTP packets that reached the RTP port
    std::uint64_t packets_sent = 0;
    std::uint64_t samples_decoded = 0;
    double level_db = -127;       // RMS of the last 100 ms decoded, in dBFS (-127: silence)
    double peak_level_db = -127;  // the highest level_db so far
    std::uint64_t dtmf_received = 0;
  };

  // Binds the RTP/RTCP port pair on config.address.
  static Result<std::unique_ptr<AudioSession>> open(Config config);
  ~AudioSession();  // stops the pipeline, closes the sockets
  AudioSession(const AudioSession&) = delete;
  AudioSession& operator=(const AudioSession&) = delete;

  std::uint16_t port() const;  // RTP; RTCP is port() + 1

  // Builds the pipeline for the agreed codec and starts streaming. Once per session.
  Result<void> start(const Peer& peer);
  bool started() const;

  // An RFC 4733 event, started now and ended by stop_dtmf() (the caller times it; 100-200 ms
  // is usual). While an event plays, it replaces the microphone in the stream.
  Result<void> start_dtmf(char key);
  Result<void> stop_dtmf();

  // Mutes what the speaker plays (and the level meter and recording with it), or plays it
  // again: a monitor session hears the door, and the door hears the resident only once the
  // resident talks. Any thread.
  void set_speaker_muted(bool muted);
  // The volumes of a session already running (see Config), 0..1 each.
  void set_gains(double speaker, double microphone);

  Stats stats() const;

  // Whether the codec can be sent and received here (name, clock rate, channels).
  static bool supports(const Codec& codec);
  // Initialises GStreamer and loads the plugins sessions use, so that the first call does
  // not pay for it on the caller's thread. Optional; safe to call any number of times.
  static void preload();

 private:
  struct Impl;
  explicit AudioSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vto::media
