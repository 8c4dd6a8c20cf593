#include "media/tone_player.h"

#include <gst/gst.h>
#include <algorithm>

#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>

#include "media/device_names.h"
#include "media/gst_bus.h"
#include "media/level_meter.h"
#include "media/video_source.h"

namespace vto::media {
namespace {

constexpr int kRate = 8000;
constexpr int kSamplesPerBuffer = kRate / 50;  // 20 ms

}  // namespace

struct TonePlayer::Impl {
  core::Timers& timers;
  Config config;
  GstElement* pipeline = nullptr;
  GstElement* source = nullptr;
  TonePattern pattern;
  std::size_t step = 0;
  int plays_left = 0;
  core::Timers::Id timer = 0;
  std::atomic<bool> active{false};  // a tone plays (read by the meter's thread)
  std::mutex active_mutex;          // a buffer measured and the tone's end do not interleave
  LevelMeter meter;

  Impl(core::Timers& t, Config c) : timers(t), config(std::move(c)) {}
  ~Impl() { close(); }

  std::string description() const {
    std::string d = "audiotestsrc name=src is-live=true wave=sine volume=0 samplesperbuffer=" +
                    std::to_string(kSamplesPerBuffer) +
                    " ! audio/x-raw,format=S16LE,channels=1,rate=" + std::to_string(kRate) +
                    " ! tee name=t t. ! queue ! fakesink name=meter signal-handoffs=true "
                    "sync=false async=false";
    if (!config.speaker_device.empty()) {
      d += " t. ! queue ! audioconvert ! audioresample ! alsasink device=" + config.speaker_device;
    }
    return d;
  }

  static void on_buffer(GstElement*, GstBuffer* buffer, GstPad*, gpointer data) {
    auto* self = static_cast<Impl*>(data);
    std::lock_guard lock(self->active_mutex);
    if (!self->active.load()) return;  // a buffer still in flight after the tone ended
    self->meter.add(buffer, kRate / 20);
  }

  // The pipeline is built at the first tone and kept: between tones it waits in PAUSED
  // (a live source sends nothing there), so a key click costs a state change, not a build.
  Result<void> wake() {
    if (!pipeline) {
      ensure_gstreamer_initialized();
      auto launched = launch_pipeline(description(), &config.on_error);
      if (!launched) return make_error("tones: " + launched.error().message);
      pipeline = *launched;
      source = gst_bin_get_by_name(GST_BIN(pipeline), "src");
      GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "meter");
      g_signal_connect(sink, "handoff", G_CALLBACK(on_buffer), this);
      gst_object_unref(sink);
    }
    if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      rest();
      return make_error("tones: the speaker does not start");
    }
    active = true;
    return {};
  }

  void rest() {
    if (timer) timers.cancel(timer);
    timer = 0;
    pattern = {};
    if (!active) return;
    g_object_set(source, "volume", 0.0, nullptr);
    gst_element_set_state(pipeline, GST_STATE_PAUSED);
    std::lock_guard lock(active_mutex);
    active = false;
    meter.reset();
  }

  void close() {
    rest();
    if (!pipeline) return;
    gst_object_unref(source);
    source = nullptr;
    stop_pipeline(pipeline);
  }

  void apply_step() {
    const ToneStep& s = pattern.steps[step];
    if (s.hz > 0) g_object_set(source, "freq", s.hz, nullptr);
    g_object_set(source, "volume", s.hz > 0 ? config.volume : 0.0, nullptr);
    timer = timers.start(core::Duration(s.ms), [this] { next_step(); });
  }

  void next_step() {
    timer = 0;
    if (++step == pattern.steps.size()) {
      step = 0;
      if (pattern.repeat > 0 && --plays_left == 0) {
        rest();
        return;
      }
    }
    apply_step();
  }
};

TonePlayer::TonePlayer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TonePlayer::~TonePlayer() = default;

Result<std::unique_ptr<TonePlayer>> TonePlayer::create(core::Timers& timers, Config config) {
  if (!config.speaker_device.empty() && !is_safe_alsa_device(config.speaker_device)) {
    return make_error("tones: '" + config.speaker_device + "' is not an ALSA device name");
  }
  if (!(config.volume >= 0 && config.volume <= 1)) return make_error("tones: volume is 0..1");
  return std::unique_ptr<TonePlayer>(
      new TonePlayer(std::make_unique<Impl>(timers, std::move(config))));
}

Result<void> TonePlayer::play(TonePattern pattern) {
  if (pattern.steps.empty()) return make_error("tones: a pattern needs steps");
  for (const auto& s : pattern.steps) {
    if (s.ms <= 0 || s.ms > 60000 || s.hz < 0 || s.hz > 4000) {
      return make_error("tones: a step is 1 ms to 60 s of 0 to 4000 Hz");
    }
  }
  Impl& s = *impl_;
  if (s.timer) s.timers.cancel(s.timer);
  s.timer = 0;
  if (auto woken = s.wake(); !woken) return woken;
  s.pattern = std::move(pattern);
  s.step = 0;
  s.plays_left = s.pattern.repeat;
  s.apply_step();
  return {};
}

void TonePlayer::stop(const std::string& name) {
  if (!name.empty() && impl_->pattern.name != name) return;
  impl_->rest();
}

bool TonePlayer::playing() const {
  return impl_->active;
}

std::string TonePlayer::current() const {
  return impl_->active ? impl_->pattern.name : std::string();
}

double TonePlayer::level_db() const {
  return impl_->meter.level_db();
}

void TonePlayer::set_volume(double volume) {
  impl_->config.volume = std::clamp(volume, 0.0, 1.0);
}

}  // namespace vto::media
