// USB card readers that act as a keyboard (most cheap 125 kHz and 13.56 MHz readers): each
// card held to them is typed as its number and Enter, a few milliseconds per key. The keys
// of one card number come together; a key after a pause starts a new number, so a stray key
// (or a person at a USB keyboard) never joins a card's digits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"

namespace vto::hal::linux_board {

class HidCardKeys {
 public:
  static constexpr std::int64_t kKeyGapMs = 500;  // readers type a whole number in ~100 ms
  static constexpr std::size_t kMaxKeys = 24;     // longer: not a card number

  // A key pressed (its evdev code) at `t_ms`. Enter ends the number: the card (normalized as
  // every card number is) or why it is none. Other keys give nothing.
  std::optional<Result<std::string>> key(std::uint16_t code, std::int64_t t_ms);

 private:
  std::string typed_;
  bool overflow_ = false;
  std::int64_t last_ms_ = 0;
};

}  // namespace vto::hal::linux_board
