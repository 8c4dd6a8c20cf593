#include "media/video_source.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "media/gst_bus.h"
#include "media/sdp.h"
#include "media/srtp_elements.h"

namespace vto::media {
namespace {

constexpr auto kUnlinkTimeout = std::chrono::seconds(2);

bool is_safe_device_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  for (const char c : path) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// The capsfilter before the raw tee; the test pattern's carries the stamping probe.
constexpr const char* kCameraCaps = "camera";

std::string pipeline_description(const VideoSource::Config& c) {
  const bool test_pattern = c.device.empty();
  const std::string source =
      test_pattern ? "videotestsrc is-live=true ! clockoverlay"
                   : "v4l2src device=" + c.device + " ! videoscale ! videorate ! clockoverlay";
  // The test pattern is I420, so the stamping probe knows where the luma is.
  // The encoder is the raw tee's first branch: it gets each frame first, in the camera's
  // thread as before; the snapshot branch's leaky queue takes its JPEG work off that thread.
  const auto encoder = [&c](const char* name, int kbps) {
    return std::string(" ! x264enc name=") + name +
           " tune=zerolatency speed-preset=ultrafast key-int-max=" +
           std::to_string(c.key_interval) + " bitrate=" + std::to_string(kbps) +
           " ! video/x-h264,profile=constrained-baseline ! h264parse config-interval=-1";
  };
  // The sub-stream's branch has a thread of its own (its queue) and a closed valve while
  // nobody watches it, so its encoder costs nothing then.
  return source + " ! videoconvert ! capsfilter name=" + kCameraCaps + " caps=\"video/x-raw," +
         (test_pattern ? "format=I420," : "") + "width=" + std::to_string(c.width) +
         ",height=" + std::to_string(c.height) + ",framerate=" + std::to_string(c.framerate) +
         "/1\" ! tee name=raw raw." + encoder("encoder", c.bitrate_kbps) +
         " ! tee name=fanout allow-not-linked=true"
         " raw. ! queue name=subqueue leaky=downstream max-size-buffers=2 max-size-bytes=0"
         " max-size-time=0 ! valve name=subvalve drop=true ! videoscale ! video/x-raw,width=" +
         std::to_string(c.sub_width) + ",height=" + std::to_string(c.sub_height) +
         encoder("subencoder", c.sub_bitrate_kbps) +
         " ! tee name=subfanout allow-not-linked=true"
         " raw. ! queue name=snapshot leaky=downstream max-size-buffers=1 max-size-bytes=0"
         " max-size-time=0 ! videoconvert ! jpegenc ! appsink name=snapshots sync=false"
         " async=false max-buffers=1 drop=true";
}

GstEvent* force_key_unit_event() {
  return gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0);
}

std::uint8_t stamp_check(std::uint32_t stamp) {
  std::uint8_t crc = 0;
  for (int shift = 24; shift >= 0; shift -= 8) {
    crc = static_cast<std::uint8_t>(crc ^ (stamp >> shift));
    for (int bit = 0; bit < 8; ++bit) {
      crc = static_cast<std::uint8_t>((crc & 0x80) ? (crc << 1) ^ 0x07 : crc << 1);
    }
  }
  return static_cast<std::uint8_t>(crc ^ 0x5A);
}

// The width of a stamp's block in a plane of that size; 0 if the plane is too small.
int stamp_block_width(int stride, int width, int height) {
  if (height < kStampHeight || stride < width) return 0;
  const int block = width / kStampBlocks;
  return block >= kStampMinBlockWidth ? block : 0;
}

// Bit i (block i, from the left) is bit 39 - i of: stamp (32 bits) then check (8 bits).
std::uint64_t stamp_bits(std::uint32_t stamp) {
  return (std::uint64_t{stamp} << 8) | stamp_check(stamp);
}

// When the live source took the frame: the pipeline's base time + the buffer's timestamp,
// if the pipeline runs on the monotonic system clock (it has no other clock provider), else
// now. The test pattern pushes each frame ~0.3 ms after that time, the first one later.
std::uint32_t capture_time_us(GstPad* pad, const GstBuffer* buffer) {
  const std::uint32_t now = capture_clock_us();
  if (!GST_BUFFER_PTS_IS_VALID(buffer)) return now;
  GstElement* element = gst_pad_get_parent_element(pad);
  if (!element) return now;
  GstClock* clock = gst_element_get_clock(element);
  const GstClockTime base_time = gst_element_get_base_time(element);
  gst_object_unref(element);
  if (!clock) return now;
  GstClockType type = GST_CLOCK_TYPE_REALTIME;
  const bool system = GST_IS_SYSTEM_CLOCK(clock);
  if (system) g_object_get(clock, "clock-type", &type, nullptr);
  gst_object_unref(clock);
  if (!system || type != GST_CLOCK_TYPE_MONOTONIC || !GST_CLOCK_TIME_IS_VALID(base_time)) {
    return now;
  }
  const auto taken = static_cast<std::uint32_t>((base_time + GST_BUFFER_PTS(buffer)) / GST_USECOND);
  const std::int64_t age = stamp_age_us(taken, now);
  return age >= 0 && age < 1'000'000 ? taken : now;  // a timestamp that makes no sense: now
}

// A buffer probe on the test pattern's capsfilter, in the camera's thread: the frame gets
// its capture stamp (and a grey strip under it: neutral chroma) before the raw tee shares it.
GstPadProbeReturn stamp_frame(GstPad* pad, GstPadProbeInfo* info, gpointer) {
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!buffer) return GST_PAD_PROBE_OK;
  const std::uint32_t stamp = capture_time_us(pad, buffer);
  GstVideoInfo video;
  GstCaps* caps = gst_pad_get_current_caps(pad);
  const bool known = caps && gst_video_info_from_caps(&video, caps);
  if (caps) gst_caps_unref(caps);
  if (!known || !GST_VIDEO_INFO_IS_YUV(&video) || GST_VIDEO_INFO_COMP_DEPTH(&video, 0) != 8) {
    return GST_PAD_PROBE_OK;
  }
  // Usually ours alone already; if not, a copy replaces it downstream.
  buffer = gst_buffer_make_writable(buffer);
  GST_PAD_PROBE_INFO_DATA(info) = buffer;
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &video, buffer, GST_MAP_WRITE)) return GST_PAD_PROBE_OK;
  const int width = GST_VIDEO_FRAME_COMP_WIDTH(&frame, 0);
  const int height = GST_VIDEO_FRAME_COMP_HEIGHT(&frame, 0);
  if (write_capture_stamp(static_cast<std::uint8_t*>(GST_VIDEO_FRAME_COMP_DATA(&frame, 0)),
                          GST_VIDEO_FRAME_COMP_STRIDE(&frame, 0), width, height, stamp)) {
    const GstVideoFormatInfo* format = frame.info.finfo;
    const int strip_width = width / kStampBlocks * kStampBlocks;
    for (guint c = 1; c < GST_VIDEO_FRAME_N_COMPONENTS(&frame) && c < 3; ++c) {
      auto* data = static_cast<std::uint8_t*>(GST_VIDEO_FRAME_COMP_DATA(&frame, c));
      const int stride = GST_VIDEO_FRAME_COMP_STRIDE(&frame, c);
      const int step = GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, c);
      const int rows = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT(format, c, kStampHeight);
      const int columns = GST_VIDEO_FORMAT_INFO_SCALE_WIDTH(format, c, strip_width);
      for (int y = 0; y < rows; ++y) {
        for (int x = 0; x < columns; ++x) data[y * stride + x * step] = 128;
      }
    }
  }
  gst_video_frame_unmap(&frame);
  return GST_PAD_PROBE_OK;
}

struct Branch {
  GstPad* tee_pad = nullptr;  // our reference to the tee's request pad
  GstElement* bin = nullptr;  // queue → rtph264pay → rtpbin → udpsink, + RTCP; or → appsink
  GstElement* tee = nullptr;  // the tee it hangs from (not a reference of ours)
  bool sub = false;           // a branch of the sub-stream
};

// An encoded sink's appsink callback, in its queue's thread.
struct EncodedCallback {
  VideoSource::EncodedSink sink;
};

GstFlowReturn deliver_encoded(GstAppSink* appsink, gpointer data) {
  GstSample* sample = gst_app_sink_pull_sample(appsink);
  if (!sample) return GST_FLOW_OK;
  static_cast<EncodedCallback*>(data)->sink(sample);
  gst_sample_unref(sample);
  return GST_FLOW_OK;
}

// Drops delta frames until the first key frame, which passes and ends the probe.
GstPadProbeReturn drop_until_key_frame(GstPad*, GstPadProbeInfo* info, gpointer) {
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (buffer && GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    return GST_PAD_PROBE_DROP;
  return GST_PAD_PROBE_REMOVE;
}

void delete_encoded_callback(gpointer data) {
  delete static_cast<EncodedCallback*>(data);
}

struct UnlinkWait {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
};

void delete_wait_share(gpointer data) {
  delete static_cast<std::shared_ptr<UnlinkWait>*>(data);
}

GstPadProbeReturn unlink_when_idle(GstPad* pad, GstPadProbeInfo*, gpointer data) {
  UnlinkWait* wait = static_cast<std::shared_ptr<UnlinkWait>*>(data)->get();
  if (GstPad* peer = gst_pad_get_peer(pad)) {
    gst_pad_unlink(pad, peer);
    gst_object_unref(peer);
  }
  {
    std::lock_guard lock(wait->mutex);
    wait->done = true;
  }
  wait->done_cv.notify_all();
  return GST_PAD_PROBE_REMOVE;
}

// The snapshot requests of one source. The timeouts' clock callbacks hold a share, so one
// that fires while the source is being destroyed still finds a live mutex.
struct SnapshotRequests {
  struct Request {
    std::uint64_t id = 0;
    VideoSource::SnapshotDone done;
    GstClockID timeout = nullptr;  // our reference
    bool frame_passed = false;     // a frame went into the JPEG branch for it
    GstClockTime frame_pts = GST_CLOCK_TIME_NONE;
  };

  std::chrono::milliseconds timeout{};
  std::mutex mutex;
  std::condition_variable idle_cv;
  bool closed = false;  // the source is being destroyed: no timeout calls `done` any more
  int calling = 0;      // timeout callbacks running a `done` now
  std::uint64_t next_id = 1;
  std::vector<Request> requests;
};

using SnapshotBytes = Result<std::vector<std::uint8_t>>;

void cancel_timeout(GstClockID timeout) {
  if (!timeout) return;
  gst_clock_id_unschedule(timeout);
  gst_clock_id_unref(timeout);
}

struct TimeoutTicket {
  std::shared_ptr<SnapshotRequests> requests;
  std::uint64_t id = 0;
};

void delete_ticket(gpointer data) {
  delete static_cast<TimeoutTicket*>(data);
}

// On the system clock's thread.
gboolean on_snapshot_timeout(GstClock*, GstClockTime, GstClockID, gpointer data) {
  const auto* ticket = static_cast<TimeoutTicket*>(data);
  SnapshotRequests& r = *ticket->requests;
  SnapshotRequests::Request request;
  {
    std::lock_guard lock(r.mutex);
    if (r.closed) return TRUE;
    auto it = std::find_if(r.requests.begin(), r.requests.end(),
                           [&](const auto& q) { return q.id == ticket->id; });
    if (it == r.requests.end()) return TRUE;  // answered just now
    request = std::move(*it);
    r.requests.erase(it);
    ++r.calling;
  }
  // The clock holds its own reference while it calls us.
  gst_clock_id_unref(request.timeout);
  request.done(make_error("video: no camera frame for the snapshot within " +
                          std::to_string(r.timeout.count()) + " ms"));
  {
    std::lock_guard lock(r.mutex);
    --r.calling;
  }
  r.idle_cv.notify_all();
  return TRUE;
}

// A buffer probe on the JPEG branch's queue, in the camera's thread: a frame goes in only
// for requests that have none yet, so the encoder never waits for JPEG work it needs not.
GstPadProbeReturn pass_frame_if_wanted(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto& r = *static_cast<SnapshotRequests*>(data);
  const GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  bool wanted = false;
  std::lock_guard lock(r.mutex);
  for (auto& request : r.requests) {
    if (request.frame_passed) continue;
    request.frame_passed = true;
    request.frame_pts = GST_BUFFER_PTS(buffer);
    wanted = true;
  }
  return wanted ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

// The appsink's new-sample callback, in the JPEG branch's thread. A JPEG answers the
// requests whose frame it is, and those whose frame the leaky queue dropped for a newer
// one (matched by timestamp, which videoconvert and jpegenc keep).
GstFlowReturn deliver_snapshot(GstAppSink* sink, gpointer data) {
  auto& r = *static_cast<SnapshotRequests*>(data);
  GstSample* sample = gst_app_sink_pull_sample(sink);
  if (!sample) return GST_FLOW_OK;
  std::vector<std::uint8_t> jpeg;
  GstClockTime pts = GST_CLOCK_TIME_NONE;
  if (GstBuffer* buffer = gst_sample_get_buffer(sample)) {
    GstMapInfo map;
    if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      jpeg.assign(map.data, map.data + map.size);
      gst_buffer_unmap(buffer, &map);
    }
    pts = GST_BUFFER_PTS(buffer);
  }
  gst_sample_unref(sample);

  std::vector<SnapshotRequests::Request> answered;
  {
    std::lock_guard lock(r.mutex);
    auto answers = [pts](const SnapshotRequests::Request& q) {
      return q.frame_passed && (!GST_CLOCK_TIME_IS_VALID(pts) ||
                                !GST_CLOCK_TIME_IS_VALID(q.frame_pts) || q.frame_pts <= pts);
    };
    for (auto it = r.requests.begin(); it != r.requests.end();) {
      if (answers(*it)) {
        answered.push_back(std::move(*it));
        it = r.requests.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& request : answered) {
    cancel_timeout(request.timeout);
    if (jpeg.empty()) {
      request.done(make_error("video: the JPEG encoder gave an empty frame"));
    } else {
      request.done(SnapshotBytes(jpeg));
    }
  }
  return GST_FLOW_OK;
}

}  // namespace

struct VideoSource::Impl {
  Config config;
  GstElement* pipeline = nullptr;
  GstElement* tee = nullptr;
  GstElement* sub_tee = nullptr;
  GstElement* sub_valve = nullptr;
  int sub_branches = 0;
  std::map<SinkId, Branch> branches;
  SinkId next_id = 1;
  std::shared_ptr<SnapshotRequests> snapshots = std::make_shared<SnapshotRequests>();

  ~Impl() {
    // Stopping the pipeline joins its threads: no probe or appsink callback runs after it.
    if (pipeline) {
      gst_element_set_state(pipeline, GST_STATE_NULL);
      for (auto& [id, branch] : branches) {
        gst_element_release_request_pad(branch.tee, branch.tee_pad);
        gst_object_unref(branch.tee_pad);
      }
      GstBus* bus = gst_element_get_bus(pipeline);
      gst_bus_set_sync_handler(bus, nullptr, nullptr, nullptr);
      gst_object_unref(bus);
      if (tee) gst_object_unref(tee);
      if (sub_tee) gst_object_unref(sub_tee);
      if (sub_valve) gst_object_unref(sub_valve);
      gst_object_unref(pipeline);
    }
    fail_waiting_snapshots();
  }

  // Only timeouts can still fire: wait for those running, then answer the rest here.
  void fail_waiting_snapshots() {
    std::vector<SnapshotRequests::Request> waiting;
    {
      std::unique_lock lock(snapshots->mutex);
      snapshots->closed = true;
      snapshots->idle_cv.wait(lock, [this] { return snapshots->calling == 0; });
      waiting.swap(snapshots->requests);
    }
    for (auto& request : waiting) {
      cancel_timeout(request.timeout);
      request.done(make_error("video: the camera stopped before the snapshot"));
    }
  }

  // The JPEG branch's probe and appsink report to `snapshots`; false if it is not there.
  bool connect_snapshot_branch() {
    GstElement* queue = gst_bin_get_by_name(GST_BIN(pipeline), "snapshot");
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "snapshots");
    const bool found = queue && sink;
    if (found) {
      GstPad* pad = gst_element_get_static_pad(queue, "sink");
      gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, pass_frame_if_wanted, snapshots.get(),
                        nullptr);
      gst_object_unref(pad);
      GstAppSinkCallbacks callbacks{};
      callbacks.new_sample = deliver_snapshot;
      gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, snapshots.get(), nullptr);
    }
    if (queue) gst_object_unref(queue);
    if (sink) gst_object_unref(sink);
    return found;
  }

  void dispose(Branch& branch) {
    if (branch.bin) {
      gst_element_set_state(branch.bin, GST_STATE_NULL);
      gst_bin_remove(GST_BIN(pipeline), branch.bin);  // drops the pipeline's (only) reference
      branch.bin = nullptr;
    }
    if (branch.tee_pad) {
      gst_element_release_request_pad(branch.tee, branch.tee_pad);
      gst_object_unref(branch.tee_pad);
      branch.tee_pad = nullptr;
    }
    if (branch.sub && --sub_branches == 0) {
      g_object_set(sub_valve, "drop", TRUE, nullptr);  // nobody watches: the encoder rests
    }
  }

  // Adds `bin` (with a "sink" ghost pad) to the pipeline under `stream`'s tee.
  Result<SinkId> attach(GstElement* bin, VideoStream stream) {
    Branch b;
    b.bin = bin;
    b.sub = stream == VideoStream::Sub;
    b.tee = b.sub ? sub_tee : tee;
    if (b.sub && sub_branches++ == 0) g_object_set(sub_valve, "drop", FALSE, nullptr);
    gst_bin_add(GST_BIN(pipeline), bin);
    gst_element_sync_state_with_parent(bin);
    b.tee_pad = gst_element_request_pad_simple(b.tee, "src_%u");
    GstPad* bin_pad = gst_element_get_static_pad(bin, "sink");
    const GstPadLinkReturn linked = gst_pad_link(b.tee_pad, bin_pad);
    gst_object_unref(bin_pad);
    if (linked != GST_PAD_LINK_OK) {
      dispose(b);
      return make_error("video: cannot link the tee");
    }
    gst_pad_send_event(b.tee_pad, force_key_unit_event());
    const SinkId id = next_id++;
    branches.emplace(id, b);
    return id;
  }
};

std::uint32_t capture_clock_us() {
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  return static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

bool write_capture_stamp(std::uint8_t* luma, int stride, int width, int height,
                         std::uint32_t stamp) {
  const int block = stamp_block_width(stride, width, height);
  if (!luma || block == 0) return false;
  const std::uint64_t bits = stamp_bits(stamp);
  for (int y = 0; y < kStampHeight; ++y) {
    std::uint8_t* row = luma + static_cast<std::ptrdiff_t>(y) * stride;
    for (int i = 0; i < kStampBlocks; ++i) {
      const bool white = (bits >> (kStampBlocks - 1 - i)) & 1;
      std::fill_n(row + i * block, block, white ? std::uint8_t{235} : std::uint8_t{16});
    }
  }
  return true;
}

std::optional<std::uint32_t> read_capture_stamp(const std::uint8_t* luma, int stride, int width,
                                                int height) {
  const int block = stamp_block_width(stride, width, height);
  if (!luma || block == 0) return std::nullopt;
  // The middle half of each block, both ways: away from the edges the encoder blurs.
  const int x_margin = block / 4;
  const int y_first = kStampHeight / 4;
  const int y_end = kStampHeight - kStampHeight / 4;
  std::uint64_t bits = 0;
  for (int i = 0; i < kStampBlocks; ++i) {
    int sum = 0;
    int count = 0;
    for (int y = y_first; y < y_end; ++y) {
      const std::uint8_t* row = luma + static_cast<std::ptrdiff_t>(y) * stride + i * block;
      for (int x = x_margin; x < block - x_margin; ++x) {
        sum += row[x];
        ++count;
      }
    }
    const int mean = sum / count;
    if (mean >= 88 && mean <= 168) return std::nullopt;  // neither black nor white
    bits = (bits << 1) | (mean > 128 ? 1u : 0u);
  }
  const auto stamp = static_cast<std::uint32_t>(bits >> 8);
  if (stamp_bits(stamp) != bits) return std::nullopt;
  return stamp;
}

void preload_elements(std::initializer_list<const char*> names) {
  ensure_gstreamer_initialized();
  for (const char* name : names) {
    if (GstElementFactory* factory = gst_element_factory_find(name)) {
      if (GstPluginFeature* loaded = gst_plugin_feature_load(GST_PLUGIN_FEATURE(factory))) {
        gst_object_unref(loaded);
      }
      gst_object_unref(factory);
    }
  }
}

void VideoSource::preload() {
  preload_elements({"videotestsrc", "clockoverlay", "videoconvert", "x264enc", "h264parse", "tee",
                    "queue", "rtph264pay", "udpsink", "jpegenc", "appsink", "v4l2src", "videoscale",
                    "videorate", "valve"});
}

void ensure_gstreamer_initialized() {
  static std::once_flag once;
  std::call_once(once, [] { gst_init(nullptr, nullptr); });
}

VideoSource::VideoSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoSource::~VideoSource() = default;

Result<std::unique_ptr<VideoSource>> VideoSource::start(Config config) {
  if (!config.device.empty() && !is_safe_device_path(config.device)) {
    return make_error("video: bad device path: " + config.device);
  }
  if (config.width <= 0 || config.height <= 0 || config.framerate <= 0 ||
      config.key_interval <= 0 || config.sub_width <= 0 || config.sub_height <= 0 ||
      config.bitrate_kbps <= 0 || config.sub_bitrate_kbps <= 0) {
    return make_error("video: bad format");
  }
  ensure_gstreamer_initialized();
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  auto pipeline = launch_pipeline(pipeline_description(impl->config), &impl->config.on_error);
  if (!pipeline) return pipeline.error();
  impl->pipeline = *pipeline;
  impl->tee = gst_bin_get_by_name(GST_BIN(impl->pipeline), "fanout");
  impl->sub_tee = gst_bin_get_by_name(GST_BIN(impl->pipeline), "subfanout");
  impl->sub_valve = gst_bin_get_by_name(GST_BIN(impl->pipeline), "subvalve");
  if (!impl->tee || !impl->sub_tee || !impl->sub_valve) return make_error("video: no fan-out");
  impl->snapshots->timeout = impl->config.snapshot_timeout;
  if (!impl->connect_snapshot_branch()) return make_error("video: no snapshot branch");
  if (impl->config.device.empty()) {
    GstElement* camera = gst_bin_get_by_name(GST_BIN(impl->pipeline), kCameraCaps);
    if (!camera) return make_error("video: no camera caps");
    GstPad* pad = gst_element_get_static_pad(camera, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, stamp_frame, nullptr, nullptr);
    gst_object_unref(pad);
    gst_object_unref(camera);
  }
  if (gst_element_set_state(impl->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    return make_error("video: the pipeline does not start (camera missing?)");
  }
  return std::unique_ptr<VideoSource>(new VideoSource(std::move(impl)));
}

Result<VideoSource::SinkId> VideoSource::add_rtp_sink(std::string_view ip, std::uint16_t port,
                                                      int payload_type, const RtpPorts* local,
                                                      std::uint16_t rtcp_port,
                                                      const std::optional<SrtpKeys>& srtp) {
  if (!numeric_address_type(ip)) return make_error("video: not a numeric address");
  if (port == 0) return make_error("video: port 0");
  if (payload_type < 96 || payload_type > 127) return make_error("video: not a dynamic type");
  if (rtcp_port == 0) {
    if (port == 65535) return make_error("video: no port for RTCP");
    rtcp_port = static_cast<std::uint16_t>(port + 1);
  }

  Impl& s = *impl_;
  // A slow network must not stall the encoder or the other calls: the queue drops old
  // frames. The peer's RTCP is read only where the call has ports of its own.
  std::string description =
      "queue name=q leaky=downstream max-size-buffers=30 max-size-bytes=0 max-size-time=0 "
      "! rtph264pay config-interval=-1 pt=" +
      std::to_string(payload_type) + " ! rtpbin.send_rtp_sink_0 rtpbin name=rtpbin ";
  if (srtp) {
    description += srtp_encoder("srtp_out", *srtp) +
                   "rtpbin.send_rtp_src_0 ! srtp_out.rtp_sink_0 srtp_out.rtp_src_0 ! "
                   "udpsink name=rtp_out sync=false async=false "
                   "rtpbin.send_rtcp_src_0 ! srtp_out.rtcp_sink_0 srtp_out.rtcp_src_0 ! "
                   "udpsink name=rtcp_out sync=false async=false";
    if (local) {
      description +=
          " srtpdec name=srtp_in udpsrc name=rtcp_in caps=application/x-srtcp ! "
          "srtp_in.rtcp_sink srtp_in.rtcp_src ! rtpbin.recv_rtcp_sink_0";
    }
  } else {
    description +=
        "rtpbin.send_rtp_src_0 ! udpsink name=rtp_out sync=false async=false "
        "rtpbin.send_rtcp_src_0 ! udpsink name=rtcp_out sync=false async=false";
    if (local)
      description += " udpsrc name=rtcp_in caps=application/x-rtcp ! rtpbin.recv_rtcp_sink_0";
  }
  GError* error = nullptr;
  GstElement* bin = gst_parse_bin_from_description(description.c_str(), FALSE, &error);
  if (!bin) {
    std::string message = error ? error->message : "cannot build";
    if (error) g_error_free(error);
    return make_error("video: RTP branch: " + message);
  }
  if (error) g_error_free(error);
  auto configure = [&](const char* name, GSocket* socket, std::uint16_t to) {
    GstElement* e = gst_bin_get_by_name(GST_BIN(bin), name);
    if (socket) g_object_set(e, "socket", socket, "close-socket", FALSE, nullptr);
    if (to) {
      const std::string host(ip);
      g_object_set(e, "host", host.c_str(), "port", static_cast<gint>(to), nullptr);
    }
    gst_object_unref(e);
  };
  configure("rtp_out", local ? local->rtp() : nullptr, port);
  configure("rtcp_out", local ? local->rtcp() : nullptr, rtcp_port);
  if (local) configure("rtcp_in", local->rtcp(), 0);
  if (srtp && local) {
    GstElement* srtpdec = gst_bin_get_by_name(GST_BIN(bin), "srtp_in");
    give_receive_key(srtpdec, *srtp);
    gst_object_unref(srtpdec);
  }
  GstElement* queue = gst_bin_get_by_name(GST_BIN(bin), "q");
  GstPad* queue_pad = gst_element_get_static_pad(queue, "sink");
  gst_element_add_pad(bin, gst_ghost_pad_new("sink", queue_pad));
  gst_object_unref(queue_pad);
  gst_object_unref(queue);
  return s.attach(bin, VideoStream::Main);
}

Result<VideoSource::SinkId> VideoSource::add_encoded_sink(VideoStream stream, EncodedSink sink) {
  if (!sink) return make_error("video: no sink");
  // A slow consumer must not stall the encoder: the queue drops old frames (the consumer
  // waits for the next key frame, as a viewer on a lossy link would).
  GstElement* bin = gst_bin_new(nullptr);
  GstElement* queue = gst_element_factory_make("queue", nullptr);
  GstElement* appsink = gst_element_factory_make("appsink", nullptr);
  if (!queue || !appsink) {
    if (queue) gst_object_unref(queue);
    if (appsink) gst_object_unref(appsink);
    gst_object_unref(bin);
    return make_error("video: no queue or appsink element");
  }
  g_object_set(queue, "leaky", 2 /* downstream */, "max-size-buffers", 30u, "max-size-bytes", 0u,
               "max-size-time", guint64{0}, nullptr);
  g_object_set(appsink, "sync", FALSE, "async", FALSE, "max-buffers", 30u, "drop", TRUE, nullptr);
  gst_bin_add_many(GST_BIN(bin), queue, appsink, nullptr);
  gst_element_link(queue, appsink);
  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = deliver_encoded;
  gst_app_sink_set_callbacks(GST_APP_SINK(appsink), &callbacks,
                             new EncodedCallback{std::move(sink)}, delete_encoded_callback);
  GstPad* queue_pad = gst_element_get_static_pad(queue, "sink");
  // Frames already on their way when the branch joins the tee are not decodable alone: the
  // sink's stream starts with the key frame attach() asks for.
  gst_pad_add_probe(queue_pad, GST_PAD_PROBE_TYPE_BUFFER, drop_until_key_frame, nullptr, nullptr);
  gst_element_add_pad(bin, gst_ghost_pad_new("sink", queue_pad));
  gst_object_unref(queue_pad);
  return impl_->attach(bin, stream);
}

void VideoSource::request_key_frame(VideoStream stream) {
  GstElement* encoder = gst_bin_get_by_name(GST_BIN(impl_->pipeline),
                                            stream == VideoStream::Sub ? "subencoder" : "encoder");
  if (!encoder) return;
  if (GstPad* pad = gst_element_get_static_pad(encoder, "src")) {
    gst_pad_send_event(pad, force_key_unit_event());
    gst_object_unref(pad);
  }
  gst_object_unref(encoder);
}

Result<void> VideoSource::remove_sink(SinkId id) {
  Impl& s = *impl_;
  const auto it = s.branches.find(id);
  if (it == s.branches.end()) return make_error("video: no such sink");
  Branch branch = it->second;
  s.branches.erase(it);

  // The tee may be pushing into this pad right now: unlink only between two buffers. The
  // probe owns a share of the wait state, so a late callback never touches a dead frame.
  auto wait = std::make_shared<UnlinkWait>();
  const gulong probe = gst_pad_add_probe(branch.tee_pad, GST_PAD_PROBE_TYPE_IDLE, unlink_when_idle,
                                         new std::shared_ptr<UnlinkWait>(wait), delete_wait_share);
  std::unique_lock lock(wait->mutex);
  const bool unlinked = wait->done_cv.wait_for(lock, kUnlinkTimeout, [&] { return wait->done; });
  lock.unlock();
  if (!unlinked) {
    // The tee thread is stuck (a dead camera): take the probe off and unlink regardless.
    gst_pad_remove_probe(branch.tee_pad, probe);
    GstPad* bin_pad = gst_element_get_static_pad(branch.bin, "sink");
    gst_pad_unlink(branch.tee_pad, bin_pad);
    gst_object_unref(bin_pad);
  }
  s.dispose(branch);
  return {};
}

std::size_t VideoSource::sink_count() const {
  return impl_->branches.size();
}

void VideoSource::request_snapshot(SnapshotDone done) {
  const std::shared_ptr<SnapshotRequests>& r = impl_->snapshots;
  GstClock* clock = gst_system_clock_obtain();
  const auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(r->timeout);
  GstClockID timeout = gst_clock_new_single_shot_id(
      clock, gst_clock_get_time(clock) +
                 static_cast<GstClockTime>(std::max<std::int64_t>(wait.count(), 0)));
  gst_object_unref(clock);
  std::lock_guard lock(r->mutex);
  SnapshotRequests::Request request;
  request.id = r->next_id++;
  request.done = std::move(done);
  request.timeout = timeout;
  // Scheduled under the lock, so no JPEG can answer (and unschedule) the request first; the
  // callback runs on the clock's thread, never in here. The clock owns the ticket (freed
  // with the entry), and takes any valid time, so this does not fail.
  gst_clock_id_wait_async(timeout, on_snapshot_timeout, new TimeoutTicket{r, request.id},
                          delete_ticket);
  r->requests.push_back(std::move(request));
}

}  // namespace vto::media
