// The receiving end of a call's video, for an indoor monitor: udpsrc → rtph264depay →
// avdec_h264 → fakesink, counting decoded frames and keeping the latest one for snapshots.
// Each decoded frame is checked for VideoSource's capture stamp (the test pattern's, see
// read_capture_stamp): its age when the frame leaves the decoder is the frame's glass-to-glass
// latency (there is no display; a real one would add its own). Stamps only compare with this
// host's clock: one older than 10 s or from the future (another host's) counts as unread.
// The UDP port is bound when the receiver is opened (before the SDP answer names it), and
// decoding starts with play(), once the dialog is established. Methods are called from one
// thread (the core); stats() and snapshot_jpeg() are safe while GStreamer's threads decode.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "media/sdp_negotiate.h"

namespace vto::media {

class VideoReceiver {
 public:
  struct Config {
    std::string address;    // numeric local IPv4 or IPv6 address to receive on
    int payload_type = 96;  // the negotiated dynamic payload type of H.264
    // SRTP: packets go through srtpdec, with the key given by set_srtp_keys() before
    // play(); until then (or with a wrong key) nothing is decoded.
    bool srtp = false;
    // Called on a GStreamer thread: post it to the core, do not touch domain state.
    std::function<void(std::string)> on_error;
  };

  // The latencies kept, per receiver: the latest frames' (about a minute at 15 fps).
  static constexpr std::size_t kLatencyWindow = 1000;

  struct Stats {
    std::uint64_t frames = 0;  // decoded so far
    int width = 0;             // 0 until the decoder has negotiated its output
    int height = 0;
    // When the first frame left the decoder; empty until then.
    std::optional<std::chrono::steady_clock::time_point> first_frame;
    std::uint64_t stamped_frames = 0;  // decoded frames whose capture stamp was read
    // The glass-to-glass latency of the latest stamped frames (up to kLatencyWindow), oldest
    // first, in microseconds: the last one is latency_us.back().
    std::vector<std::int64_t> latency_us;
  };

  // Builds the pipeline and binds a free UDP port on config.address (read with port()).
  static Result<std::unique_ptr<VideoReceiver>> open(Config config);
  ~VideoReceiver();  // stops the pipeline and closes the socket
  VideoReceiver(const VideoReceiver&) = delete;
  VideoReceiver& operator=(const VideoReceiver&) = delete;

  std::uint16_t port() const;
  // The peer's key (keys.receive) of an SRTP receiver; once, before play().
  Result<void> set_srtp_keys(const SrtpKeys& keys);
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
