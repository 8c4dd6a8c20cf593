#include "media/video_source.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

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
  // The encoder is the raw tee's first branch: it gets each frame first, in the camera's
  // thread as before; the snapshot branch's leaky queue takes its JPEG work off that thread.
  return source + " ! videoconvert ! video/x-raw,width=" + std::to_string(c.width) +
         ",height=" + std::to_string(c.height) + ",framerate=" + std::to_string(c.framerate) +
         "/1 ! tee name=raw raw. ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=" +
         std::to_string(c.key_interval) +
         " ! video/x-h264,profile=constrained-baseline ! h264parse config-interval=-1"
         " ! tee name=fanout allow-not-linked=true"
         " raw. ! queue name=snapshot leaky=downstream max-size-buffers=1 max-size-bytes=0"
         " max-size-time=0 ! videoconvert ! jpegenc ! appsink name=snapshots sync=false"
         " async=false max-buffers=1 drop=true";
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
  std::map<SinkId, Branch> branches;
  SinkId next_id = 1;
  std::shared_ptr<SnapshotRequests> snapshots = std::make_shared<SnapshotRequests>();

  ~Impl() {
    // Stopping the pipeline joins its threads: no probe or appsink callback runs after it.
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
  impl->snapshots->timeout = impl->config.snapshot_timeout;
  if (!impl->connect_snapshot_branch()) return make_error("video: no snapshot branch");
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
