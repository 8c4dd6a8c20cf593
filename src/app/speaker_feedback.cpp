#include "app/speaker_feedback.h"

#include <string>

#include "core/log.h"

namespace vto::app {

media::TonePattern tone_pattern(device::Tone tone) {
  using device::Tone;
  const std::string name(device::tone_name(tone));
  switch (tone) {
    case Tone::KeyClick:
      return {name, {{1000, 40}}, 1};
    case Tone::Ringback:
      return {name, {{425, 1000}, {0, 4000}}, 0};  // until the panel leaves Calling
    case Tone::Busy:
      return {name, {{425, 500}, {0, 500}}, 4};
    case Tone::Error:
      return {name, {{950, 330}, {1400, 330}, {1800, 330}, {0, 1000}}, 2};
    case Tone::Unlock:
      return {name, {{1200, 120}, {0, 80}}, 2};
    case Tone::Alarm:
      return {name, {{880, 250}, {1320, 250}}, 30};  // the tamper alarm: 15 s
  }
  return {name, {{0, 1}}, 1};
}

void SpeakerFeedback::tone(device::Tone t) {
  last_ = device::tone_name(t);
  ++count_;
  // The tamper alarm sounds its 15 s whatever the keypad does meanwhile.
  if (t != device::Tone::Alarm && player_.current() == "alarm") return;
  if (auto r = player_.play(tone_pattern(t)); !r) {
    core::logger("vtod")->error("tone {}: {}", last_, r.error().message);
  }
}

}  // namespace vto::app
