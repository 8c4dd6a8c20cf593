#include "media/video_receiver.h"

#include <gst/gst.h>
#include <gst/video/video.h>

#include <atomic>
#include <deque>
#include <mutex>

#include "media/gst_bus.h"
#include "media/sdp.h"
#include "media/srtp_elements.h"
#include "media/video_source.h"

namespace vto::media {
namespace {

constexpr GstClockTime kSnapshotTimeout = 2 * GST_SECOND;
constexpr std::int64_t kMaxStampAgeUs = 10'000'000;

std::string pipeline_description(const VideoReceiver::Config& c) {
  return "udpsrc name=rtp port=0 address=" + c.address + " caps=\"application/" +
         (c.srtp ? "x-srtp" : "x-rtp") +
         ",media=video,encoding-name=H264,clock-rate=90000,payload=" +
         std::to_string(c.payload_type) + "\" ! " + (c.srtp ? "srtpdec name=srtp ! " : "") +
         "rtph264depay ! avdec_h264 ! fakesink name=frames signal-handoffs=true sync=false";
}

}  // namespace

struct VideoReceiver::Impl {
  Config config;
  GstElement* pipeline = nullptr;
  std::uint16_t port = 0;
  std::atomic<std::uint64_t> frames{0};
  mutable std::mutex mutex;
  GstSample* latest = nullptr;  // guarded by mutex: the last decoded frame with its caps
  // Guarded by mutex too.
  std::optional<std::chrono::steady_clock::time_point> first_frame;
  std::uint64_t stamped_frames = 0;
  std::deque<std::int64_t> latency_us;  // the latest kLatencyWindow

  ~Impl() {
    if (pipeline) {
      // Joins the streaming threads: no handoff runs after this.
      gst_element_set_state(pipeline, GST_STATE_NULL);
      GstBus* bus = gst_element_get_bus(pipeline);
      gst_bus_set_sync_handler(bus, nullptr, nullptr, nullptr);
      gst_object_unref(bus);
      gst_object_unref(pipeline);
    }
    if (latest) gst_sample_unref(latest);
  }

  GstSample* take_latest() const {
    std::lock_guard lock(mutex);
    return latest ? gst_sample_ref(latest) : nullptr;
  }

  // The age of the frame's capture stamp, if it has a readable one from this host.
  static std::optional<std::int64_t> stamp_age(GstBuffer* buffer, GstCaps* caps,
                                               std::uint32_t now) {
    GstVideoInfo video;
    if (!caps || !gst_video_info_from_caps(&video, caps) || !GST_VIDEO_INFO_IS_YUV(&video) ||
        GST_VIDEO_INFO_COMP_DEPTH(&video, 0) != 8) {
      return std::nullopt;
    }
    GstVideoFrame frame;
    if (!gst_video_frame_map(&frame, &video, buffer, GST_MAP_READ)) return std::nullopt;
    const auto stamp = read_capture_stamp(
        static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_COMP_DATA(&frame, 0)),
        GST_VIDEO_FRAME_COMP_STRIDE(&frame, 0), GST_VIDEO_FRAME_COMP_WIDTH(&frame, 0),
        GST_VIDEO_FRAME_COMP_HEIGHT(&frame, 0));
    gst_video_frame_unmap(&frame);
    if (!stamp) return std::nullopt;
    const std::int64_t age = stamp_age_us(*stamp, now);
    if (age < 0 || age > kMaxStampAgeUs) return std::nullopt;
    return age;
  }

  static void on_frame(GstElement*, GstBuffer* buffer, GstPad* pad, gpointer data) {
    const auto decoded = std::chrono::steady_clock::now();
    const std::uint32_t now = capture_clock_us();
    auto* self = static_cast<Impl*>(data);
    GstCaps* caps = gst_pad_get_current_caps(pad);
    const std::optional<std::int64_t> age = stamp_age(buffer, caps, now);
    GstSample* sample = gst_sample_new(buffer, caps, nullptr, nullptr);
    if (caps) gst_caps_unref(caps);
    GstSample* old = nullptr;
    {
      std::lock_guard lock(self->mutex);
      old = self->latest;
      self->latest = sample;
      if (!self->first_frame) self->first_frame = decoded;
      if (age) {
        ++self->stamped_frames;
        self->latency_us.push_back(*age);
        if (self->latency_us.size() > kLatencyWindow) self->latency_us.pop_front();
      }
    }
    if (old) gst_sample_unref(old);
    self->frames.fetch_add(1);
  }
};

VideoReceiver::VideoReceiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoReceiver::~VideoReceiver() = default;

Result<std::unique_ptr<VideoReceiver>> VideoReceiver::open(Config config) {
  if (!numeric_address_type(config.address)) return make_error("video: not a numeric address");
  if (config.payload_type < 96 || config.payload_type > 127) {
    return make_error("video: not a dynamic type");
  }
  ensure_gstreamer_initialized();
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  auto pipeline = launch_pipeline(pipeline_description(impl->config), &impl->config.on_error);
  if (!pipeline) return pipeline.error();
  impl->pipeline = *pipeline;
  GstElement* sink = gst_bin_get_by_name(GST_BIN(impl->pipeline), "frames");
  g_signal_connect(sink, "handoff", G_CALLBACK(Impl::on_frame), impl.get());
  gst_object_unref(sink);
  // udpsrc binds in READY; a live source does not preroll, so PAUSED returns at once. Port 0
  // lets the kernel pick a free port with no window for another program to take it.
  if (gst_element_set_state(impl->pipeline, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE) {
    return make_error("video: cannot bind a UDP port on " + impl->config.address);
  }
  GstElement* source = gst_bin_get_by_name(GST_BIN(impl->pipeline), "rtp");
  gint port = 0;
  g_object_get(source, "port", &port, nullptr);
  gst_object_unref(source);
  if (port <= 0 || port > 65535) return make_error("video: udpsrc reports no port");
  impl->port = static_cast<std::uint16_t>(port);
  return std::unique_ptr<VideoReceiver>(new VideoReceiver(std::move(impl)));
}

std::uint16_t VideoReceiver::port() const {
  return impl_->port;
}

Result<void> VideoReceiver::set_srtp_keys(const SrtpKeys& keys) {
  if (!impl_->config.srtp) return make_error("video: not an SRTP receiver");
  GstElement* srtpdec = gst_bin_get_by_name(GST_BIN(impl_->pipeline), "srtp");
  give_receive_key(srtpdec, keys);
  gst_object_unref(srtpdec);
  return {};
}

Result<void> VideoReceiver::play() {
  if (gst_element_set_state(impl_->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    return make_error("video: the receiver does not start");
  }
  return {};
}

VideoReceiver::Stats VideoReceiver::stats() const {
  Stats stats;
  stats.frames = impl_->frames.load();
  {
    std::lock_guard lock(impl_->mutex);
    stats.first_frame = impl_->first_frame;
    stats.stamped_frames = impl_->stamped_frames;
    stats.latency_us.assign(impl_->latency_us.begin(), impl_->latency_us.end());
  }
  if (GstSample* sample = impl_->take_latest()) {
    if (const GstCaps* caps = gst_sample_get_caps(sample); caps && gst_caps_get_size(caps) > 0) {
      const GstStructure* s = gst_caps_get_structure(caps, 0);
      gst_structure_get_int(s, "width", &stats.width);
      gst_structure_get_int(s, "height", &stats.height);
    }
    gst_sample_unref(sample);
  }
  return stats;
}

Result<std::vector<std::uint8_t>> VideoReceiver::snapshot_jpeg() const {
  GstSample* frame = impl_->take_latest();
  if (!frame) return make_error("video: no frame decoded yet");
  GstCaps* jpeg_caps = gst_caps_new_empty_simple("image/jpeg");
  GError* error = nullptr;
  GstSample* jpeg = gst_video_convert_sample(frame, jpeg_caps, kSnapshotTimeout, &error);
  gst_caps_unref(jpeg_caps);
  gst_sample_unref(frame);
  if (!jpeg) {
    std::string message = error ? error->message : "conversion failed";
    if (error) g_error_free(error);
    return make_error("video: snapshot: " + message);
  }
  std::vector<std::uint8_t> bytes;
  GstMapInfo map;
  GstBuffer* buffer = gst_sample_get_buffer(jpeg);
  if (buffer && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    bytes.assign(map.data, map.data + map.size);
    gst_buffer_unmap(buffer, &map);
  }
  gst_sample_unref(jpeg);
  if (bytes.empty()) return make_error("video: snapshot: empty image");
  return bytes;
}

}  // namespace vto::media
