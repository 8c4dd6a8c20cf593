#include "media/rtp_packet.h"

#include <gtest/gtest.h>

#include <string>

namespace vto::media {
namespace {

std::string header(std::uint8_t first, std::uint8_t second) {
  std::string h = {static_cast<char>(first),
                   static_cast<char>(second),
                   0,
                   1,
                   0,
                   0,
                   0,
                   0,
                   0x12,
                   0x34,
                   0x56,
                   0x78};
  return h;
}

TEST(RtpPacket, PayloadAfterTheFixedHeader) {
  const std::string p = header(0x80, 0x88) + "abcd";
  auto r = parse_rtp(p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->payload_type, 8);
  EXPECT_EQ(r->ssrc, 0x12345678u);
  EXPECT_EQ(r->payload, "abcd");
}

TEST(RtpPacket, CsrcsExtensionAndPaddingAreSkipped) {
  std::string p = header(0xB2, 0x08);                // padding, extension, 2 CSRCs
  p += std::string(8, 'c');                          // the CSRCs
  p += std::string("\xBE\xDE\x00\x01", 4) + "eeee";  // one word of extension
  p += "pcma";
  p += std::string("\x00\x00\x03", 3);  // 3 bytes of padding
  auto r = parse_rtp(p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->payload, "pcma");
}

TEST(RtpPacket, WhatIsNotRtpIsRefused) {
  EXPECT_FALSE(parse_rtp(""));
  EXPECT_FALSE(parse_rtp(std::string(11, '\x80')));  // too short
  EXPECT_FALSE(parse_rtp(header(0x40, 8) + "x"));    // version 1
  EXPECT_FALSE(parse_rtp(header(0x81, 8)));          // a CSRC it does not have
  EXPECT_FALSE(parse_rtp(header(0x90, 8) + std::string("\x00\x00\x00\x05", 4)));  // extension
  EXPECT_FALSE(parse_rtp(header(0xA0, 8) + std::string("ab\x05", 3)));  // padding > payload
  EXPECT_FALSE(parse_rtp(header(0xA0, 8) + std::string("ab\x00", 3)));  // padding of 0
  EXPECT_TRUE(parse_rtp(header(0x80, 8)));                              // an empty payload is one
}

}  // namespace
}  // namespace vto::media
