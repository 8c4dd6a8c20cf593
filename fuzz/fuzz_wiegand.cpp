// libFuzzer target for the Wiegand decoder: any sequence of edges on D0 and D1 (each input
// byte one edge: bit 0 the line, the rest the time since the last edge, in 0.25 ms) gives
// cards of 6 or 8 hexadecimal digits or nothing; it never crashes or grows without bound.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "hal/linux/wiegand.h"

using namespace vto::hal::linux_board;

namespace {
void check(const std::optional<vto::Result<std::string>>& card) {
  if (!card || !*card) return;
  const std::string& s = **card;
  if (s.size() != 6 && s.size() != 8) std::abort();
  for (const char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) ||
        std::islower(static_cast<unsigned char>(c)))
      std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  WiegandFrames frames;
  std::int64_t t = 0;
  for (std::size_t i = 0; i < size; ++i) {
    t += static_cast<std::int64_t>(data[i] >> 1) * 250'000;
    check(frames.edge((data[i] & 1) != 0, t));
  }
  // A frame in progress has ended by its deadline, and never before the last edge.
  if (auto end = frames.deadline()) {
    if (*end <= t || frames.flush(t)) std::abort();
    auto last = frames.flush(*end);
    if (!last) std::abort();
    check(last);
  }
  if (frames.flush(t + WiegandFrames::kMaxGapNs + 1)) std::abort();  // nothing left
  return 0;
}
