#include "core/authority.h"

#include <gtest/gtest.h>

namespace vto::core {
namespace {

TEST(Authority, HostsPortsAndBracketedIpv6) {
  auto a = split_authority("broker.lan:1883");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "broker.lan");
  EXPECT_EQ(a->port, 1883);
  a = split_authority("[::1]:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 8080);
  a = split_authority("10.0.0.1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->port, std::nullopt);
  a = split_authority("[fe80::1]");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "fe80::1");
  EXPECT_EQ(split_authority("::1").error().message, "an IPv6 address needs [ ]");
  EXPECT_EQ(split_authority("[::1").error().message, "an IPv6 address needs [ ]");
  EXPECT_EQ(split_authority("[::1]x").error().message, "unexpected text after the host");
  for (const char* bad : {"h:", "h:0", "h:65536", "h:12a", "h:-1"})
    EXPECT_EQ(split_authority(bad).error().message, "port must be 1 to 65535") << bad;
}

}  // namespace
}  // namespace vto::core
