// The tones the panel cues (key clicks, ringback, busy, errors, the unlock chime, the
// tamper alarm), played on the door's speaker and kept for the virtual panel's state.
#pragma once

#include <cstdint>
#include <string_view>

#include "device/feedback.h"
#include "media/tone_player.h"

namespace vto::app {

// The cadence of each tone: ETSI-style 425 Hz ringback and busy, the three-frequency
// special information tone for errors.
media::TonePattern tone_pattern(device::Tone tone);

class SpeakerFeedback final : public device::Feedback {
 public:
  explicit SpeakerFeedback(media::TonePlayer& player) : player_(player) {}
  void tone(device::Tone t) override;
  std::string_view last() const { return last_; }
  std::uint64_t count() const { return count_; }

 private:
  media::TonePlayer& player_;
  std::string_view last_;
  std::uint64_t count_ = 0;
};

}  // namespace vto::app
