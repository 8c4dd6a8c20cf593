// The receiving end of a call's video, for an indoor monitor: udpsrc → rtph264depay →
// avdec_h264 → fakesink, counting decoded frames and keeping the latest one for snapshots.
// The UDP port is bound when the receiver is opened (before the SDP answer names it), and
// decoding starts with play(), once the dialog is established. Methods are called from one
// thread (the core); stats() and snapshot_jpeg() are safe while GStreamer's threads decode.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace vto::media {

class VideoReceiver {
 public:
  struct Config {
    std::string address;    // numeric local IPv4 or IPv6 address to receive on
    int payload_type = 96;  // the negotiated dynamic payload type of H.264
    // Called on a GStreamer thread: post it to the core, do not touch domain state.
    std::function<void(std::string)> on_error;
  };

  struct Stats {
    std::uint64_t frames = 0;  // decoded so far
    int width = 0;             // 0 until the decoder has negotiated its output
    int height = 0;
  };

  // Builds the pipeline and binds a free UDP port on config.address (read with port()).
  static Result<std::unique_ptr<VideoReceiver>> open(Config config);
  ~VideoReceiver();  // stops the pipeline and closes the socket
  VideoReceiver(const VideoReceiver&) = delete;
  VideoReceiver& operator=(const VideoReceiver&) = delete;

  std::uint16_t port() const;
  // Starts decoding; RTP that arrived since open() waits in the socket buffer.
  Result<void> play();
  Stats stats() const;
  // The latest decoded frame as a JPEG image; an error while no frame was decoded yet.
  Result<std::vector<std::uint8_t>> snapshot_jpeg() const;

 private:
  struct Impl;
  explicit VideoReceiver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vto::media
