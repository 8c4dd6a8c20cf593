#include "media/rtsp_server.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "media/device_names.h"
#include "media/gst_bus.h"
#include "media/rtp_packet.h"
#include "media/rtsp_gobjects.h"

// GObject's type macros cast function pointers the C way.
#pragma GCC diagnostic ignored "-Wcast-function-type"

namespace vto::media {

namespace {

constexpr std::array<VideoStream, 2> kStreams = {VideoStream::Main, VideoStream::Sub};

const char* stream_name(VideoStream stream) {
  return stream == VideoStream::Sub ? "sub" : "main";
}

// One media, as the camera and the microphone feed it: a stream's shared media, or the
// media of its own that a second client with two-way audio gets.
struct Feed {
  VideoStream stream = VideoStream::Main;
  GstElement* appsrc = nullptr;   // video; our reference
  GstElement* audio = nullptr;    // the microphone's A-law; our reference (may be null)
  GstRTSPMedia* media = nullptr;  // not a reference: the feed goes at its "unprepared"
  GstCaps* caps = nullptr;        // the caps set on appsrc
  bool own_talker = false;        // the media of one client with two-way audio

  // Drops the references.
  void reset() {
    if (appsrc) gst_object_unref(appsrc);
    if (audio) gst_object_unref(audio);
    if (caps) gst_caps_unref(caps);
    *this = Feed{};
  }
};

struct Accepted {  // the answer that authenticated a connection
  std::string user;
  std::string nonce;
  bool may_talk = false;
};

// The quoted value of `name` in a digest Authorization header ("" when absent).
std::string digest_field(std::string_view header, std::string_view name) {
  std::size_t at = 0;
  while ((at = header.find(name, at)) != std::string_view::npos) {
    const bool starts = at == 0 || header[at - 1] == ' ' || header[at - 1] == ',';
    std::size_t p = at + name.size();
    while (p < header.size() && header[p] == ' ') ++p;
    if (starts && p + 1 < header.size() && header[p] == '=' && header[p + 1] == '"') {
      const auto end = header.find('"', p + 2);
      if (end == std::string_view::npos) return {};
      return std::string(header.substr(p + 2, end - p - 2));
    }
    at = p;
  }
  return {};
}

// The media's backchannel stream (our reference), if it has one.
GstRTSPStream* backchannel_of(GstRTSPMedia* media) {
  for (guint i = 0; i < gst_rtsp_media_n_streams(media); ++i) {
    GstRTSPStream* stream = gst_rtsp_media_get_stream(media, i);
    if (GstPad* pad = gst_rtsp_stream_get_sinkpad(stream)) {
      gst_object_unref(pad);
      return GST_RTSP_STREAM(g_object_ref(stream));
    }
  }
  return nullptr;
}

// The pipeline the media's element is in (our reference); null before the media has one.
GstBin* pipeline_of(GstRTSPMedia* media) {
  GstElement* element = gst_rtsp_media_get_element(media);
  GstObject* parent = gst_object_get_parent(GST_OBJECT(element));
  gst_object_unref(element);
  return parent ? GST_BIN(parent) : nullptr;
}

struct Viewer {
  StreamBudget::Ticket ticket = 0;
  GstRTSPClient* client = nullptr;  // while connected; not a reference
  std::string user;
  std::string address;
  VideoStream stream = VideoStream::Main;
};

}  // namespace

struct RtspServer::Impl {
  Config config;
  GMainContext* context = nullptr;
  GMainLoop* loop = nullptr;
  std::thread thread;
  GstRTSPServer* server = nullptr;
  GstRTSPSessionPool* pool = nullptr;
  guint server_source = 0;
  GSource* pool_watch = nullptr;
  std::uint16_t bound_port = 0;

  mutable std::mutex mutex;
  std::vector<Feed> feeds;  // every media that runs
  // A client's first SETUP took a ticket; its session is not made yet.
  std::map<GstRTSPClient*, Viewer> pending;
  std::map<GstRTSPSession*, Viewer> viewers;
  std::map<GstRTSPClient*, Accepted> users;  // who authenticated on each connection
  gint backchannel_on = 0;
  // The client whose two-way audio goes through the shared media's backchannel (one at a
  // time); not a reference, cleared when it closes.
  GstRTSPClient* talk_holder = nullptr;
  // The microphone, captured once for every media while any runs.
  std::mutex capture_mutex;  // held while it starts or stops
  GstElement* capture = nullptr;

  ~Impl() { stop(); }

  void log(const std::string& line) const {
    if (config.on_event) config.on_event(line);
  }

  std::size_t medias_of(VideoStream stream) const {  // with the lock held
    return static_cast<std::size_t>(std::count_if(
        feeds.begin(), feeds.end(), [stream](const Feed& f) { return f.stream == stream; }));
  }

  // ---------------------------------------------------------------- the microphone
  // A-law at 8 kHz in 40 ms buffers, the payloader's packets: each media's audio source
  // then handles 25 buffers a second (a test tone at its own 44.1 kHz in 320-sample buffers
  // was 138, and every talker's or viewer's media paid for each).
  std::string capture_line() const {
    const std::string microphone =
        !config.microphone_device.empty() ? "alsasrc device=" + config.microphone_device +
                                                " latency-time=40000 ! audioconvert ! audioresample"
        : config.tone_hz == 0
            ? std::string("audiotestsrc is-live=true wave=silence samplesperbuffer=320")
            : "audiotestsrc is-live=true wave=sine volume=0.3 samplesperbuffer=320 freq=" +
                  std::to_string(static_cast<int>(config.tone_hz));
    return microphone +
           " ! audio/x-raw,format=S16LE,rate=8000,channels=1 ! alawenc"
           " ! appsink name=out emit-signals=true sync=false max-buffers=16 drop=true";
  }

  void start_capture() {
    std::lock_guard hold(capture_mutex);
    if (capture) return;
    auto launched = launch_pipeline(capture_line(), nullptr);
    if (!launched) {
      log("rtsp: the microphone does not start: " + launched.error().message);
      return;
    }
    capture = *launched;
    GstElement* sink = gst_bin_get_by_name(GST_BIN(capture), "out");
    g_signal_connect(sink, "new-sample", G_CALLBACK(+[](GstElement* s, gpointer data) {
                       static_cast<Impl*>(data)->captured(s);
                       return GST_FLOW_OK;
                     }),
                     this);
    gst_object_unref(sink);
    gst_element_set_state(capture, GST_STATE_PLAYING);
  }

  void stop_capture() {
    std::lock_guard hold(capture_mutex);
    if (!capture) return;
    stop_pipeline(capture);
  }

  // Each captured buffer goes to every media's audio source.
  void captured(GstElement* sink) {
    GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
    if (!sample) return;
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    std::vector<GstElement*> sources;
    {
      std::lock_guard lock(mutex);
      // Not before the media plays: a buffer waiting in a source that is not playing yet
      // may be timed before the pipeline's base time is set.
      for (const Feed& f : feeds)
        if (f.audio && GST_STATE(f.audio) == GST_STATE_PLAYING)
          sources.push_back(GST_ELEMENT(gst_object_ref(f.audio)));
    }
    for (GstElement* source : sources) {
      if (buffer) {
        GstBuffer* copy = gst_buffer_copy(buffer);
        GST_BUFFER_PTS(copy) = GST_CLOCK_TIME_NONE;
        GST_BUFFER_DTS(copy) = GST_CLOCK_TIME_NONE;
        GST_BUFFER_DURATION(copy) = GST_CLOCK_TIME_NONE;
        gst_app_src_push_buffer(GST_APP_SRC(source), copy);
      }
      gst_object_unref(source);
    }
    gst_sample_unref(sample);
  }

  void stop() {
    if (loop) {
      g_main_loop_quit(loop);
      if (thread.joinable()) thread.join();
    }
    // Nothing calls back into this object from here on: GStreamer's objects may outlive it
    // (a client or a media still referenced elsewhere).
    if (server) {
      g_signal_handlers_disconnect_by_data(server, this);
      // Close every client and drop every session: the media stop with them.
      gst_rtsp_server_client_filter(
          server,
          [](GstRTSPServer*, GstRTSPClient* client, gpointer self) {
            g_signal_handlers_disconnect_by_data(client, self);
            gst_rtsp_client_close(client);
            return GST_RTSP_FILTER_REMOVE;
          },
          this);
    }
    if (pool) {
      g_signal_handlers_disconnect_by_data(pool, this);
      gst_rtsp_session_pool_filter(
          pool,
          [](GstRTSPSessionPool*, GstRTSPSession*, gpointer) { return GST_RTSP_FILTER_REMOVE; },
          nullptr);
    }
    {
      std::lock_guard lock(mutex);
      for (auto& f : feeds) {
        if (f.media) g_signal_handlers_disconnect_by_data(f.media, this);
      }
    }
    stop_capture();
    if (server_source && context) {
      if (GSource* source = g_main_context_find_source_by_id(context, server_source)) {
        g_source_destroy(source);
      }
      server_source = 0;
    }
    if (pool_watch) {
      g_source_destroy(pool_watch);
      g_source_unref(pool_watch);
      pool_watch = nullptr;
    }
    {
      std::lock_guard lock(mutex);
      for (auto& f : feeds) f.reset();
      feeds.clear();
      for (auto& [client, viewer] : pending) config.budget->release(viewer.ticket);
      for (auto& [session, viewer] : viewers) config.budget->release(viewer.ticket);
      pending.clear();
      viewers.clear();
    }
    if (pool) gst_object_unref(pool);
    pool = nullptr;
    if (server) gst_object_unref(server);
    server = nullptr;
    if (loop) g_main_loop_unref(loop);
    loop = nullptr;
    if (context) g_main_context_unref(context);
    context = nullptr;
  }

  // ---------------------------------------------------------------- feeds
  void media_configured(VideoStream stream, GstRTSPMedia* media) {
    GstElement* element = gst_rtsp_media_get_element(media);
    GstElement* appsrc = gst_bin_get_by_name(GST_BIN(element), "video");
    GstElement* audio = gst_bin_get_by_name(GST_BIN(element), "audio");
    gst_object_unref(element);
    if (!appsrc) {
      if (audio) gst_object_unref(audio);
      return;
    }
    // Made for a client asking for two-way audio that is not the shared backchannel's
    // holder: the media is that client's own.
    GstRTSPContext* ctx = gst_rtsp_context_get_current();
    bool first_of_stream = false, first = false, own = false;
    {
      std::lock_guard lock(mutex);
      own = ctx && ctx->client && vto_rtsp_requires_backchannel(ctx->request) &&
            talk_holder != ctx->client;
      first = feeds.empty();
      first_of_stream = medias_of(stream) == 0;
      Feed f;
      f.stream = stream;
      f.appsrc = appsrc;
      f.audio = audio;
      f.media = media;
      f.own_talker = own;
      feeds.push_back(f);
    }
    g_signal_connect(media, "unprepared", G_CALLBACK(+[](GstRTSPMedia* m, gpointer data) {
                       static_cast<Impl*>(data)->media_unprepared(m);
                     }),
                     this);
    g_signal_connect(media, "prepared", G_CALLBACK(+[](GstRTSPMedia* m, gpointer data) {
                       static_cast<Impl*>(data)->listen_to_backchannel(m);
                     }),
                     this);
    if (own) {
      log(std::string("rtsp: another client with two-way audio gets its own ") +
          stream_name(stream) + " stream");
    }
    if (first) start_capture();
    if (first_of_stream) {
      log(std::string("rtsp: ") + stream_name(stream) + " stream starts");
      if (config.on_demand) config.on_demand(stream, true);
    } else if (config.on_key_frame) {
      config.on_key_frame(stream);  // a new media of a stream already running
    }
  }

  // What a talker sends is taken as it enters the RTP session, before the session's
  // jitter buffer: its A-law goes to Config::on_talk and the packet goes no further.
  void listen_to_backchannel(GstRTSPMedia* media) {
    GstRTSPStream* stream = backchannel_of(media);
    if (!stream) return;
    const std::string pad_name =
        "recv_rtp_sink_" + std::to_string(gst_rtsp_stream_get_index(stream));
    g_object_unref(stream);
    GstBin* pipeline = pipeline_of(media);
    if (!pipeline) return;
    GstPad* pad = nullptr;
    GstIterator* it = gst_bin_iterate_all_by_element_factory_name(pipeline, "rtpbin");
    GValue item = G_VALUE_INIT;
    if (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
      pad = gst_element_get_static_pad(GST_ELEMENT(g_value_get_object(&item)), pad_name.c_str());
      g_value_reset(&item);
    }
    g_value_unset(&item);
    gst_iterator_free(it);
    gst_object_unref(pipeline);
    if (!pad) {
      log("rtsp: the two-way audio's input is not found (" + pad_name + ")");
      return;
    }
    struct Probe {
      Impl* impl;
      GstRTSPMedia* media;
    };
    gst_pad_add_probe(
        pad, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad*, GstPadProbeInfo* info, gpointer data) {
          auto* probe = static_cast<Probe*>(data);
          probe->impl->heard(probe->media, gst_pad_probe_info_get_buffer(info));
          return GST_PAD_PROBE_DROP;
        },
        new Probe{this, media}, [](gpointer data) { delete static_cast<Probe*>(data); });
    gst_object_unref(pad);
  }

  void heard(GstRTSPMedia* media, GstBuffer* buffer) {
    std::uintptr_t talker = 0;
    {
      std::lock_guard lock(mutex);
      auto it = std::find_if(feeds.begin(), feeds.end(),
                             [media](const Feed& f) { return f.media == media; });
      if (it == feeds.end()) return;
      if (it->own_talker) {
        talker = reinterpret_cast<std::uintptr_t>(media);
      } else if (talk_holder) {
        talker = reinterpret_cast<std::uintptr_t>(talk_holder);
        for (auto& [session, viewer] : viewers)
          if (viewer.client == talk_holder) gst_rtsp_session_touch(session);
      }
    }
    GstMapInfo map;
    if (!talker || !buffer || !config.on_talk || !gst_buffer_map(buffer, &map, GST_MAP_READ))
      return;
    const auto packet =
        parse_rtp(std::string_view(reinterpret_cast<const char*>(map.data), map.size));
    if (packet && packet->payload_type == 8) config.on_talk(talker, packet->payload);
    gst_buffer_unmap(buffer, &map);
  }

  // The factory asks at a DESCRIBE with two-way audio: the shared media's backchannel is
  // this client's if nobody else has it.
  bool reserve(GstRTSPClient* client) {
    std::lock_guard lock(mutex);
    if (talk_holder && talk_holder != client) return false;
    talk_holder = client;
    return true;
  }

  // The holder is gone (its connection or its session): its talk ends.
  void release(GstRTSPClient* client) {
    {
      std::lock_guard lock(mutex);
      if (talk_holder != client) return;
      talk_holder = nullptr;
    }
    if (config.on_talk_end) config.on_talk_end(reinterpret_cast<std::uintptr_t>(client));
  }

  void media_unprepared(GstRTSPMedia* media) {
    std::optional<VideoStream> ended;
    bool talker = false, none = false;
    VideoStream stream = VideoStream::Main;
    {
      std::lock_guard lock(mutex);
      auto it = std::find_if(feeds.begin(), feeds.end(),
                             [media](const Feed& f) { return f.media == media; });
      if (it == feeds.end()) return;
      stream = it->stream;
      talker = it->own_talker;
      it->reset();
      feeds.erase(it);
      if (medias_of(stream) == 0) ended = stream;
      none = feeds.empty();
    }
    if (talker && config.on_talk_end) config.on_talk_end(reinterpret_cast<std::uintptr_t>(media));
    if (none) stop_capture();
    if (ended) {
      log(std::string("rtsp: ") + stream_name(*ended) + " stream stops");
      if (config.on_demand) config.on_demand(*ended, false);
    }
  }

  void push(VideoStream stream, GstSample* sample) {
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    if (!buffer) return;
    std::vector<std::pair<GstElement*, GstCaps*>> targets;  // appsrc, new caps or null
    {
      std::lock_guard lock(mutex);
      GstCaps* caps = gst_sample_get_caps(sample);
      for (Feed& f : feeds) {
        if (f.stream != stream || GST_STATE(f.appsrc) != GST_STATE_PLAYING) continue;
        GstCaps* new_caps = nullptr;
        if (caps && (!f.caps || !gst_caps_is_equal(caps, f.caps))) {
          if (f.caps) gst_caps_unref(f.caps);
          f.caps = gst_caps_ref(caps);
          new_caps = gst_caps_ref(caps);
        }
        targets.emplace_back(GST_ELEMENT(gst_object_ref(f.appsrc)), new_caps);
      }
    }
    for (auto [appsrc, new_caps] : targets) {
      if (new_caps) {
        gst_app_src_set_caps(GST_APP_SRC(appsrc), new_caps);
        gst_caps_unref(new_caps);
      }
      // The media's own clock times it (do-timestamp): the camera's timestamps belong to
      // another pipeline.
      GstBuffer* copy = gst_buffer_copy(buffer);  // shares the memory
      GST_BUFFER_PTS(copy) = GST_CLOCK_TIME_NONE;
      GST_BUFFER_DTS(copy) = GST_CLOCK_TIME_NONE;
      GST_BUFFER_DURATION(copy) = GST_CLOCK_TIME_NONE;
      gst_app_src_push_buffer(GST_APP_SRC(appsrc), copy);
      gst_object_unref(appsrc);
    }
  }

  // ---------------------------------------------------------------- viewers
  void client_connected(GstRTSPClient* client) {
    g_signal_connect(client, "pre-describe-request",
                     G_CALLBACK(+[](GstRTSPClient* c, GstRTSPContext*, gpointer data) {
                       return static_cast<Impl*>(data)->pre_describe(c);
                     }),
                     this);
    g_signal_connect(client, "pre-setup-request",
                     G_CALLBACK(+[](GstRTSPClient* c, GstRTSPContext* ctx, gpointer data) {
                       return static_cast<Impl*>(data)->pre_setup(c, ctx);
                     }),
                     this);
    g_signal_connect(client, "new-session",
                     G_CALLBACK(+[](GstRTSPClient* c, GstRTSPSession* s, gpointer data) {
                       static_cast<Impl*>(data)->new_session(c, s);
                     }),
                     this);
    g_signal_connect(
        client, "pre-play-request",
        G_CALLBACK(+[](GstRTSPClient*, GstRTSPContext* ctx, gpointer) { return live_play(ctx); }),
        nullptr);
    g_signal_connect(client, "play-request",
                     G_CALLBACK(+[](GstRTSPClient*, GstRTSPContext* ctx, gpointer data) {
                       static_cast<Impl*>(data)->played(ctx);
                     }),
                     this);
    g_signal_connect(client, "closed", G_CALLBACK(+[](GstRTSPClient* c, gpointer data) {
                       static_cast<Impl*>(data)->client_closed(c);
                     }),
                     this);
  }

  // The door is live and its media are shared: a player's "from npt=0" (or a speed) would
  // become a flushing seek of the pipeline every other viewer watches, and rewind their
  // timestamps. A PLAY starts at the live edge, whatever it asks.
  static GstRTSPStatusCode live_play(GstRTSPContext* ctx) {
    for (const GstRTSPHeaderField field :
         {GST_RTSP_HDR_RANGE, GST_RTSP_HDR_SCALE, GST_RTSP_HDR_SPEED}) {
      gst_rtsp_message_remove_header(ctx->request, field, -1);
    }
    return GST_RTSP_STS_OK;
  }

  static std::string address_of(GstRTSPClient* client) {
    GstRTSPConnection* connection = gst_rtsp_client_get_connection(client);
    const char* ip = connection ? gst_rtsp_connection_get_ip(connection) : nullptr;
    return ip ? ip : "?";
  }

  // No media is prepared for a viewer who could not get a stream anyway.
  GstRTSPStatusCode pre_describe(GstRTSPClient* client) {
    if (config.budget->in_use() < config.budget->limit()) return GST_RTSP_STS_OK;
    log("rtsp: refused a viewer from " + address_of(client) + ": " +
        std::to_string(config.budget->limit()) + " video streams already run");
    return GST_RTSP_STS_NOT_ENOUGH_BANDWIDTH;
  }

  // The first SETUP of a session takes a ticket: 453 when six streams already run.
  GstRTSPStatusCode pre_setup(GstRTSPClient* client, GstRTSPContext* ctx) {
    if (ctx->stream) {
      if (GstPad* pad = gst_rtsp_stream_get_sinkpad(ctx->stream)) {
        gst_object_unref(pad);
        const GstRTSPStatusCode code = may_set_up_talk(client, ctx);
        if (code != GST_RTSP_STS_OK) return code;
      }
    }
    if (ctx->session) return GST_RTSP_STS_OK;  // another track of a session that has one
    const char* path_abs = ctx->uri ? ctx->uri->abspath : "";
    const char* query = ctx->uri && ctx->uri->query ? ctx->uri->query : "";
    const std::string path = rtsp_stream_path(path_abs ? path_abs : "", query);
    const VideoStream stream = path.starts_with("/sub") ? VideoStream::Sub : VideoStream::Main;
    std::lock_guard lock(mutex);
    if (pending.contains(client)) return GST_RTSP_STS_OK;  // a SETUP that failed before
    auto ticket =
        config.budget->acquire(StreamBudget::Kind::Rtsp, [this, client] { evict(client); });
    const std::string address = address_of(client);
    if (!ticket) {
      log("rtsp: refused a viewer from " + address + ": " + std::to_string(config.budget->limit()) +
          " video streams already run");
      return GST_RTSP_STS_NOT_ENOUGH_BANDWIDTH;
    }
    Viewer viewer;
    viewer.ticket = *ticket;
    viewer.client = client;
    viewer.address = address;
    viewer.stream = stream;
    if (auto it = users.find(client); it != users.end()) viewer.user = it->second.user;
    pending.emplace(client, std::move(viewer));
    return GST_RTSP_STS_OK;
  }

  // The backchannel's SETUP: two-way audio on, a user who may talk, over the RTSP connection
  // (RTP over UDP would come from anyone who guesses the port), and on the shared media only
  // by the client that holds its backchannel.
  GstRTSPStatusCode may_set_up_talk(GstRTSPClient* client, GstRTSPContext* ctx) {
    const std::string address = address_of(client);
    gchar* transport = nullptr;  // owned by the request
    gst_rtsp_message_get_header(ctx->request, GST_RTSP_HDR_TRANSPORT, &transport, 0);
    const bool interleaved = transport && g_strrstr(transport, "interleaved=");
    std::string refusal, user_name;
    GstRTSPStatusCode code = GST_RTSP_STS_FORBIDDEN;
    {
      std::lock_guard lock(mutex);
      auto user = users.find(client);
      if (user != users.end()) user_name = user->second.user;
      auto feed = std::find_if(feeds.begin(), feeds.end(),
                               [ctx](const Feed& f) { return f.media == ctx->media; });
      if (!g_atomic_int_get(&backchannel_on)) {
        refusal = "two-way audio is off";
      } else if (user == users.end() || !user->second.may_talk) {
        refusal = "may not use two-way audio";
      } else if (feed == feeds.end() || (!feed->own_talker && talk_holder != client)) {
        refusal = "asked for two-way audio it did not describe";
      } else if (!interleaved) {
        refusal = "asked for two-way audio over UDP (only over the RTSP connection)";
        code = GST_RTSP_STS_UNSUPPORTED_TRANSPORT;
      } else {
        return GST_RTSP_STS_OK;
      }
    }
    log("rtsp: refused two-way audio from " + address + ": " + refusal);
    if (config.on_refusal) config.on_refusal(user_name, address, "two-way audio: " + refusal);
    return code;
  }

  void new_session(GstRTSPClient* client, GstRTSPSession* session) {
    gst_rtsp_session_set_timeout(session, static_cast<guint>(config.session_timeout.count()));
    std::string line;
    {
      std::lock_guard lock(mutex);
      auto it = pending.find(client);
      if (it == pending.end()) return;
      Viewer viewer = std::move(it->second);
      pending.erase(it);
      line = "rtsp: " + (viewer.user.empty() ? std::string("a viewer") : viewer.user) + " from " +
             viewer.address + " watches the " + stream_name(viewer.stream) + " stream";
      viewers.emplace(session, std::move(viewer));
    }
    log(line);
  }

  void played(GstRTSPContext* ctx) {
    if (ctx->media) start_late_receivers(ctx->media);
    VideoStream stream = VideoStream::Main;
    {
      std::lock_guard lock(mutex);
      auto it = viewers.find(ctx->session);
      if (it == viewers.end()) return;
      stream = it->second.stream;
    }
    if (config.on_key_frame) config.on_key_frame(stream);
  }

  // gst-rtsp-server adds a receiving stream's appsrc at its first SETUP and leaves its state
  // to the media's next change; on a shared media that plays already there is none, and the
  // talker's RTP would wait in it for ever. Its PLAY starts it.
  static void start_late_receivers(GstRTSPMedia* media) {
    GstBin* pipeline = pipeline_of(media);
    if (!pipeline) return;
    GstIterator* it = gst_bin_iterate_all_by_element_factory_name(pipeline, "appsrc");
    gst_iterator_foreach(
        it,
        [](const GValue* item, gpointer) {
          auto* source = GST_ELEMENT(g_value_get_object(item));
          if (GST_STATE(source) == GST_STATE_NULL &&
              GST_STATE_PENDING(source) == GST_STATE_VOID_PENDING)
            gst_element_sync_state_with_parent(source);
        },
        nullptr);
    gst_iterator_free(it);
    gst_object_unref(pipeline);
  }

  void session_removed(GstRTSPSession* session) {
    std::string line;
    GstRTSPClient* client = nullptr;
    {
      std::lock_guard lock(mutex);
      auto it = viewers.find(session);
      if (it == viewers.end()) return;
      config.budget->release(it->second.ticket);
      line = "rtsp: the viewer from " + it->second.address + " left the " +
             stream_name(it->second.stream) + " stream";
      client = it->second.client;
      viewers.erase(it);
    }
    log(line);
    release(client);
  }

  // The connection is gone, and with it the client's streams (TCP ones always, UDP ones
  // too: stop-on-disconnect), though its sessions stay in the pool until they time out.
  void client_closed(GstRTSPClient* client) {
    std::vector<std::string> lines;
    {
      std::lock_guard lock(mutex);
      users.erase(client);
      if (auto it = pending.find(client); it != pending.end()) {
        config.budget->release(it->second.ticket);
        pending.erase(it);
      }
      for (auto it = viewers.begin(); it != viewers.end();) {
        if (it->second.client != client) {
          ++it;
          continue;
        }
        config.budget->release(it->second.ticket);
        lines.push_back("rtsp: the viewer from " + it->second.address + " left the " +
                        stream_name(it->second.stream) + " stream");
        it = viewers.erase(it);
      }
    }
    for (const auto& line : lines) log(line);
    release(client);
  }

  // A visitor's call needs the stream this client holds: its sessions end, its connection
  // closes. Runs on the server's thread.
  void evict(GstRTSPClient* client) {
    struct Eviction {
      Impl* impl;
      GstRTSPClient* client;
    };
    g_main_context_invoke_full(
        context, G_PRIORITY_DEFAULT,
        [](gpointer data) -> gboolean {
          auto* e = static_cast<Eviction*>(data);
          e->impl->evict_now(e->client);
          return G_SOURCE_REMOVE;
        },
        new Eviction{this, client}, [](gpointer data) { delete static_cast<Eviction*>(data); });
  }

  void evict_now(GstRTSPClient* client) {
    std::vector<GstRTSPSession*> sessions;
    bool connected = false;
    {
      std::lock_guard lock(mutex);
      for (auto& [session, viewer] : viewers) {
        if (viewer.client == client) sessions.push_back(GST_RTSP_SESSION(g_object_ref(session)));
      }
      if (auto it = pending.find(client); it != pending.end()) pending.erase(it);
      connected = users.contains(client) || !sessions.empty();
    }
    log("rtsp: a viewer makes room for a visitor's call");
    for (GstRTSPSession* session : sessions) {
      gst_rtsp_session_pool_remove(pool, session);
      g_object_unref(session);
    }
    if (connected) {
      // The client may have gone meanwhile: close it only if the server still has it.
      gst_rtsp_server_client_filter(
          server,
          [](GstRTSPServer*, GstRTSPClient* c, gpointer target) {
            if (c == target) gst_rtsp_client_close(c);
            return GST_RTSP_FILTER_KEEP;
          },
          client);
    }
  }

  // ---------------------------------------------------------------- authentication
  gboolean check(GstRTSPContext* ctx, const gchar* check) {
    if (g_str_equal(check, GST_RTSP_AUTH_CHECK_CONNECT)) return TRUE;
    if (g_str_equal(check, GST_RTSP_AUTH_CHECK_TRANSPORT_CLIENT_SETTINGS)) return FALSE;
    if (g_str_has_prefix(check, "auth.check.media.factory.")) return TRUE;  // after the URL
    if (!g_str_equal(check, GST_RTSP_AUTH_CHECK_URL)) return FALSE;
    if (!ctx->request || !ctx->client) return FALSE;
    if (config.allowed && !config.allowed(address_of(ctx->client))) {
      respond(ctx, GST_RTSP_STS_FORBIDDEN, false);  // off the IP allow-list
      return FALSE;
    }
    if (ctx->method == GST_RTSP_OPTIONS) return TRUE;  // says what the server does, no more
    gchar* authorization = nullptr;                    // owned by the request
    gst_rtsp_message_get_header(ctx->request, GST_RTSP_HDR_AUTHORIZATION, &authorization, 0);
    const std::string given = authorization ? authorization : "";
    const char* method = gst_rtsp_method_as_text(ctx->method);
    const bool talk = vto_rtsp_requires_backchannel(ctx->request);
    RtspAuthAnswer answer;
    const std::string nonce = digest_field(given, "nonce");
    {
      // A client that keeps the nonce it was first given for the whole connection (and
      // answers without qop, so the nonce has no count): once an answer with that nonce
      // was right on this connection, the connection is the proof, as a session cookie
      // would be. Another user or nonce is checked afresh.
      std::lock_guard lock(mutex);
      auto it = users.find(ctx->client);
      if (it != users.end() && !nonce.empty() && it->second.nonce == nonce &&
          it->second.user == digest_field(given, "username")) {
        answer = RtspAuthAnswer{RtspAuthAnswer::Verdict::Ok, it->second.user, it->second.may_talk};
      }
    }
    if (answer.verdict != RtspAuthAnswer::Verdict::Ok) {
      answer = config.authenticate
                   ? config.authenticate(method ? method : "", given, address_of(ctx->client))
                   : RtspAuthAnswer{RtspAuthAnswer::Verdict::Forbidden, {}, false};
    }
    switch (answer.verdict) {
      case RtspAuthAnswer::Verdict::Ok: {
        if (talk && !answer.may_talk) {
          log("rtsp: " + answer.user + " from " + address_of(ctx->client) +
              " may not use two-way audio");
          if (config.on_refusal)
            config.on_refusal(answer.user, address_of(ctx->client),
                              "two-way audio: may not use two-way audio");
          respond(ctx, GST_RTSP_STS_FORBIDDEN, false);
          return FALSE;
        }
        std::lock_guard lock(mutex);
        users[ctx->client] = Accepted{answer.user, nonce, answer.may_talk};
        return TRUE;
      }
      case RtspAuthAnswer::Verdict::Forbidden:
        log("rtsp: " + answer.user + " from " + address_of(ctx->client) + " may not watch");
        respond(ctx, GST_RTSP_STS_FORBIDDEN, false);
        return FALSE;
      case RtspAuthAnswer::Verdict::Stale:
        respond(ctx, GST_RTSP_STS_UNAUTHORIZED, true);
        return FALSE;
      case RtspAuthAnswer::Verdict::Challenge:
        respond(ctx, GST_RTSP_STS_UNAUTHORIZED, false);
        return FALSE;
    }
    return FALSE;
  }

  void respond(GstRTSPContext* ctx, GstRTSPStatusCode code, bool stale) {
    if (!ctx->response) return;
    gst_rtsp_message_init_response(ctx->response, code, gst_rtsp_status_as_text(code),
                                   ctx->request);
    if (code == GST_RTSP_STS_UNAUTHORIZED && config.challenges) {
      for (const std::string& challenge : config.challenges(stale)) {
        gst_rtsp_message_add_header(ctx->response, GST_RTSP_HDR_WWW_AUTHENTICATE,
                                    challenge.c_str());
      }
    }
    gst_rtsp_client_send_message(ctx->client, ctx->session, ctx->response);
  }
};

}  // namespace vto::media

namespace vto::media {

namespace {

std::string launch_line(const RtspServer::Config&) {
  // The microphone's A-law comes the same way, from the one capture every media shares.
  return "( appsrc name=video is-live=true format=time do-timestamp=true min-latency=0"
         " max-bytes=0 max-buffers=30 leaky-type=downstream"
         " ! rtph264pay name=pay0 pt=96 config-interval=-1"
         " appsrc name=audio is-live=true format=time do-timestamp=true min-latency=0"
         " max-bytes=0 max-buffers=50 leaky-type=downstream"
         " caps=audio/x-alaw,rate=8000,channels=1"
         " ! rtppcmapay name=pay1 pt=8 min-ptime=40000000 max-ptime=40000000 )";
}

// Two-way audio: what the SDP offers (PCMA). The packets never get here: they are taken
// where they enter the RTP session (listen_to_backchannel) and handed to Config::on_talk.
constexpr const char* kBackchannelLine =
    "( capsfilter name=depay_backchannel caps=\"application/x-rtp,media=audio,payload=8,"
    "clock-rate=8000,encoding-name=PCMA\" ! rtppcmadepay ! fakesink sync=false async=false )";

GstRTSPMediaFactory* make_factory(const RtspServer::Config& c, VideoStream stream,
                                  RtspServer::Impl* impl) {
  auto* factory =
      reinterpret_cast<VtoRtspFactory*>(g_object_new(vto_rtsp_factory_get_type(), nullptr));
  factory->key = stream == VideoStream::Sub ? "sub" : "main";
  factory->backchannel_on = &impl->backchannel_on;
  factory->owner = impl;
  factory->reserve = [](void* owner, GstRTSPClient* client) -> gboolean {
    return static_cast<RtspServer::Impl*>(owner)->reserve(client) ? TRUE : FALSE;
  };
  auto* f = GST_RTSP_MEDIA_FACTORY(factory);
  gst_rtsp_media_factory_set_launch(f, launch_line(c).c_str());
  gst_rtsp_media_factory_set_media_gtype(f, vto_rtsp_media_get_type());
  gst_rtsp_onvif_media_factory_set_backchannel_launch(GST_RTSP_ONVIF_MEDIA_FACTORY(factory),
                                                      kBackchannelLine);
  gst_rtsp_onvif_media_factory_set_backchannel_bandwidth(GST_RTSP_ONVIF_MEDIA_FACTORY(factory),
                                                         64000);
  gst_rtsp_media_factory_set_shared(f, TRUE);
  gst_rtsp_media_factory_set_protocols(
      f, static_cast<GstRTSPLowerTrans>(GST_RTSP_LOWER_TRANS_UDP | GST_RTSP_LOWER_TRANS_TCP));
  gst_rtsp_media_factory_set_latency(f, 0);
  struct Configure {
    RtspServer::Impl* impl;
    VideoStream stream;
  };
  g_signal_connect_data(
      f, "media-configure",
      G_CALLBACK(+[](GstRTSPMediaFactory*, GstRTSPMedia* media, gpointer data) {
        auto* configure = static_cast<Configure*>(data);
        configure->impl->media_configured(configure->stream, media);
      }),
      new Configure{impl, stream},
      [](gpointer data, GClosure*) { delete static_cast<Configure*>(data); },
      static_cast<GConnectFlags>(0));
  return f;
}

}  // namespace

RtspServer::RtspServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RtspServer::~RtspServer() = default;

Result<std::unique_ptr<RtspServer>> RtspServer::start(Config config) {
  if (!config.budget) return make_error("rtsp: no stream budget");
  if (!config.microphone_device.empty() && !is_safe_alsa_device(config.microphone_device)) {
    return make_error("rtsp: bad microphone device name: " + config.microphone_device);
  }
  if (config.tone_hz < 0 || config.tone_hz > 20000) config.tone_hz = 440;
  ensure_gstreamer_initialized();
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  Impl* s = impl.get();
  g_atomic_int_set(&s->backchannel_on, s->config.backchannel ? 1 : 0);
  s->context = g_main_context_new();
  s->loop = g_main_loop_new(s->context, FALSE);
  s->server = GST_RTSP_SERVER(g_object_new(vto_rtsp_server_get_type(), nullptr));
  gst_rtsp_server_set_address(s->server, s->config.address.c_str());
  gst_rtsp_server_set_service(s->server, std::to_string(s->config.port).c_str());
  gst_rtsp_server_set_content_length_limit(s->server, 8192);

  auto* auth = reinterpret_cast<VtoRtspAuth*>(g_object_new(vto_rtsp_auth_get_type(), nullptr));
  auth->owner = s;
  auth->check = [](void* owner, GstRTSPContext* ctx, const gchar* check) {
    return static_cast<RtspServer::Impl*>(owner)->check(ctx, check);
  };
  gst_rtsp_server_set_auth(s->server, GST_RTSP_AUTH(auth));
  g_object_unref(auth);

  auto* mounts = GST_RTSP_MOUNT_POINTS(g_object_new(vto_rtsp_mounts_get_type(), nullptr));
  gst_rtsp_mount_points_add_factory(mounts, "/main", make_factory(s->config, VideoStream::Main, s));
  gst_rtsp_mount_points_add_factory(mounts, "/sub", make_factory(s->config, VideoStream::Sub, s));
  gst_rtsp_server_set_mount_points(s->server, mounts);
  g_object_unref(mounts);

  s->pool = gst_rtsp_server_get_session_pool(s->server);
  g_signal_connect(s->pool, "session-removed",
                   G_CALLBACK(+[](GstRTSPSessionPool*, GstRTSPSession* session, gpointer data) {
                     static_cast<Impl*>(data)->session_removed(session);
                   }),
                   s);
  g_signal_connect(s->server, "client-connected",
                   G_CALLBACK(+[](GstRTSPServer*, GstRTSPClient* client, gpointer data) {
                     static_cast<Impl*>(data)->client_connected(client);
                   }),
                   s);

  GError* error = nullptr;
  GSource* source = gst_rtsp_server_create_source(s->server, nullptr, &error);
  if (!source) {
    std::string message = error ? error->message : "cannot listen";
    if (error) g_error_free(error);
    return make_error("rtsp: " + s->config.address + ":" + std::to_string(s->config.port) + ": " +
                      message);
  }
  s->server_source = g_source_attach(source, s->context);
  g_source_unref(source);
  s->bound_port = static_cast<std::uint16_t>(gst_rtsp_server_get_bound_port(s->server));
  // Sessions that nobody keeps alive end after their timeout.
  s->pool_watch = gst_rtsp_session_pool_create_watch(s->pool);
  g_source_set_callback(
      s->pool_watch,
      reinterpret_cast<GSourceFunc>(+[](GstRTSPSessionPool* pool, gpointer) -> gboolean {
        gst_rtsp_session_pool_cleanup(pool);
        return G_SOURCE_CONTINUE;
      }),
      nullptr, nullptr);
  g_source_attach(s->pool_watch, s->context);

  s->thread = std::thread([s] {
    g_main_context_push_thread_default(s->context);
    g_main_loop_run(s->loop);
    g_main_context_pop_thread_default(s->context);
  });
  return std::unique_ptr<RtspServer>(new RtspServer(std::move(impl)));
}

std::uint16_t RtspServer::port() const {
  return impl_->bound_port;
}

void RtspServer::push(VideoStream stream, GstSample* sample) {
  impl_->push(stream, sample);
}

void RtspServer::fail(VideoStream stream, const std::string& why) {
  std::vector<GstElement*> sources;
  {
    std::lock_guard lock(impl_->mutex);
    for (const Feed& f : impl_->feeds)
      if (f.stream == stream && f.appsrc) sources.push_back(GST_ELEMENT(gst_object_ref(f.appsrc)));
  }
  for (GstElement* appsrc : sources) {
    // An error on the media's bus: gst-rtsp-server ends its preparation and answers 503.
    GError* error =
        g_error_new_literal(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ, why.c_str());
    gst_element_post_message(appsrc, gst_message_new_error(GST_OBJECT(appsrc), error, why.c_str()));
    g_error_free(error);
    gst_object_unref(appsrc);
  }
}

void RtspServer::set_backchannel(bool on) {
  g_atomic_int_set(&impl_->backchannel_on, on ? 1 : 0);
}

std::size_t RtspServer::sessions() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->viewers.size();
}

}  // namespace vto::media
