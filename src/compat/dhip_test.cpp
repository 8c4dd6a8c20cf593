#include "compat/dhip.h"

#include <gtest/gtest.h>

#include <cstring>

namespace vto::compat {
namespace {

std::uint64_t length_at(const std::string& m, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(m[at + i]);
  return v;
}

TEST(Dhip, EncodesTheHeaderAndCountsTheNewline) {
  const std::string m = dhip_encode(0x01020304, 5, R"({"id":5})");
  ASSERT_EQ(m.size(), 32u + 9u);
  EXPECT_EQ(m.substr(0, 8), std::string("\x20\x00\x00\x00"
                                        "DHIP",
                                        8));
  EXPECT_EQ(m.substr(8, 4), std::string("\x04\x03\x02\x01", 4));
  EXPECT_EQ(m.substr(12, 4), std::string("\x05\x00\x00\x00", 4));
  EXPECT_EQ(length_at(m, 16), 9u);
  EXPECT_EQ(length_at(m, 24), 9u);
  EXPECT_EQ(m.substr(32), "{\"id\":5}\n");
}

TEST(Dhip, NoBraceAfterAZeroInTheHeader) {
  // A body of 0x7B bytes would put '{' after the length's 0x00... no: the length's low
  // byte comes right after the request id's high byte, which is 0.
  std::string body = "{" + std::string(0x7B - 3, 'a') + "}";  // 0x7B - 1 bytes + '\n' = 0x7B
  const std::string m = dhip_encode(7, 1, body);
  EXPECT_FALSE(brace_after_zero(m.substr(0, 32)));
  EXPECT_EQ(length_at(m, 16), length_at(m, 24));
  EXPECT_EQ(length_at(m, 16), m.size() - 32);
  EXPECT_EQ(m.back(), '\n');
  // A request id of 0x7B00: its 0x7B follows a 0x00.
  const std::string n = dhip_encode(7, 0x7B00, "{}");
  EXPECT_FALSE(brace_after_zero(n.substr(0, 32)));
  EXPECT_EQ(n[32], '{');  // the body itself starts right after the header's last 0x00
}

TEST(Dhip, ReaderCutsMessagesAcrossReads) {
  const std::string a = dhip_encode(1, 2, R"({"method":"global.login"})");
  const std::string b = dhip_encode(1, 3, "{\n  \"method\": \"global.keepAlive\"\n}");
  const std::string both = a + b;
  DhipReader r;
  auto first = r.feed(both.substr(0, 10));
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->empty());
  auto rest = r.feed(both.substr(10));
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].id, 2u);
  EXPECT_EQ((*rest)[1].body, "{\n  \"method\": \"global.keepAlive\"\n}\n");
  EXPECT_EQ(r.pending(), 0u);
}

TEST(Dhip, ReaderRefusesWhatIsNotDhip) {
  DhipReader r;
  EXPECT_FALSE(r.feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n1234567890"));
  EXPECT_FALSE(r.feed(dhip_encode(1, 1, "{}")));  // failed for good

  std::string huge = dhip_encode(1, 1, "{}");
  huge[16] = 0;
  huge[17] = 0;
  huge[18] = 0x10;  // 1 MiB
  huge[24] = 0;
  huge[25] = 0;
  huge[26] = 0x10;
  DhipReader r2;
  EXPECT_FALSE(r2.feed(huge));

  std::string differ = dhip_encode(1, 1, "{}");
  differ[24] = 9;
  DhipReader r3;
  EXPECT_FALSE(r3.feed(differ));
}

}  // namespace
}  // namespace vto::compat
