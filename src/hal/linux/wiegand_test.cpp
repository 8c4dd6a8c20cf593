#include "hal/linux/wiegand.h"

#include <gtest/gtest.h>

namespace vto::hal::linux_board {
namespace {

// A frame as a reader sends it: parity, `data_bits` bits of `data`, parity.
std::vector<bool> frame(std::uint64_t data, int data_bits) {
  std::vector<bool> bits(1);
  for (int i = data_bits - 1; i >= 0; --i) bits.push_back(((data >> i) & 1) != 0);
  bits.push_back(false);
  const std::size_t half = bits.size() / 2;
  int first = 0, second = 0;
  for (std::size_t i = 1; i < half; ++i) first += bits[i];
  for (std::size_t i = half; i + 1 < bits.size(); ++i) second += bits[i];
  bits.front() = first % 2 == 1;  // even parity over the first half
  bits.back() = second % 2 == 0;  // odd parity over the second half
  return bits;
}

TEST(Wiegand, TwentySixAndThirtyFourBitCardsReadAsHex) {
  // Facility 123, card 45678 (H10301): 0x7BB26E.
  EXPECT_EQ(*wiegand_card(frame((123u << 16) | 45678u, 24)), "7BB26E");
  EXPECT_EQ(*wiegand_card(frame(0xC0FFEE42u, 32)), "C0FFEE42");
  EXPECT_EQ(*wiegand_card(frame(0, 24)), "000000");
  EXPECT_EQ(*wiegand_card(frame(0xFFFFFF, 24)), "FFFFFF");
}

TEST(Wiegand, ALostEdgeOrAFlippedBitIsNeverAnotherCard) {
  for (const auto& [data, width] : {std::pair{0x7BB26Eull, 24}, std::pair{0xC0FFEE42ull, 32}}) {
    const auto good = frame(data, width);
    for (std::size_t i = 0; i < good.size(); ++i) {
      auto lost = good;
      lost.erase(lost.begin() + static_cast<long>(i));
      EXPECT_FALSE(wiegand_card(lost)) << "edge " << i << " lost";
      auto flipped = good;
      flipped[i] = !flipped[i];
      EXPECT_FALSE(wiegand_card(flipped)) << "bit " << i << " flipped";
    }
  }
  EXPECT_EQ(wiegand_card(std::vector<bool>(25)).error().message,
            "Wiegand: a 26- or 34-bit frame, not 25 bits");
}

TEST(Wiegand, APauseEndsAFrame) {
  WiegandFrames frames;
  const auto bits = frame(0x7BB26E, 24);
  std::int64_t t = 1'000'000'000;
  for (const bool b : bits) {
    EXPECT_FALSE(frames.edge(b, t));
    t += 2'000'000;  // 2 ms apart
  }
  EXPECT_FALSE(frames.flush(t)) << "not yet: the pause is too short";
  auto card = frames.flush(t + 25'000'000);
  ASSERT_TRUE(card && *card);
  EXPECT_EQ(**card, "7BB26E");
  EXPECT_FALSE(frames.flush(t + 50'000'000)) << "a frame ends once";

  // Two cards back to back: the first edge after the pause ends the first frame.
  t += 100'000'000;
  for (const bool b : bits) {
    frames.edge(b, t);
    t += 1'000'000;
  }
  auto first = frames.edge(true, t + 30'000'000);
  ASSERT_TRUE(first && *first);
  EXPECT_EQ(**first, "7BB26E");
  auto rest = frames.flush(t + 100'000'000);
  ASSERT_TRUE(rest);
  EXPECT_FALSE(*rest) << "one bit is no card";
}

TEST(Wiegand, AFrameEndsAfterThreeOfItsBitIntervals) {
  WiegandFrames frames;
  const auto bits = frame(0x123456, 24);
  std::int64_t t = 5'000'000'000;
  for (std::size_t i = 0; i < bits.size(); ++i) {
    // 2 ms apart, with one bit 3 ms late (a reader's hiccup): still one frame.
    EXPECT_FALSE(frames.edge(bits[i], t + (i == 13 ? 3'000'000 : 0)));
    if (i == 13) t += 3'000'000;
    if (i + 1 < bits.size()) t += 2'000'000;
  }
  // The mean interval is 2.12 ms: the frame ends 6.36 ms after its last bit.
  ASSERT_TRUE(frames.deadline());
  EXPECT_LT(*frames.deadline() - t, 7'000'000);
  EXPECT_FALSE(frames.flush(t + 6'000'000));
  auto card = frames.flush(t + 7'000'000);
  ASSERT_TRUE(card && *card);
  EXPECT_EQ(**card, "123456");
  EXPECT_FALSE(frames.deadline());
}

TEST(Wiegand, NoiseIsNoCard) {
  WiegandFrames frames;
  std::int64_t t = 0;
  for (int i = 0; i < 200; ++i) frames.edge(i % 3 == 0, t += 100'000);
  auto noise = frames.flush(t + 21'000'000);
  ASSERT_TRUE(noise);
  EXPECT_EQ(noise->error().message, "Wiegand: more than 64 bits: noise on the lines");
}

}  // namespace
}  // namespace vto::hal::linux_board
