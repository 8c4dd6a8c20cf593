// The camera, encoded once: a live source (V4L2 device or a test pattern with a clock
// overlay) → raw tee → x264enc (zerolatency, constrained baseline) → h264parse → tee. Each
// call adds an RTP branch (queue → rtph264pay → udpsink) to the running tee and removes it
// when the call ends; the encoder is never restarted. The raw tee's second branch (leaky
// queue → videoconvert → jpegenc → appsink) takes JPEG snapshots; a pad probe lets a frame
// into it only while a snapshot is wanted, so it costs nothing otherwise and never slows the
// encoder. Methods are called from one thread (the core); GStreamer's own threads report
// errors through Config::on_error and snapshots through their callbacks.
//
// The test pattern (Config::device empty) is raw I420, and every frame carries its capture
// stamp before the raw tee (so the encoder and the JPEG snapshots see it): a pad probe after
// the clock overlay writes the time the live source took the frame (the pipeline's base time
// + the frame's timestamp, on GStreamer's monotonic system clock) as a barcode over the
// frame's top kStampHeight rows, see write_capture_stamp.
// A receiver on the same host reads it back from the decoded frame (read_capture_stamp;
// VideoReceiver does) to measure glass-to-glass latency. A V4L2 camera's frames carry none.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "media/rtp_ports.h"
#include "media/sdp_negotiate.h"

typedef struct _GstSample GstSample;

namespace vto::media {

// The camera's two H.264 streams: the main one at the camera's size, and a smaller one at a
// lower bit rate for viewers on slow links (RTSP subtype=1).
enum class VideoStream { Main, Sub };

class VideoSource {
 public:
  using SinkId = std::uint64_t;
  using SnapshotDone = std::function<void(Result<std::vector<std::uint8_t>>)>;
  // Gets each encoded access unit (H.264 byte-stream, with its caps) of one stream, on a
  // GStreamer thread; the sample is borrowed for the call.
  using EncodedSink = std::function<void(GstSample*)>;

  struct Config {
    std::string device;  // a V4L2 device path ("/dev/video0"); empty: test pattern
    int width = 640;
    int height = 480;
    int framerate = 15;
    int key_interval = 30;  // frames between key frames when nobody asks for one
    int bitrate_kbps = 1536;
    // The sub-stream: scaled from the same frames, encoded only while someone watches it.
    int sub_width = 320;
    int sub_height = 240;
    int sub_bitrate_kbps = 256;
    // A snapshot that no frame answered within this time fails (a dead camera).
    std::chrono::milliseconds snapshot_timeout{2000};
    // Called on a GStreamer thread: post it to the core, do not touch domain state.
    std::function<void(std::string)> on_error;
  };

  // Builds the pipeline and sets it playing.
  static Result<std::unique_ptr<VideoSource>> start(Config config);
  // Loads the camera's plugins now (see preload_elements).
  static void preload();
  // Stops the pipeline, then fails the snapshots still waiting (see request_snapshot).
  ~VideoSource();
  VideoSource(const VideoSource&) = delete;
  VideoSource& operator=(const VideoSource&) = delete;

  // Starts sending RTP (H.264, RFC 6184 packetization-mode 1) to ip:port, a numeric IPv4 or
  // IPv6 address, and asks the encoder for a key frame so the new peer can decode at once.
  // Each branch is an RTP session of its own (rtpbin): RTCP sender reports go to
  // `rtcp_port` (0: port + 1). With `local`, RTP and RTCP leave from the call's own ports
  // and the peer's RTCP is received on them; `local` must outlive the sink. With `srtp`,
  // RTP and RTCP leave as SRTP/SRTCP and the peer's RTCP must authenticate with its key.
  Result<SinkId> add_rtp_sink(std::string_view ip, std::uint16_t port, int payload_type,
                              const RtpPorts* local = nullptr, std::uint16_t rtcp_port = 0,
                              const std::optional<SrtpKeys>& srtp = std::nullopt);
  // Hands every encoded access unit of `stream` to `sink` (an RTSP server's feed), starting
  // with a key frame. The sub-stream's encoder runs only while it has sinks.
  Result<SinkId> add_encoded_sink(VideoStream stream, EncodedSink sink);
  // Asks the stream's encoder for a key frame now (a viewer joined a shared stream).
  void request_key_frame(VideoStream stream);
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

// Initialises GStreamer and loads the plugins of the named elements now, so that the first
// pipeline using them does not pay for it on the caller's thread. Unknown names are skipped.
void preload_elements(std::initializer_list<const char*> names);

// The capture stamp: a row of kStampBlocks blocks over the top kStampHeight rows of the luma
// plane, each (width / kStampBlocks) pixels wide, left-aligned (640 wide: 16 × 16 blocks, one
// per H.264 macroblock). Black (16) is bit 0, white (235) bit 1. Blocks 0–31 hold the stamp,
// most significant bit first, blocks 32–39 a check (CRC-8, polynomial 0x07, of the stamp's
// four bytes, XOR 0x5A), so an all-black or all-white strip, or a damaged one, reads as none.
// They survive x264 (ultrafast, zerolatency): a reader averages the middle of each block and
// takes over 128 as white. The stamp is CLOCK_MONOTONIC microseconds modulo 2^32 (wraps every
// 71 minutes; the age of a stamp is valid under 35 minutes), so only a reader on the same host
// can compare it with its own clock.
inline constexpr int kStampBlocks = 40;
inline constexpr int kStampHeight = 16;
inline constexpr int kStampMinBlockWidth = 4;

// CLOCK_MONOTONIC (std::chrono::steady_clock) in microseconds, modulo 2^32.
std::uint32_t capture_clock_us();
// How long ago `stamp` was taken when the clock reads `now` (both capture_clock_us()), in
// microseconds; negative if the stamp is from the future (a foreign clock).
inline std::int64_t stamp_age_us(std::uint32_t stamp, std::uint32_t now) {
  return static_cast<std::int32_t>(now - stamp);
}
// Writes `stamp` over the top rows of a luma plane (`stride` bytes per row); false (and
// nothing written) when the plane is smaller than kStampBlocks × kStampMinBlockWidth by
// kStampHeight.
bool write_capture_stamp(std::uint8_t* luma, int stride, int width, int height,
                         std::uint32_t stamp);
// The stamp a luma plane carries; empty when the plane is too small, a block is neither
// clearly black nor clearly white (its middle averages 88 to 168), or the check fails.
std::optional<std::uint32_t> read_capture_stamp(const std::uint8_t* luma, int stride, int width,
                                                int height);

}  // namespace vto::media
