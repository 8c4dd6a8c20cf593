#include "media/video_source.h"

#include <gst/gst.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>

#include "media/gst_bus.h"
#include "media/sdp.h"

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

std::string pipeline_description(const VideoSource::Config& c) {
  const std::string source =
      c.device.empty() ? "videotestsrc is-live=true ! clockoverlay"
                       : "v4l2src device=" + c.device + " ! videoscale ! videorate ! clockoverlay";
  return source + " ! videoconvert ! video/x-raw,width=" + std::to_string(c.width) +
         ",height=" + std::to_string(c.height) + ",framerate=" + std::to_string(c.framerate) +
         "/1 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=" +
         std::to_string(c.key_interval) +
         " ! video/x-h264,profile=constrained-baseline ! h264parse config-interval=-1"
         " ! tee name=fanout allow-not-linked=true";
}

// What gst_video_event_new_upstream_force_key_unit builds, without linking libgstvideo.
GstEvent* force_key_unit_event() {
  GstStructure* s =
      gst_structure_new("GstForceKeyUnit", "running-time", GST_TYPE_CLOCK_TIME, GST_CLOCK_TIME_NONE,
                        "all-headers", G_TYPE_BOOLEAN, TRUE, "count", G_TYPE_UINT, 0u, nullptr);
  return gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM, s);
}

struct Branch {
  GstPad* tee_pad = nullptr;  // our reference to the tee's request pad
  GstElement* queue = nullptr;
  GstElement* payloader = nullptr;
  GstElement* sink = nullptr;
};

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

}  // namespace

struct VideoSource::Impl {
  Config config;
  GstElement* pipeline = nullptr;
  GstElement* tee = nullptr;
  std::map<SinkId, Branch> branches;
  SinkId next_id = 1;

  ~Impl() {
    if (pipeline) {
      gst_element_set_state(pipeline, GST_STATE_NULL);
      for (auto& [id, branch] : branches) {
        gst_element_release_request_pad(tee, branch.tee_pad);
        gst_object_unref(branch.tee_pad);
      }
      GstBus* bus = gst_element_get_bus(pipeline);
      gst_bus_set_sync_handler(bus, nullptr, nullptr, nullptr);
      gst_object_unref(bus);
      if (tee) gst_object_unref(tee);
      gst_object_unref(pipeline);
    }
  }

  void dispose(Branch& branch) {
    for (GstElement* e : {branch.queue, branch.payloader, branch.sink}) {
      gst_element_set_state(e, GST_STATE_NULL);
      gst_bin_remove(GST_BIN(pipeline), e);  // drops the bin's (only) reference
    }
    if (branch.tee_pad) {
      gst_element_release_request_pad(tee, branch.tee_pad);
      gst_object_unref(branch.tee_pad);
      branch.tee_pad = nullptr;
    }
  }
};

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
      config.key_interval <= 0) {
    return make_error("video: bad format");
  }
  ensure_gstreamer_initialized();
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  auto pipeline = launch_pipeline(pipeline_description(impl->config), &impl->config.on_error);
  if (!pipeline) return pipeline.error();
  impl->pipeline = *pipeline;
  impl->tee = gst_bin_get_by_name(GST_BIN(impl->pipeline), "fanout");
  if (gst_element_set_state(impl->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    return make_error("video: the pipeline does not start (camera missing?)");
  }
  return std::unique_ptr<VideoSource>(new VideoSource(std::move(impl)));
}

Result<VideoSource::SinkId> VideoSource::add_rtp_sink(std::string_view ip, std::uint16_t port,
                                                      int payload_type) {
  if (!numeric_address_type(ip)) return make_error("video: not a numeric address");
  if (port == 0) return make_error("video: port 0");
  if (payload_type < 96 || payload_type > 127) return make_error("video: not a dynamic type");

  Impl& s = *impl_;
  Branch b;
  b.queue = gst_element_factory_make("queue", nullptr);
  b.payloader = gst_element_factory_make("rtph264pay", nullptr);
  b.sink = gst_element_factory_make("udpsink", nullptr);
  if (!b.queue || !b.payloader || !b.sink) {
    for (GstElement* e : {b.queue, b.payloader, b.sink}) {
      if (e) gst_object_unref(gst_object_ref_sink(e));
    }
    return make_error("video: missing GStreamer elements (rtph264pay, udpsink)");
  }
  // A slow network must not stall the encoder or the other calls: drop old frames.
  g_object_set(b.queue, "leaky", 2, "max-size-buffers", 30u, "max-size-bytes", 0u, "max-size-time",
               static_cast<guint64>(0), nullptr);
  g_object_set(b.payloader, "config-interval", -1, "pt", static_cast<guint>(payload_type), nullptr);
  const std::string host(ip);
  g_object_set(b.sink, "host", host.c_str(), "port", static_cast<gint>(port), "sync", FALSE,
               "async", FALSE, nullptr);

  gst_bin_add_many(GST_BIN(s.pipeline), b.queue, b.payloader, b.sink, nullptr);
  if (!gst_element_link_many(b.queue, b.payloader, b.sink, nullptr)) {
    s.dispose(b);
    return make_error("video: cannot link the RTP branch");
  }
  for (GstElement* e : {b.sink, b.payloader, b.queue}) gst_element_sync_state_with_parent(e);
  b.tee_pad = gst_element_request_pad_simple(s.tee, "src_%u");
  GstPad* queue_pad = gst_element_get_static_pad(b.queue, "sink");
  const GstPadLinkReturn linked = gst_pad_link(b.tee_pad, queue_pad);
  gst_object_unref(queue_pad);
  if (linked != GST_PAD_LINK_OK) {
    s.dispose(b);
    return make_error("video: cannot link the tee");
  }
  gst_pad_send_event(b.tee_pad, force_key_unit_event());
  const SinkId id = s.next_id++;
  s.branches.emplace(id, b);
  return id;
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
    GstPad* queue_pad = gst_element_get_static_pad(branch.queue, "sink");
    gst_pad_unlink(branch.tee_pad, queue_pad);
    gst_object_unref(queue_pad);
  }
  s.dispose(branch);
  return {};
}

std::size_t VideoSource::sink_count() const {
  return impl_->branches.size();
}

}  // namespace vto::media
