#include "media/remote_speaker.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

#include "media/device_names.h"
#include "media/gst_bus.h"
#include "media/level_meter.h"
#include "media/video_source.h"

namespace vto::media {

std::int16_t g711_decode(G711 law, std::uint8_t byte) {
  if (law == G711::Ulaw) {
    const std::uint8_t u = static_cast<std::uint8_t>(~byte);
    const int exponent = (u >> 4) & 0x07;
    const int mantissa = u & 0x0F;
    int magnitude = ((mantissa << 3) + 0x84) << exponent;
    magnitude -= 0x84;
    return static_cast<std::int16_t>((u & 0x80) ? -magnitude : magnitude);
  }
  const std::uint8_t a = byte ^ 0x55;
  const int exponent = (a >> 4) & 0x07;
  const int mantissa = a & 0x0F;
  int magnitude = exponent == 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  return static_cast<std::int16_t>((a & 0x80) ? magnitude : -magnitude);
}

namespace {
constexpr int kRate = 8000;
}

struct RemoteSpeaker::Impl {
  Config config;
  GstElement* pipeline = nullptr;  // only with a speaker device, while a talk plays
  GstElement* source = nullptr;
  std::atomic<double> volume{1.0};
  LevelMeter meter;
  mutable std::mutex mutex;
  std::uint64_t holder = 0;
  std::chrono::steady_clock::time_point last_heard{};
  bool call_active = false;
  std::atomic<std::uint64_t> played{0}, dropped{0};

  std::mutex device_mutex;  // held while the pipeline opens, plays or closes

  ~Impl() { close_device(); }

  // The speaker device is opened for a talk and closed when it ends (or a call needs it):
  // calls and tones open the same device. With device_mutex held.
  bool open_device() {
    if (pipeline || config.speaker_device.empty()) return pipeline != nullptr;
    auto launched = launch_pipeline(description(), &config.on_error);
    if (!launched) {
      if (config.on_error) config.on_error("speaker: " + launched.error().message);
      return false;
    }
    pipeline = *launched;
    source = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      if (config.on_error) config.on_error("speaker: the device does not open");
      close_device();
      return false;
    }
    return true;
  }

  void close_device() {
    if (!pipeline) return;
    gst_object_unref(source);
    source = nullptr;
    stop_pipeline(pipeline);
  }

  // Only with a real speaker: the meter reads the samples before they go (the simulated
  // board's speaker is the meter alone, with no pipeline at all).
  std::string description() const {
    return "appsrc name=src is-live=true format=time do-timestamp=true max-bytes=32000 "
           "caps=audio/x-raw,format=S16LE,layout=interleaved,channels=1,rate=" +
           std::to_string(kRate) +
           " ! audioconvert ! audioresample ! alsasink sync=false async=false device=" +
           config.speaker_device;
  }
};

RemoteSpeaker::RemoteSpeaker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RemoteSpeaker::~RemoteSpeaker() = default;

Result<std::unique_ptr<RemoteSpeaker>> RemoteSpeaker::create(Config config) {
  if (!config.speaker_device.empty() && !is_safe_alsa_device(config.speaker_device))
    return make_error("speaker: '" + config.speaker_device + "' is not an ALSA device name");
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  impl->volume = std::clamp(impl->config.volume, 0.0, 1.0);
  if (!impl->config.speaker_device.empty()) ensure_gstreamer_initialized();
  return std::unique_ptr<RemoteSpeaker>(new RemoteSpeaker(std::move(impl)));
}

bool RemoteSpeaker::play(std::uint64_t talker, G711 law, std::string_view bytes) {
  if (bytes.empty() || talker == 0) return true;
  {
    std::lock_guard lock(impl_->mutex);
    const auto now = std::chrono::steady_clock::now();
    const bool free =
        impl_->holder == 0 || impl_->holder == talker || now - impl_->last_heard > kHoldGap;
    if (impl_->call_active || !free) {
      impl_->dropped += bytes.size();
      return false;
    }
    impl_->holder = talker;
    impl_->last_heard = now;
  }
  std::vector<std::int16_t> samples(bytes.size());
  const double volume = impl_->volume.load();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    samples[i] =
        static_cast<std::int16_t>(g711_decode(law, static_cast<std::uint8_t>(bytes[i])) * volume);
  }
  impl_->meter.add(samples.data(), samples.size(), kRate / 20);
  impl_->played += bytes.size();
  std::lock_guard device(impl_->device_mutex);
  if (!impl_->open_device()) return true;  // measured only
  GstBuffer* buffer = gst_buffer_new_memdup(samples.data(), samples.size() * sizeof(std::int16_t));
  gst_app_src_push_buffer(GST_APP_SRC(impl_->source), buffer);
  return true;
}

void RemoteSpeaker::release(std::uint64_t talker) {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->holder != talker) return;
    impl_->holder = 0;
  }
  std::lock_guard device(impl_->device_mutex);
  impl_->close_device();
}

void RemoteSpeaker::set_call_active(bool active) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->call_active = active;
  }
  if (!active) return;
  std::lock_guard device(impl_->device_mutex);
  impl_->close_device();  // the call opens the device itself
}

void RemoteSpeaker::set_volume(double volume) {
  impl_->volume = std::clamp(volume, 0.0, 1.0);
}

std::uint64_t RemoteSpeaker::holder() const {
  std::lock_guard lock(impl_->mutex);
  if (impl_->holder != 0 && std::chrono::steady_clock::now() - impl_->last_heard > kHoldGap)
    return 0;
  return impl_->holder;
}

double RemoteSpeaker::level_db() const {
  if (holder() == 0) return kSilenceDb;
  return impl_->meter.level_db();
}
double RemoteSpeaker::peak_db() const {
  return impl_->meter.peak_db();
}
std::uint64_t RemoteSpeaker::bytes_played() const {
  return impl_->played;
}
std::uint64_t RemoteSpeaker::bytes_dropped() const {
  return impl_->dropped;
}

}  // namespace vto::media
