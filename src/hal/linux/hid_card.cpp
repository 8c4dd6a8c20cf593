#include "hal/linux/hid_card.h"

#include <linux/input-event-codes.h>

#include "hal/card_reader.h"

namespace vto::hal::linux_board {
namespace {

// The character a reader types with `code`, or 0 for a key that is not part of a number.
char character(std::uint16_t code) {
  switch (code) {
    case KEY_1:
    case KEY_KP1:
      return '1';
    case KEY_2:
    case KEY_KP2:
      return '2';
    case KEY_3:
    case KEY_KP3:
      return '3';
    case KEY_4:
    case KEY_KP4:
      return '4';
    case KEY_5:
    case KEY_KP5:
      return '5';
    case KEY_6:
    case KEY_KP6:
      return '6';
    case KEY_7:
    case KEY_KP7:
      return '7';
    case KEY_8:
    case KEY_KP8:
      return '8';
    case KEY_9:
    case KEY_KP9:
      return '9';
    case KEY_0:
    case KEY_KP0:
      return '0';
    // Readers set to hexadecimal type A-F (with Shift, which is a key of its own).
    case KEY_A:
      return 'A';
    case KEY_B:
      return 'B';
    case KEY_C:
      return 'C';
    case KEY_D:
      return 'D';
    case KEY_E:
      return 'E';
    case KEY_F:
      return 'F';
    default:
      return 0;
  }
}

}  // namespace

std::optional<Result<std::string>> HidCardKeys::key(std::uint16_t code, std::int64_t t_ms) {
  if (t_ms - last_ms_ > kKeyGapMs) {
    typed_.clear();
    overflow_ = false;
  }
  last_ms_ = t_ms;
  if (code == KEY_ENTER || code == KEY_KPENTER) {
    const std::string typed = std::move(typed_);
    const bool overflow = overflow_;
    typed_.clear();
    overflow_ = false;
    if (typed.empty()) return std::nullopt;  // Enter alone: nothing was typed
    if (overflow) {
      return make_error("more than " + std::to_string(kMaxKeys) + " keys before Enter",
                        Errc::Invalid);
    }
    return normalize_card_number(typed);
  }
  const char c = character(code);
  if (c == 0) return std::nullopt;  // Shift, and anything else a reader does not type
  if (typed_.size() >= kMaxKeys) {
    overflow_ = true;
  } else {
    typed_ += c;
  }
  return std::nullopt;
}

}  // namespace vto::hal::linux_board
