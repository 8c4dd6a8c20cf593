// The RTSP server that players and NVRs watch the door with (gst-rtsp-server on a thread of
// its own). Two paths, the ones this device family uses:
//   rtsp://HOST:PORT/cam/realmonitor?channel=1&subtype=0   the main stream
//   rtsp://HOST:PORT/cam/realmonitor?channel=1&subtype=1   the sub-stream
// (the parameters in any order; channel and subtype may be left out: 1 and 0; others such
// as unicast=true&proto=Onvif are ignored). Each stream is one shared media for all its
// viewers: H.264 from the camera's encoder (fed through push(), never encoded again here) and
// G.711 A-law audio from one capture of the microphone that every media shares, over RTP on
// UDP or interleaved in the RTSP connection (TCP).
//
// Two-way audio (ONVIF backchannel, when set_backchannel(true)): a DESCRIBE with "Require:
// www.onvif.org/ver20/backchannel" gets an extra a=sendonly PCMA/8000 track, and a media of
// its own (the same camera feed and the same microphone capture); what the client sends on
// it goes to Config::on_talk. Such a client needs an account that may talk
// (RtspAuthAnswer::may_talk), and counts in the stream budget like any viewer.
//
// Every DESCRIBE and SETUP is authenticated through Config::authenticate (digest with the web
// accounts, in vtod), and every new session takes a ticket from the StreamBudget: the
// seventh viewer gets 453 Not Enough Bandwidth and nobody else notices. A session ends at
// TEARDOWN, when a TCP client goes, or after Config::session_timeout without a keep-alive; a
// session evicted for a visitor's call is closed at once.
//
// Config callbacks run on the server's threads: post them to the core.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "media/rtsp_path.h"
#include "media/stream_budget.h"
#include "media/video_source.h"

namespace vto::media {

struct RtspAuthAnswer {
  enum class Verdict { Ok, Challenge, Stale, Forbidden };
  Verdict verdict = Verdict::Challenge;
  std::string user;       // Ok and Forbidden: who it was
  bool may_talk = false;  // Ok: the account may use two-way audio
};

class RtspServer {
 public:
  struct Config {
    std::string address = "0.0.0.0";  // numeric address to listen on
    std::uint16_t port = 554;         // 0: any free port (see port())
    // The streams' audio: an ALSA capture device (on a board, a dsnoop device shares the
    // microphone with calls); empty: a tone of `tone_hz` (the simulated microphone; 0:
    // silence).
    std::string microphone_device;
    double tone_hz = 440;
    std::chrono::seconds session_timeout{60};
    StreamBudget* budget = nullptr;  // required; outlives the server
    // `authorization` is the request's Authorization header ("" when absent), `address` the
    // client's.
    std::function<RtspAuthAnswer(std::string_view method, std::string_view authorization,
                                 std::string_view address)>
        authenticate;
    // Whether a client address may use the server at all (the IP allow-list); empty: all.
    std::function<bool(std::string_view address)> allowed;
    // The WWW-Authenticate values of a 401.
    std::function<std::vector<std::string>(bool stale)> challenges;
    // A stream's media needs the camera's encoded video (true: call push() with it from
    // now on) or no longer does (false).
    std::function<void(VideoStream stream, bool wanted)> on_demand;
    // A viewer joined a stream already running: it needs a key frame.
    std::function<void(VideoStream stream)> on_key_frame;
    // One line per session started, refused or ended, for the log.
    std::function<void(std::string line)> on_event;
    // A request refused for what it asked, not for its password (two-way audio without the
    // right, or by a way not allowed): `user` ("" if none yet), the address, and why.
    std::function<void(const std::string& user, const std::string& address, const std::string& why)>
        on_refusal;
    // Two-way audio: A-law bytes a client sent (`talker` names it), and the end of that
    // client's talk. On the server's threads.
    std::function<void(std::uint64_t talker, std::string_view alaw)> on_talk;
    std::function<void(std::uint64_t talker)> on_talk_end;
    bool backchannel = false;  // offered from the start
  };

  // Binds the port and starts serving; an error when the port cannot be bound.
  static Result<std::unique_ptr<RtspServer>> start(Config config);
  // Closes every client and stops the server's thread.
  ~RtspServer();
  RtspServer(const RtspServer&) = delete;
  RtspServer& operator=(const RtspServer&) = delete;

  std::uint16_t port() const;
  // The camera's next access unit for `stream`'s media (VideoSource::EncodedSink); dropped
  // when the stream has no media. Thread-safe.
  void push(VideoStream stream, GstSample* sample);
  // The camera cannot feed `stream` (it does not start): its media fails now, and its
  // viewers get 503 rather than waiting. Thread-safe.
  void fail(VideoStream stream, const std::string& why);
  // RTSP sessions holding a stream now.
  std::size_t sessions() const;
  // Offers two-way audio to the next clients (or no longer). Thread-safe.
  void set_backchannel(bool on);

  struct Impl;

 private:
  explicit RtspServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vto::media
