#include "hal/linux/wiegand.h"

#include <algorithm>

#include <cstdio>

namespace vto::hal::linux_board {
namespace {

int ones(const std::vector<bool>& bits, std::size_t from, std::size_t to) {  // [from, to)
  int n = 0;
  for (std::size_t i = from; i < to; ++i) n += bits[i] ? 1 : 0;
  return n;
}

}  // namespace

Result<std::string> wiegand_card(const std::vector<bool>& bits) {
  const std::size_t n = bits.size();
  if (n != 26 && n != 34) {
    return make_error("Wiegand: a 26- or 34-bit frame, not " + std::to_string(n) + " bits",
                      Errc::Invalid);
  }
  const std::size_t half = n / 2;  // 13 or 17: a parity bit and half the data bits
  if (ones(bits, 0, half) % 2 != 0) return make_error("Wiegand: even parity fails", Errc::Invalid);
  if (ones(bits, half, n) % 2 != 1) return make_error("Wiegand: odd parity fails", Errc::Invalid);
  std::uint64_t data = 0;
  for (std::size_t i = 1; i + 1 < n; ++i) data = (data << 1) | (bits[i] ? 1 : 0);
  char text[17];
  std::snprintf(text, sizeof text, n == 26 ? "%06llX" : "%08llX",
                static_cast<unsigned long long>(data));
  return std::string(text);
}

std::int64_t WiegandFrames::gap() const {
  if (edges_ < 2) return kMaxGapNs;
  const std::int64_t interval = (last_ns_ - first_ns_) / static_cast<std::int64_t>(edges_ - 1);
  return std::clamp<std::int64_t>(3 * interval, kMinGapNs, kMaxGapNs);
}

std::optional<Result<std::string>> WiegandFrames::edge(bool one, std::int64_t t_ns) {
  std::optional<Result<std::string>> ended;
  if (!bits_.empty() && t_ns - last_ns_ > gap()) ended = end_frame();
  if (bits_.empty() && !overflow_) first_ns_ = t_ns;
  last_ns_ = t_ns;
  ++edges_;
  if (bits_.size() < kMaxBits) {
    bits_.push_back(one);
  } else {
    overflow_ = true;
  }
  return ended;
}

std::optional<Result<std::string>> WiegandFrames::flush(std::int64_t now_ns) {
  if (bits_.empty() || now_ns - last_ns_ <= gap()) return std::nullopt;
  return end_frame();
}

std::optional<Result<std::string>> WiegandFrames::end_frame() {
  Result<std::string> card =
      overflow_ ? Result<std::string>(
                      make_error("Wiegand: more than 64 bits: noise on the lines", Errc::Invalid))
                : wiegand_card(bits_);
  bits_.clear();
  edges_ = 0;
  overflow_ = false;
  return card;
}

}  // namespace vto::hal::linux_board
