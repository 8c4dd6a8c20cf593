#include "core/secure_random.h"

#include <gtest/gtest.h>

#include <array>
#include <set>

namespace vto::core {
namespace {

TEST(SecureRandom, HexHasTheAskedLengthAndOnlyHexDigits) {
  auto h = secure_random().hex(12);
  EXPECT_EQ(h.size(), 24U);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(SecureRandom, ValuesDoNotRepeatAcrossBlocks) {
  SecureRandom r;
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 20000; ++i) seen.insert(r.next_u64());  // ~80 blocks of keystream
  EXPECT_EQ(seen.size(), 20000U);
}

TEST(SecureRandom, TwoGeneratorsAreKeyedApart) {
  SecureRandom a, b;
  EXPECT_NE(a.hex(16), b.hex(16));
}

TEST(SecureRandom, TextUsesTheAlphabetEvenly) {
  SecureRandom r;
  const std::string s = r.text(60000, "abc");
  std::array<int, 3> counts{};
  for (char c : s) {
    ASSERT_TRUE(c >= 'a' && c <= 'c');
    ++counts[c - 'a'];
  }
  for (int n : counts) EXPECT_NEAR(n, 20000, 600);
}

TEST(SecureRandom, BytesAreSpreadOverEveryValue) {
  SecureRandom r;
  std::array<int, 256> counts{};
  std::array<unsigned char, 4096> buf{};
  for (int i = 0; i < 64; ++i) {
    r.fill(buf.data(), buf.size());
    for (unsigned char b : buf) ++counts[b];
  }
  for (int n : counts) EXPECT_NEAR(n, 1024, 200);  // 262,144 bytes over 256 values
}

}  // namespace
}  // namespace vto::core
