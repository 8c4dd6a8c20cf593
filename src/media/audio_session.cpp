#include "media/audio_session.h"

#include <arpa/inet.h>
#include <gio/gio.h>
#include <gst/gst.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>

#include "core/text.h"
#include "media/gst_bus.h"
#include "media/level_meter.h"
#include "media/rtp_ports.h"
#include "media/srtp_elements.h"
#include "media/video_source.h"

namespace vto::media {
namespace {

constexpr int kJitterBufferMs = 40;
constexpr int kPacketMs = 20;

struct CodecPipeline {
  const char* encoding_name;  // RTP caps
  int rate;
  int channels;  // raw audio fed to the encoder
  const char* encoder;
  const char* payloader;
  const char* depayloader;
  const char* decoder;
};

std::optional<CodecPipeline> pipeline_for(const Codec& c) {
  if (core::ascii_iequals(c.name, "PCMU") && c.clock_rate == 8000) {
    return CodecPipeline{"PCMU", 8000, 1, "mulawenc", "rtppcmupay", "rtppcmudepay", "mulawdec"};
  }
  if (core::ascii_iequals(c.name, "PCMA") && c.clock_rate == 8000) {
    return CodecPipeline{"PCMA", 8000, 1, "alawenc", "rtppcmapay", "rtppcmadepay", "alawdec"};
  }
  if (core::ascii_iequals(c.name, "opus") && c.clock_rate == 48000) {
    // RFC 7587: always opus/48000/2 in SDP; we encode mono, which every decoder accepts.
    return CodecPipeline{
        "OPUS",       48000,          1,        "opusenc bitrate=32000 frame-size=20",
        "rtpopuspay", "rtpopusdepay", "opusdec"};
  }
  return std::nullopt;
}

// ALSA device names and file paths reach a gst-launch description: allow only characters
// that cannot end an element property or start a new one ('=' may: the value of a property
// runs to the next blank, and ALSA names look like "dsnoop:CARD=Device,DEV=0").
bool is_safe_token(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '-' || c == '.' || c == ':' || c == ',' ||
                    c == '=';
    if (!ok) return false;
  }
  return true;
}

char dtmf_key(int event) {
  static constexpr char kKeys[] = "0123456789*#ABCD";
  return event >= 0 && event < 16 ? kKeys[event] : '\0';
}

int dtmf_event(char key) {
  if (key >= '0' && key <= '9') return key - '0';
  if (key == '*') return 10;
  if (key == '#') return 11;
  if (key >= 'A' && key <= 'D') return 12 + (key - 'A');
  if (key >= 'a' && key <= 'd') return 12 + (key - 'a');
  return -1;
}

// rtpdtmfsrc takes its commands as custom upstream events arriving on its source pad.
bool send_upstream(GstElement* element, GstStructure* command) {
  GstPad* pad = gst_element_get_static_pad(element, "src");
  if (!pad) {
    gst_structure_free(command);
    return false;
  }
  const bool taken =
      gst_pad_send_event(pad, gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM, command));
  gst_object_unref(pad);
  return taken;
}

}  // namespace

struct AudioSession::Impl {
  Config config;
  std::unique_ptr<RtpPorts> ports;
  GstElement* pipeline = nullptr;
  GstElement* dtmf_source = nullptr;  // ours: a reference while the pipeline lives
  Peer peer;
  CodecPipeline codec{};
  bool dtmf_playing = false;

  std::atomic<std::uint64_t> packets_received{0};
  std::atomic<std::uint64_t> packets_sent{0};
  std::atomic<std::uint64_t> samples_decoded{0};
  std::atomic<std::uint64_t> dtmf_received{0};
  LevelMeter meter;                    // what the speaker gets
  std::atomic<bool> recording{false};  // a branch records into speaker_wav
  std::mutex wav_mutex;
  std::condition_variable wav_done_cv;
  GstElement* wav_queue = nullptr;  // guarded by wav_mutex
  bool wav_done = false;            // guarded by wav_mutex: the end reached the file
  std::mutex volume_mutex;
  GstElement* speaker_volume = nullptr;  // guarded by volume_mutex: our reference
  bool speaker_muted = false;            // guarded by volume_mutex

  // wavenc writes the sizes into the header when the stream ends: end the recording's
  // stream and wait (briefly) for its end to reach the file before the pipeline stops.
  void finish_wav() {
    GstElement* queue = nullptr;
    {
      std::lock_guard lock(wav_mutex);
      queue = std::exchange(wav_queue, nullptr);
    }
    if (!queue) return;
    GstPad* pad = gst_element_get_static_pad(queue, "sink");
    gst_pad_send_event(pad, gst_event_new_eos());
    gst_object_unref(pad);
    gst_object_unref(queue);
    std::unique_lock lock(wav_mutex);
    wav_done_cv.wait_for(lock, std::chrono::milliseconds(500), [this] { return wav_done; });
  }

  static GstPadProbeReturn on_wav_event(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<Impl*>(data);
    if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) {
      {
        std::lock_guard lock(self->wav_mutex);
        self->wav_done = true;
      }
      self->wav_done_cv.notify_all();
    }
    return GST_PAD_PROBE_OK;
  }

  ~Impl() {
    finish_wav();
    if (pipeline) {
      gst_element_set_state(pipeline, GST_STATE_NULL);  // joins the streaming threads
      GstBus* bus = gst_element_get_bus(pipeline);
      gst_bus_set_sync_handler(bus, nullptr, nullptr, nullptr);
      gst_object_unref(bus);
      gst_object_unref(pipeline);
    }
    if (dtmf_source) gst_object_unref(dtmf_source);
    if (speaker_volume) gst_object_unref(speaker_volume);
  }

  std::string send_description() const {
    std::string source;
    const int samples = codec.rate * kPacketMs / 1000;
    const std::string raw = "audio/x-raw,format=S16LE,rate=" + std::to_string(codec.rate) +
                            ",channels=" + std::to_string(codec.channels);
    if (!config.microphone_wav.empty()) {
      // The file in real time, mixed over live silence that goes on when it ends.
      source = "filesrc location=" + config.microphone_wav +
               " ! wavparse ! audioconvert ! audioresample ! " + raw +
               " ! identity sync=true ! mic. audiotestsrc is-live=true wave=silence "
               "samplesperbuffer=" +
               std::to_string(samples) + " ! " + raw + " ! mic. audiomixer name=mic ! " + raw;
    } else if (!config.microphone_device.empty()) {
      source =
          "alsasrc device=" + config.microphone_device + " ! audioconvert ! audioresample ! " + raw;
    } else {
      source = std::string("audiotestsrc is-live=true ") +
               (config.tone_hz > 0 ? "wave=sine freq=" + std::to_string(config.tone_hz) +
                                         " volume=" + std::to_string(config.tone_volume)
                                   : std::string("wave=silence")) +
               " samplesperbuffer=" + std::to_string(samples) + " ! " + raw;
    }
    std::string d = source +
                    " ! volume name=micvolume volume=" + std::to_string(config.microphone_gain) +
                    " ! queue max-size-time=100000000 leaky=downstream ! " + codec.encoder + " ! " +
                    codec.payloader + " pt=" + std::to_string(peer.codec.payload_type) +
                    " max-ptime=" + std::to_string(kPacketMs * 1000000) +
                    " ! mux.sink_0 rtpdtmfmux name=mux ! rtpbin.send_rtp_sink_0 ";
    if (peer.telephone_event) {
      d += "rtpdtmfsrc name=dtmf pt=" + std::to_string(peer.telephone_event->payload_type) +
           " clock-rate=" + std::to_string(peer.telephone_event->clock_rate) +
           " ! mux.priority_sink_0 ";
    }
    d += peer.srtp ? "rtpbin.send_rtp_src_0 ! srtp_out.rtp_sink_0 srtp_out.rtp_src_0 ! "
                   : "rtpbin.send_rtp_src_0 ! ";
    d += "udpsink name=rtp_out sync=false async=false ";
    return d;
  }

  std::string description() const {
    std::string d =
        "rtpbin name=rtpbin latency=" + std::to_string(kJitterBufferMs) + " do-lost=true ";
    const bool srtp = peer.srtp.has_value();
    if (srtp) d += srtp_encoder("srtp_out", *peer.srtp) + "srtpdec name=srtp_in ";
    if (peer.send) d += send_description();
    d += std::string("udpsrc name=rtp_in caps=\"application/") + (srtp ? "x-srtp" : "x-rtp") +
         ",media=audio,clock-rate=" + std::to_string(peer.codec.clock_rate) +
         ",encoding-name=" + codec.encoding_name +
         ",payload=" + std::to_string(peer.codec.payload_type) + "\" ! " +
         (srtp ? "srtp_in.rtp_sink srtp_in.rtp_src ! " : "") + "rtpbin.recv_rtp_sink_0 ";
    d += srtp ? "udpsrc name=rtcp_in caps=application/x-srtcp ! srtp_in.rtcp_sink "
                "srtp_in.rtcp_src ! rtpbin.recv_rtcp_sink_0 "
                "rtpbin.send_rtcp_src_0 ! srtp_out.rtcp_sink_0 srtp_out.rtcp_src_0 ! "
              : "udpsrc name=rtcp_in caps=application/x-rtcp ! rtpbin.recv_rtcp_sink_0 "
                "rtpbin.send_rtcp_src_0 ! ";
    d += "udpsink name=rtcp_out sync=false async=false";
    return d;
  }

  GstCaps* caps_for(guint pt) const {
    if (pt == static_cast<guint>(peer.codec.payload_type)) {
      return gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, "audio", "clock-rate",
                                 G_TYPE_INT, static_cast<int>(peer.codec.clock_rate),
                                 "encoding-name", G_TYPE_STRING, codec.encoding_name, "payload",
                                 G_TYPE_INT, static_cast<int>(pt), nullptr);
    }
    if (peer.telephone_event && pt == static_cast<guint>(peer.telephone_event->payload_type)) {
      return gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, "audio", "clock-rate",
                                 G_TYPE_INT, static_cast<int>(peer.telephone_event->clock_rate),
                                 "encoding-name", G_TYPE_STRING, "TELEPHONE-EVENT", "payload",
                                 G_TYPE_INT, static_cast<int>(pt), nullptr);
    }
    return nullptr;
  }

  static GstCaps* on_request_pt_map(GstElement*, guint, guint pt, gpointer data) {
    return static_cast<Impl*>(data)->caps_for(pt);
  }

  // A new (SSRC, payload type) stream out of the jitter buffer: give it its branch.
  static void on_pad_added(GstElement*, GstPad* pad, gpointer data) {
    auto* self = static_cast<Impl*>(data);
    const gchar* name = GST_PAD_NAME(pad);
    if (!g_str_has_prefix(name, "recv_rtp_src_")) return;
    guint session = 0, ssrc = 0, pt = 0;
    if (std::sscanf(name, "recv_rtp_src_%u_%u_%u", &session, &ssrc, &pt) != 3) return;
    std::string branch;
    const bool dtmf = self->peer.telephone_event &&
                      pt == static_cast<guint>(self->peer.telephone_event->payload_type);
    if (dtmf) {
      branch = "rtpdtmfdepay ! fakesink sync=false async=false";
    } else if (pt == static_cast<guint>(self->peer.codec.payload_type)) {
      branch = std::string(self->codec.depayloader) + " ! " + self->codec.decoder +
               " ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,channels=1"
               " ! volume name=speakervolume ! tee name=t t. ! queue"
               " ! fakesink name=meter signal-handoffs=true sync=false async=false";
      if (!self->config.speaker_device.empty()) {
        branch += " t. ! queue ! audioconvert ! audioresample ! alsasink device=" +
                  self->config.speaker_device;
      }
      if (!self->config.speaker_wav.empty() && !self->recording.exchange(true)) {
        branch += " t. ! queue name=rec ! wavenc ! filesink name=wav location=" +
                  self->config.speaker_wav;
      }
    } else {
      branch = "fakesink sync=false async=false";  // a payload type nobody agreed to
    }
    GError* error = nullptr;
    GstElement* bin = gst_parse_bin_from_description(branch.c_str(), TRUE, &error);
    if (!bin) {
      if (self->config.on_error) {
        self->config.on_error(std::string("audio branch: ") + (error ? error->message : "?"));
      }
      if (error) g_error_free(error);
      return;
    }
    if (error) g_error_free(error);
    if (GstElement* volume = gst_bin_get_by_name(GST_BIN(bin), "speakervolume")) {
      std::lock_guard lock(self->volume_mutex);
      g_object_set(volume, "mute", self->speaker_muted ? TRUE : FALSE, "volume",
                   self->config.speaker_gain, nullptr);
      if (self->speaker_volume) gst_object_unref(self->speaker_volume);
      self->speaker_volume = volume;  // our reference
    }
    if (GstElement* meter = gst_bin_get_by_name(GST_BIN(bin), "meter")) {
      g_signal_connect(meter, "handoff", G_CALLBACK(on_decoded), self);
      gst_object_unref(meter);
    }
    if (GstElement* rec = gst_bin_get_by_name(GST_BIN(bin), "rec")) {
      std::lock_guard lock(self->wav_mutex);
      self->wav_queue = rec;  // our reference, for the end of the recording
      if (GstElement* file = gst_bin_get_by_name(GST_BIN(bin), "wav")) {
        GstPad* file_pad = gst_element_get_static_pad(file, "sink");
        gst_pad_add_probe(file_pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_wav_event, self,
                          nullptr);
        gst_object_unref(file_pad);
        gst_object_unref(file);
      }
    }
    gst_bin_add(GST_BIN(self->pipeline), bin);
    gst_element_sync_state_with_parent(bin);
    GstPad* sink = gst_element_get_static_pad(bin, "sink");
    if (sink) {
      gst_pad_link(pad, sink);
      gst_object_unref(sink);
    }
  }

  // Decoded speech: S16 mono, measured in 100 ms windows.
  static void on_decoded(GstElement*, GstBuffer* buffer, GstPad* pad, gpointer data) {
    auto* self = static_cast<Impl*>(data);
    int rate = 8000;
    if (GstCaps* caps = gst_pad_get_current_caps(pad)) {
      gst_structure_get_int(gst_caps_get_structure(caps, 0), "rate", &rate);
      gst_caps_unref(caps);
    }
    self->samples_decoded.fetch_add(self->meter.add(buffer, static_cast<std::uint64_t>(rate / 10)));
  }

  static GstPadProbeReturn count_packet(GstPad*, GstPadProbeInfo*, gpointer counter) {
    static_cast<std::atomic<std::uint64_t>*>(counter)->fetch_add(1);
    return GST_PAD_PROBE_OK;
  }

  static GstBusSyncReply on_bus(GstBus* bus, GstMessage* message, gpointer data) {
    auto* self = static_cast<Impl*>(data);
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ELEMENT) {
      const GstStructure* s = gst_message_get_structure(message);
      int number = -1;
      if (s && gst_structure_has_name(s, "dtmf-event") &&
          gst_structure_get_int(s, "number", &number)) {
        // rtpdtmfsrc (ours, sending) posts the same message with method 1 too: only the
        // depayloader's count as received.
        const bool received =
            GST_IS_ELEMENT(GST_MESSAGE_SRC(message)) &&
            g_str_has_prefix(GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), "rtpdtmfdepay");
        if (received && dtmf_key(number)) {
          self->dtmf_received.fetch_add(1);
          if (self->config.on_dtmf) self->config.on_dtmf(dtmf_key(number));
        }
      }
    }
    return report_bus_errors(bus, message, &self->config.on_error);
  }

  bool set_socket(const char* element, GSocket* socket, const std::string* host,
                  std::uint16_t to_port) {
    GstElement* e = gst_bin_get_by_name(GST_BIN(pipeline), element);
    if (!e) return false;
    g_object_set(e, "socket", socket, "close-socket", FALSE, nullptr);
    if (host) g_object_set(e, "host", host->c_str(), "port", static_cast<gint>(to_port), nullptr);
    gst_object_unref(e);
    return true;
  }

  void count_on(const char* element, const char* pad_name, std::atomic<std::uint64_t>* counter) {
    GstElement* e = gst_bin_get_by_name(GST_BIN(pipeline), element);
    if (!e) return;
    if (GstPad* pad = gst_element_get_static_pad(e, pad_name)) {
      gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_packet, counter, nullptr);
      gst_object_unref(pad);
    }
    gst_object_unref(e);
  }
};

AudioSession::AudioSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AudioSession::~AudioSession() = default;

void AudioSession::preload() {
  preload_elements({"srtpenc",       "srtpdec",      "rtpbin",     "rtpdtmfmux",   "rtpdtmfsrc",
                    "rtpdtmfdepay",  "udpsrc",       "udpsink",    "audiotestsrc", "audioconvert",
                    "audioresample", "queue",        "tee",        "fakesink",     "mulawenc",
                    "mulawdec",      "alawenc",      "alawdec",    "opusenc",      "opusdec",
                    "rtppcmupay",    "rtppcmudepay", "rtppcmapay", "rtppcmadepay", "rtpopuspay",
                    "rtpopusdepay",  "volume"});
}

bool AudioSession::supports(const Codec& codec) {
  return pipeline_for(codec).has_value();
}

Result<std::unique_ptr<AudioSession>> AudioSession::open(Config config) {
  if (!numeric_address_type(config.address)) return make_error("audio: not a numeric address");
  for (const std::string* wav : {&config.microphone_wav, &config.speaker_wav}) {
    if (!wav->empty() && !is_safe_token(*wav)) {
      return make_error("audio: a WAV path may hold only letters, digits and / _ - . : , =");
    }
  }
  for (const std::string* device : {&config.microphone_device, &config.speaker_device}) {
    if (!device->empty() && !is_safe_token(*device)) {
      return make_error("audio: '" + *device + "' is not an ALSA device name");
    }
  }
  ensure_gstreamer_initialized();
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  auto ports = RtpPorts::open(impl->config.address);
  if (!ports) return make_error("audio: " + ports.error().message);
  impl->ports = std::move(*ports);
  return std::unique_ptr<AudioSession>(new AudioSession(std::move(impl)));
}

std::uint16_t AudioSession::port() const {
  return impl_->ports->port();
}

bool AudioSession::started() const {
  return impl_->pipeline != nullptr;
}

Result<void> AudioSession::start(const Peer& peer) {
  Impl& s = *impl_;
  if (s.pipeline) return make_error("audio: already started");
  auto codec = pipeline_for(peer.codec);
  if (!codec) return make_error("audio: codec " + peer.codec.name + " is not supported");
  if (peer.codec.payload_type < 0 || peer.codec.payload_type > 127) {
    return make_error("audio: bad payload type");
  }
  if (!numeric_address_type(peer.address) || peer.rtp_port == 0) {
    return make_error("audio: the peer's address is not a numeric IP and port");
  }
  s.peer = peer;
  s.codec = *codec;
  auto pipeline = launch_pipeline(s.description(), &s.config.on_error);
  if (!pipeline) return make_error("audio: " + pipeline.error().message);
  s.pipeline = *pipeline;
  GstBus* bus = gst_element_get_bus(s.pipeline);
  gst_bus_set_sync_handler(bus, Impl::on_bus, &s, nullptr);
  gst_object_unref(bus);

  const std::uint16_t rtcp_port = peer.rtcp_port ? peer.rtcp_port : peer.rtp_port + 1;
  s.set_socket("rtp_in", s.ports->rtp(), nullptr, 0);
  s.set_socket("rtcp_in", s.ports->rtcp(), nullptr, 0);
  s.set_socket("rtcp_out", s.ports->rtcp(), &peer.address, rtcp_port);
  if (peer.send) s.set_socket("rtp_out", s.ports->rtp(), &peer.address, peer.rtp_port);
  s.count_on("rtp_in", "src", &s.packets_received);
  if (peer.send) s.count_on("rtp_out", "sink", &s.packets_sent);
  s.dtmf_source = gst_bin_get_by_name(GST_BIN(s.pipeline), "dtmf");

  if (peer.srtp) {
    GstElement* srtpdec = gst_bin_get_by_name(GST_BIN(s.pipeline), "srtp_in");
    give_receive_key(srtpdec, *peer.srtp);
    gst_object_unref(srtpdec);
  }
  GstElement* rtpbin = gst_bin_get_by_name(GST_BIN(s.pipeline), "rtpbin");
  g_signal_connect(rtpbin, "request-pt-map", G_CALLBACK(Impl::on_request_pt_map), &s);
  g_signal_connect(rtpbin, "pad-added", G_CALLBACK(Impl::on_pad_added), &s);
  gst_object_unref(rtpbin);
  if (gst_element_set_state(s.pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    return make_error("audio: the pipeline does not start");
  }
  return {};
}

Result<void> AudioSession::start_dtmf(char key) {
  Impl& s = *impl_;
  const int event = dtmf_event(key);
  if (event < 0) return make_error(std::string("audio: '") + key + "' is not a DTMF key");
  if (!s.dtmf_source) return make_error("audio: the peer did not agree to RFC 4733 events");
  if (s.dtmf_playing) (void)stop_dtmf();
  GstStructure* st =
      gst_structure_new("dtmf-event", "type", G_TYPE_INT, 1, "number", G_TYPE_INT, event, "volume",
                        G_TYPE_INT, 10, "start", G_TYPE_BOOLEAN, TRUE, nullptr);
  if (!send_upstream(s.dtmf_source, st)) return make_error("audio: the DTMF event was not taken");
  s.dtmf_playing = true;
  return {};
}

Result<void> AudioSession::stop_dtmf() {
  Impl& s = *impl_;
  if (!s.dtmf_source || !s.dtmf_playing) return {};
  s.dtmf_playing = false;
  GstStructure* st = gst_structure_new("dtmf-event", "type", G_TYPE_INT, 1, "start", G_TYPE_BOOLEAN,
                                       FALSE, nullptr);
  if (!send_upstream(s.dtmf_source, st)) return make_error("audio: the DTMF end was not taken");
  return {};
}

void AudioSession::set_speaker_muted(bool muted) {
  std::lock_guard lock(impl_->volume_mutex);
  impl_->speaker_muted = muted;
  if (impl_->speaker_volume)
    g_object_set(impl_->speaker_volume, "mute", muted ? TRUE : FALSE, nullptr);
}

void AudioSession::set_gains(double speaker, double microphone) {
  {
    std::lock_guard lock(impl_->volume_mutex);
    impl_->config.speaker_gain = speaker;
    if (impl_->speaker_volume) g_object_set(impl_->speaker_volume, "volume", speaker, nullptr);
  }
  impl_->config.microphone_gain = microphone;
  if (impl_->pipeline) {
    if (GstElement* mic = gst_bin_get_by_name(GST_BIN(impl_->pipeline), "micvolume")) {
      g_object_set(mic, "volume", microphone, nullptr);
      gst_object_unref(mic);
    }
  }
}

AudioSession::Stats AudioSession::stats() const {
  const Impl& s = *impl_;
  Stats stats;
  stats.packets_received = s.packets_received.load();
  stats.packets_sent = s.packets_sent.load();
  stats.samples_decoded = s.samples_decoded.load();
  stats.level_db = s.meter.level_db();
  stats.peak_level_db = s.meter.peak_db();
  stats.dtmf_received = s.dtmf_received.load();
  return stats;
}

}  // namespace vto::media
