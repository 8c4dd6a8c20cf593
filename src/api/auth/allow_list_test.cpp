#include "api/auth/allow_list.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vto::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

AllowList parsed(const std::vector<std::string>& entries) {
  auto list = AllowList::parse(entries);
  EXPECT_TRUE(list) << list.error().message;
  return list ? *list : AllowList{};
}

TEST(AllowList, EmptyAllowsEveryone) {
  AllowList list = parsed({});
  EXPECT_TRUE(list.empty());
  for (const char* ip : {"192.168.1.7", "8.8.8.8", "2001:db8::1", "::ffff:10.0.0.1", "junk", ""})
    EXPECT_TRUE(list.allows(ip)) << ip;
}

TEST(AllowList, MatchesAddressesAndNetworks) {
  AllowList list = parsed({"192.168.1.0/24", "10.0.0.5", "fd00::/8", "2001:db8::7"});
  EXPECT_FALSE(list.empty());
  for (const char* ip : {"192.168.1.0", "192.168.1.1", "192.168.1.255", "10.0.0.5", "fd00::1",
                         "fdff:ffff::1", "2001:db8::7", "2001:0db8:0:0:0:0:0:7"})
    EXPECT_TRUE(list.allows(ip)) << ip;
  for (const char* ip : {"192.168.2.1", "192.168.0.255", "10.0.0.4", "10.0.0.6", "fe00::1",
                         "fc00::1", "2001:db8::8", "8.8.8.8"})
    EXPECT_FALSE(list.allows(ip)) << ip;
}

TEST(AllowList, PrefixesThatAreNotWholeBytes) {
  AllowList list = parsed({"172.16.0.0/12", "2001:db8:8000::/33"});
  EXPECT_TRUE(list.allows("172.16.0.1"));
  EXPECT_TRUE(list.allows("172.31.255.254"));
  EXPECT_FALSE(list.allows("172.32.0.1"));
  EXPECT_FALSE(list.allows("172.15.255.255"));
  EXPECT_TRUE(list.allows("2001:db8:ffff::1"));
  EXPECT_FALSE(list.allows("2001:db8:7fff::1"));
}

TEST(AllowList, ZeroPrefixMatchesItsWholeFamily) {
  AllowList v4 = parsed({"0.0.0.0/0"});
  EXPECT_TRUE(v4.allows("203.0.113.9"));
  EXPECT_TRUE(v4.allows("::ffff:203.0.113.9"));
  EXPECT_FALSE(v4.allows("2001:db8::1"));
  AllowList v6 = parsed({"::/0"});
  EXPECT_TRUE(v6.allows("2001:db8::1"));
  EXPECT_FALSE(v6.allows("203.0.113.9"));
}

TEST(AllowList, LoopbackIsAlwaysAllowed) {
  AllowList list = parsed({"192.168.1.0/24"});
  for (const char* ip : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"})
    EXPECT_TRUE(list.allows(ip)) << ip;
  EXPECT_FALSE(list.allows("128.0.0.1"));
  EXPECT_FALSE(list.allows("::2"));
}

TEST(AllowList, MappedClientsMatchIpv4Entries) {
  AllowList list = parsed({"192.168.1.0/24"});
  EXPECT_TRUE(list.allows("::ffff:192.168.1.20"));
  EXPECT_TRUE(list.allows("::FFFF:c0a8:0114"));
  EXPECT_FALSE(list.allows("::ffff:192.168.2.20"));
  // Only the ::ffff:0:0/96 form is mapped; the old IPv4-compatible ::a.b.c.d is not.
  EXPECT_FALSE(list.allows("::192.168.1.20"));
}

TEST(AllowList, MappedEntriesBecomeIpv4) {
  AllowList list = parsed({"::ffff:10.1.0.0/112", "::ffff:192.168.1.9"});
  EXPECT_THAT(list.entries(), ElementsAre("10.1.0.0/16", "192.168.1.9"));
  EXPECT_TRUE(list.allows("10.1.200.3"));
  EXPECT_TRUE(list.allows("::ffff:10.1.200.3"));
  EXPECT_TRUE(list.allows("192.168.1.9"));
}

TEST(AllowList, ZonesOfClientAddressesAreIgnored) {
  AllowList list = parsed({"fe80::/10"});
  EXPECT_TRUE(list.allows("fe80::1%eth0"));
  EXPECT_FALSE(list.allows("fec0::1%eth0"));
}

TEST(AllowList, ClientTextThatIsNoAddressIsRefused) {
  AllowList list = parsed({"0.0.0.0/0", "::/0"});
  for (const char* ip : {"", "localhost", "1.2.3", "1.2.3.4/32", " 1.2.3.4", "1.2.3.4 ", "::g"})
    EXPECT_FALSE(list.allows(ip)) << '"' << ip << '"';
}

TEST(AllowList, EntriesAreNormalized) {
  AllowList list = parsed({" 192.168.1.7/24 ", "10.0.0.5/32", "2001:0DB8:0000::1/128", "fd12::1/8",
                           "192.168.1.0/24", "10.0.0.5", "0.0.0.0/0"});
  EXPECT_THAT(list.entries(),
              ElementsAre("192.168.1.0/24", "10.0.0.5", "2001:db8::1", "fd00::/8", "0.0.0.0/0"));
  auto again = AllowList::parse(list.entries());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, list);
}

TEST(AllowList, BadEntriesAreNamedByIndex) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "empty"},
      {"   ", "empty"},
      {"localhost", "not an address or address/prefix"},
      {"192.168.1", "not an address or address/prefix"},
      {"256.1.1.1", "not an address or address/prefix"},
      {"192.168.1.0/", "the prefix after '/' must be 0 to 32"},
      {"192.168.1.0/33", "the prefix after '/' must be 0 to 32"},
      {"192.168.1.0/-1", "the prefix after '/' must be 0 to 32"},
      {"192.168.1.0/+8", "the prefix after '/' must be 0 to 32"},
      {"192.168.1.0/24/8", "the prefix after '/' must be 0 to 32"},
      {"192.168.1.0/ 24", "the prefix after '/' must be 0 to 32"},
      {"192.168.1.0/0024", "the prefix after '/' must be 0 to 32"},
      {"fd00::/129", "the prefix after '/' must be 0 to 128"},
      {"fd00::/x", "the prefix after '/' must be 0 to 128"},
      {"fe80::1%eth0", "not an address or address/prefix"},
      {"/24", "not an address or address/prefix"},
      {"10.0.0.1-10.0.0.9", "not an address or address/prefix"},
      {"1.2.3.4 5.6.7.8", "not an address or address/prefix"},
  };
  for (const auto& [entry, rule] : cases) {
    auto list = AllowList::parse({"10.0.0.1", "10.0.0.2", entry});
    ASSERT_FALSE(list) << entry;
    EXPECT_EQ(list.error().errc, Errc::Invalid);
    EXPECT_EQ(list.error().message, std::string("allow_list[2]: ") + rule) << entry;
  }
}

TEST(AllowList, AtMost64Entries) {
  std::vector<std::string> entries;
  for (int i = 0; i < 64; ++i) entries.push_back("10.0." + std::to_string(i) + ".0/24");
  auto full = AllowList::parse(entries);
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(full->entries().size(), 64u);
  entries.push_back("10.1.0.0/16");
  auto over = AllowList::parse(entries);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().errc, Errc::Invalid);
  EXPECT_THAT(over.error().message, HasSubstr("allow_list: at most 64"));
}

}  // namespace
}  // namespace vto::api
