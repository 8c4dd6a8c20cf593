#include "hal/linux/hid_card.h"

#include <gtest/gtest.h>
#include <linux/input-event-codes.h>

#include <vector>

namespace vto::hal::linux_board {
namespace {

// What a reader types for one card: its keys 8 ms apart from `t`, then Enter.
std::optional<Result<std::string>> type(HidCardKeys& keys, const std::vector<std::uint16_t>& codes,
                                        std::int64_t t = 1000) {
  for (std::uint16_t code : codes) {
    EXPECT_FALSE(keys.key(code, t));
    t += 8;
  }
  return keys.key(KEY_ENTER, t);
}

TEST(HidCardKeys, ADecimalReaderGivesTheNumberItTypes) {
  HidCardKeys keys;
  auto card = type(keys, {KEY_0, KEY_0, KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8});
  ASSERT_TRUE(card && *card);
  EXPECT_EQ(**card, "0012345678");
}

TEST(HidCardKeys, AHexadecimalReaderWithShiftAndTheNumericPad) {
  HidCardKeys keys;
  auto card = type(keys, {KEY_LEFTSHIFT, KEY_A, KEY_KP1, KEY_LEFTSHIFT, KEY_F, KEY_KP9});
  ASSERT_TRUE(card && *card);
  EXPECT_EQ(**card, "A1F9");
}

TEST(HidCardKeys, KeysBeforeAPauseAreNotPartOfTheCard) {
  HidCardKeys keys;
  EXPECT_FALSE(keys.key(KEY_9, 0));
  EXPECT_FALSE(keys.key(KEY_9, 10));
  // 600 ms later a card is typed: the two 9s are forgotten.
  auto card = type(keys, {KEY_1, KEY_2, KEY_3, KEY_4}, 610);
  ASSERT_TRUE(card && *card);
  EXPECT_EQ(**card, "1234");
}

TEST(HidCardKeys, EnterAloneOrAfterAPauseIsNothing) {
  HidCardKeys keys;
  EXPECT_FALSE(keys.key(KEY_ENTER, 0));
  EXPECT_FALSE(keys.key(KEY_1, 100));
  EXPECT_FALSE(keys.key(KEY_KPENTER, 1000));
}

TEST(HidCardKeys, WhatIsNoCardNumberIsRefused) {
  HidCardKeys keys;
  auto shortcard = type(keys, {KEY_1, KEY_2});
  ASSERT_TRUE(shortcard);
  EXPECT_FALSE(*shortcard);
  std::vector<std::uint16_t> many(HidCardKeys::kMaxKeys + 1, KEY_7);
  auto longcard = type(keys, many, 5000);
  ASSERT_TRUE(longcard);
  ASSERT_FALSE(*longcard);
  EXPECT_NE(longcard->error().message.find("more than 24 keys"), std::string::npos);
  // The next card is read whole.
  auto next = type(keys, {KEY_4, KEY_3, KEY_2, KEY_1}, 9000);
  ASSERT_TRUE(next && *next);
  EXPECT_EQ(**next, "4321");
}

}  // namespace
}  // namespace vto::hal::linux_board
