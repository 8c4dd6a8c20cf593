#include "media/video_receiver.h"

#include <gst/gst.h>
#include <gst/video/video.h>

#include <atomic>
#include <mutex>

#include "media/gst_bus.h"
#include "media/sdp.h"
#include "media/video_source.h"

namespace vto::media {
namespace {

constexpr GstClockTime kSnapshotTimeout = 2 * GST_SECOND;

std::string pipeline_description(const VideoReceiver::Config& c) {
  return "udpsrc name=rtp port=0 address=" + c.address +
         " caps=\"application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=" +
         std::to_string(c.payload_type) +
         "\" ! rtph264depay ! avdec_h264 ! fakesink name=frames signal-handoffs=true sync=false";
}

}  // namespace

struct VideoReceiver::Impl {
  Config config;
  GstElement* pipeline = nullptr;
  std::uint16_t port = 0;
  std::atomic<std::uint64_t> frames{0};
  mutable std::mutex mutex;
  GstSample* latest = nullptr;  // guarded by mutex: the last decoded frame with its caps

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

  static void on_frame(GstElement*, GstBuffer* buffer, GstPad* pad, gpointer data) {
    auto* self = static_cast<Impl*>(data);
    GstCaps* caps = gst_pad_get_current_caps(pad);
    GstSample* sample = gst_sample_new(buffer, caps, nullptr, nullptr);
    if (caps) gst_caps_unref(caps);
    GstSample* old = nullptr;
    {
      std::lock_guard lock(self->mutex);
      old = self->latest;
      self->latest = sample;
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

Result<void> VideoReceiver::play() {
  if (gst_element_set_state(impl_->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    return make_error("video: the receiver does not start");
  }
  return {};
}

VideoReceiver::Stats VideoReceiver::stats() const {
  Stats stats;
  stats.frames = impl_->frames.load();
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
