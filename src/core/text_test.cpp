#include "core/text.h"

#include <gtest/gtest.h>

#include <array>

#include "core/unix_clock.h"

namespace vto::core {
namespace {

TEST(TextTest, HexWritesTwoDigitsPerByteInEitherCase) {
  const std::array<unsigned char, 4> bytes{0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(hex(bytes), "000fa5ff");
  EXPECT_EQ(hex(bytes, true), "000FA5FF");
  EXPECT_EQ(hex(std::span<const unsigned char>()), "");
}

TEST(TextTest, PrintableCutsBeforeAHalfLetterAndHidesControls) {
  EXPECT_EQ(printable("a\r\nb\x7f", 10), "a??b?");
  EXPECT_EQ(printable("\xc3\xa9t\xc3\xa9", 4), "\xc3\xa9t");  // "été" cut inside the last é
  EXPECT_TRUE(ascii_iequals("Digest", "dIGEST"));
  EXPECT_FALSE(ascii_iequals("Digest", "Digests"));
}

TEST(TextTest, UtcTextHasMillisecondsAndZ) {
  EXPECT_EQ(utc_text(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(utc_text(1777644202123), "2026-05-01T14:03:22.123Z");
}

}  // namespace
}  // namespace vto::core
