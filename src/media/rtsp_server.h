// The RTSP server that players and NVRs watch the door with (gst-rtsp-server on a thread of
// its own). Two paths, the ones this device family uses:
//   rtsp://HOST:PORT/cam/realmonitor?channel=1&subtype=0   the main stream
//   rtsp://HOST:PORT/cam/realmonitor?channel=1&subtype=1   the sub-stream
// (the parameters in any order; channel and subtype may be left out: 1 and 0). Each stream is
// one shared media for all its viewers: H.264 from the camera's encoder (fed through push(),
// never encoded again here) and G.711 A-law audio from the microphone, over RTP on UDP or
// interleaved in the RTSP connection (TCP).
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
  std::string user;  // Ok and Forbidden: who it was
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

  struct Impl;

 private:
  explicit RtspServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vto::media
