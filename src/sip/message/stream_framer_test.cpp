#include <gtest/gtest.h>

#include "sip/message/message.h"

namespace vto::sip {
namespace {

const std::string kMsg =
    "MESSAGE sip:101@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\n"
    "To: <sip:101@h>\r\nCall-ID: c\r\nCSeq: 1 MESSAGE\r\nContent-Length: 5\r\n\r\nhello";

TEST(StreamFramer, WholeMessagesBackToBack) {
  StreamFramer f;
  f.feed(kMsg + kMsg);
  for (int i = 0; i < 2; ++i) {
    auto next = f.next();
    ASSERT_TRUE(next);
    ASSERT_TRUE(*next);
    EXPECT_EQ(next->value(), kMsg);
    EXPECT_TRUE(Message::parse(next->value()));
  }
  EXPECT_FALSE(f.next());
  EXPECT_EQ(f.buffered(), 0u);
}

TEST(StreamFramer, ByteByByte) {
  StreamFramer f;
  int complete = 0;
  const std::string stream = kMsg + "\r\n" + kMsg;
  for (char c : stream) {
    f.feed(std::string_view(&c, 1));
    while (auto next = f.next()) {
      ASSERT_TRUE(*next);
      EXPECT_EQ(next->value(), kMsg);
      ++complete;
    }
  }
  EXPECT_EQ(complete, 2);
  EXPECT_FALSE(f.pong_requested());  // a single CRLF is a keep-alive, not a ping
}

TEST(StreamFramer, DoubleCrlfPingWantsAPong) {
  StreamFramer f;
  f.feed("\r\n");
  EXPECT_FALSE(f.next());
  EXPECT_FALSE(f.pong_requested());
  f.feed("\r\n");
  EXPECT_FALSE(f.next());
  EXPECT_TRUE(f.pong_requested());
  EXPECT_FALSE(f.pong_requested());  // reported once
  f.feed("\r\n\r\n" + kMsg);
  auto next = f.next();
  ASSERT_TRUE(next && *next);
  EXPECT_EQ(next->value(), kMsg);
  EXPECT_TRUE(f.pong_requested());
}

TEST(StreamFramer, ContentLengthIsMandatory) {
  std::string no_length = kMsg;
  no_length.erase(no_length.find("Content-Length"), std::string("Content-Length: 5\r\n").size());
  StreamFramer f;
  f.feed(no_length);
  auto next = f.next();
  ASSERT_TRUE(next);
  ASSERT_FALSE(*next);
  EXPECT_EQ(next->error().code, 400);
}

TEST(StreamFramer, CompactAndBadContentLength) {
  std::string compact = kMsg;
  compact.replace(compact.find("Content-Length: 5"), 17, "l : 5");
  StreamFramer f;
  f.feed(compact);
  auto next = f.next();
  ASSERT_TRUE(next && *next);
  EXPECT_TRUE(next->value().ends_with("hello"));

  std::string negative = kMsg;
  negative.replace(negative.find("Content-Length: 5"), 17, "Content-Length: -5");
  StreamFramer g;
  g.feed(negative);
  auto bad = g.next();
  ASSERT_TRUE(bad);
  EXPECT_FALSE(*bad);
}

TEST(StreamFramer, SizeLimits) {
  Limits limits;
  limits.max_message = 64;
  StreamFramer f(limits);
  f.feed(std::string(100, 'A'));  // no end of headers in sight
  auto next = f.next();
  ASSERT_TRUE(next);
  EXPECT_FALSE(*next);

  std::string huge = kMsg;
  huge.replace(huge.find("Content-Length: 5"), 17, "Content-Length: 99999999");
  StreamFramer g;
  g.feed(huge);
  auto big = g.next();
  ASSERT_TRUE(big);
  ASSERT_FALSE(*big);
  EXPECT_EQ(big->error().code, 513);
}

TEST(StreamFramer, WaitsForTheBody) {
  StreamFramer f;
  f.feed(kMsg.substr(0, kMsg.size() - 2));
  EXPECT_FALSE(f.next());
  EXPECT_EQ(f.buffered(), kMsg.size() - 2);
  f.feed(kMsg.substr(kMsg.size() - 2));
  auto next = f.next();
  ASSERT_TRUE(next && *next);
}

}  // namespace
}  // namespace vto::sip
