// Wiegand card readers on two GPIO lines (D0 and D1): each pulse on D0 is a 0 bit, on D1 a 1
// bit, about 1-2 ms apart; a pause ends the frame. The Linux board reads the falling edges
// with their kernel timestamps (libgpiod) and gives them here.
//
// 26-bit frames (H10301): an even parity bit over the first 12 data bits, 24 data bits, an
// odd parity bit over the last 12. 34-bit frames: the same around 32 data bits (16 and 16).
// The card number is the data bits in hexadecimal (6 or 8 digits), as the access control
// keeps card numbers. Any other length, or a parity that does not hold, is no card: a lost
// edge shortens the frame, a flipped bit breaks its half's parity, so neither can read as
// another card.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace vto::hal::linux_board {

// The card of a whole frame (bits in the order received), or why it is none.
Result<std::string> wiegand_card(const std::vector<bool>& bits);

// Frames from edges. A reader sends a frame's bits evenly spaced (1-2 ms apart on most; the
// standard allows more), then pauses: a frame ends after a pause of 3 times its own bit
// interval so far, at least kMinGap and at most kMaxGap. So a card opens the door ~6 ms
// after its last bit on a common reader, and a slow reader's frame is not cut in two.
class WiegandFrames {
 public:
  static constexpr std::int64_t kMinGapNs = 3'000'000;   // 3 ms
  static constexpr std::int64_t kMaxGapNs = 20'000'000;  // 20 ms: always a new frame after it
  static constexpr std::size_t kMaxBits = 64;            // longer: noise, not a frame

  // An edge on D0 (`one` false) or D1 at `t_ns` (monotonic). Returns the frame the pause
  // before this edge ended, if one did.
  std::optional<Result<std::string>> edge(bool one, std::int64_t t_ns);
  // The frame that `now_ns` shows ended (no edge for its gap), if any.
  std::optional<Result<std::string>> flush(std::int64_t now_ns);
  // When the frame in progress ends if no edge comes (monotonic ns), or nothing.
  std::optional<std::int64_t> deadline() const {
    if (bits_.empty()) return std::nullopt;
    return last_ns_ + gap() + 1;
  }

 private:
  std::int64_t gap() const;
  std::optional<Result<std::string>> end_frame();
  std::vector<bool> bits_;
  std::int64_t first_ns_ = 0, last_ns_ = 0;
  std::size_t edges_ = 0;  // in this frame, counted past kMaxBits too
  bool overflow_ = false;
};

}  // namespace vto::hal::linux_board
