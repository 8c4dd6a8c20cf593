// The camera, encoded once: a live source (V4L2 device or a test pattern with a clock
// overlay) → raw tee → x264enc (zerolatency, constrained baseline) → h264parse → tee. Each
// call adds an RTP branch (queue → rtph264pay → udpsink) to the running tee and removes it
// when the call ends; the encoder is never restarted. The raw tee's second branch (leaky
// queue → videoconvert → jpegenc → appsink) takes JPEG snapshots; a pad probe lets a frame
// into it only while a snapshot is wanted, so it costs nothing otherwise and never slows the
// encoder. Methods are called from one thread (the core); GStreamer's own threads report
// errors through Config::on_error and snapshots through their callbacks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace vto::media {

class VideoSource {
 public:
  using SinkId = std::uint64_t;
  using SnapshotDone = std::function<void(Result<std::vector<std::uint8_t>>)>;

  struct Config {
    std::string device;  // a V4L2 device path ("/dev/video0"); empty: test pattern
    int width = 640;
    int height = 480;
    int framerate = 15;
    int key_interval = 30;  // frames between key frames when nobody asks for one
    // A snapshot that no frame answered within this time fails (a dead camera).
    std::chrono::milliseconds snapshot_timeout{2000};
    // Called on a GStreamer thread: post it to the core, do not touch domain state.
    std::function<void(std::string)> on_error;
  };

  // Builds the pipeline and sets it playing.
  static Result<std::unique_ptr<VideoSource>> start(Config config);
  // Stops the pipeline, then fails the snapshots still waiting (see request_snapshot).
  ~VideoSource();
  VideoSource(const VideoSource&) = delete;
  VideoSource& operator=(const VideoSource&) = delete;

  // Starts sending RTP (H.264, RFC 6184 packetization-mode 1) to ip:port, a numeric IPv4 or
  // IPv6 address, and asks the encoder for a key frame so the new peer can decode at once.
  Result<SinkId> add_rtp_sink(std::string_view ip, std::uint16_t port, int payload_type);
  // Unlinks the branch while no buffer crosses it, then stops and disposes of it.
  Result<void> remove_sink(SinkId id);
  std::size_t sink_count() const;

  // A JPEG (width x height of the Config) of the first camera frame that comes after this
  // call (requests made between two frames share the JPEG of the next one).
  // `done` is called exactly once: with the JPEG, or with an error when no frame came
  // within Config::snapshot_timeout, on a GStreamer thread (post it to the core, do not touch
  // domain state there). A request still waiting when the source is destroyed gets its
  // error from the destructor, on the destroying thread; once the destructor has returned
  // no `done` runs any more, so a `done` must never wait for the thread that destroys the
  // source.
  void request_snapshot(SnapshotDone done);

 private:
  struct Impl;
  explicit VideoSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// gst_init, once per process; safe to call from anywhere, any number of times.
void ensure_gstreamer_initialized();

}  // namespace vto::media
