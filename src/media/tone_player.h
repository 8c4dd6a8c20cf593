// The door's speaker playing the panel's tones (key click, ringback, busy, error, unlock)
// to the visitor: a sine whose frequency and loudness follow a cadence of steps timed on
// core::Timers. The pipeline (audiotestsrc → speaker), built at the first tone, plays only
// while a tone plays and waits paused in between; the
// speaker is an ALSA device, or on the simulated panel a level meter alone. Methods are
// called from the core thread; level_db() is safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/timers.h"

namespace vto::media {

struct ToneStep {
  double hz = 0;  // 0: a pause
  int ms = 0;
};

struct TonePattern {
  std::string name;  // reported while it plays ("busy")
  std::vector<ToneStep> steps;
  int repeat = 1;  // times the steps play; 0: until stop()
};

class TonePlayer {
 public:
  struct Config {
    std::string speaker_device;  // ALSA playback device; empty: measured, not played
    double volume = 0.5;         // 0..1 of full scale
    // Called on a GStreamer thread: post it to the core, do not touch domain state.
    std::function<void(std::string)> on_error;
  };

  static Result<std::unique_ptr<TonePlayer>> create(core::Timers& timers, Config config);
  ~TonePlayer();
  TonePlayer(const TonePlayer&) = delete;
  TonePlayer& operator=(const TonePlayer&) = delete;

  // Plays `pattern` from its start, cutting whatever played before.
  Result<void> play(TonePattern pattern);
  // Stops the tone playing (if its name is `name`, when given) and rests the pipeline.
  void stop(const std::string& name = {});

  // The tones' volume from the next step on, 0..1 (on the core thread, as play()).
  void set_volume(double volume);

  bool playing() const;
  std::string current() const;  // the name of the tone playing; empty when silent
  // RMS of the last 50 ms sent to the speaker, in dBFS (-127: silence or nothing playing).
  double level_db() const;

 private:
  struct Impl;
  explicit TonePlayer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vto::media
