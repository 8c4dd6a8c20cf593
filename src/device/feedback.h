// Feedback: the tones the panel cues for the visitor. The app maps them to audio on the
// speaker; tests record them. Cues are one-shot: Ringback is cued when the callee starts
// ringing, and the audio layer keeps it going while the panel is Calling.
#pragma once

#include <string_view>

namespace vto::device {

enum class Tone { KeyClick, Ringback, Busy, Error, Unlock, Alarm };

constexpr std::string_view tone_name(Tone tone) {
  switch (tone) {
    case Tone::KeyClick:
      return "key-click";
    case Tone::Ringback:
      return "ringback";
    case Tone::Busy:
      return "busy";
    case Tone::Error:
      return "error";
    case Tone::Unlock:
      return "unlock";
    case Tone::Alarm:
      return "alarm";
  }
  return "?";
}

class Feedback {
 public:
  virtual ~Feedback() = default;
  virtual void tone(Tone tone) = 0;
};

}  // namespace vto::device
