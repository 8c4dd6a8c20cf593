#include <gtest/gtest.h>

#include "station/dhcp_client.h"
#include "station/dhcp_message.h"

namespace vto::station {
namespace {

constexpr MacAddress kMac{0x02, 0x11, 0x22, 0x33, 0x44, 0x55};

constexpr std::uint32_t ip(int a, int b, int c, int d) {
  return (std::uint32_t(a) << 24) | (std::uint32_t(b) << 16) | (std::uint32_t(c) << 8) |
         std::uint32_t(d);
}

// A server's reply, built by hand as the bytes on the wire.
std::vector<std::uint8_t> reply(std::uint8_t type, std::uint32_t xid,
                                std::vector<std::uint8_t> options) {
  std::vector<std::uint8_t> out(236, 0);
  out[0] = 2;
  out[1] = 1;
  out[2] = 6;
  for (int i = 0; i < 4; ++i) out[4 + i] = std::uint8_t(xid >> (24 - 8 * i));
  const std::uint32_t yi = ip(10, 77, 0, 58);
  for (int i = 0; i < 4; ++i) out[16 + i] = std::uint8_t(yi >> (24 - 8 * i));
  std::copy(kMac.begin(), kMac.end(), out.begin() + 28);
  std::vector<std::uint8_t> tail{99, 130, 83, 99, 53, 1, type};
  tail.insert(tail.end(), options.begin(), options.end());
  tail.push_back(255);
  for (const std::uint8_t b : tail) out.push_back(b);
  return out;
}

const std::vector<std::uint8_t> kFullOptions{
    54, 4,  10,  77,  0,    1,                               // server
    51, 4,  0,   0,   0x0E, 0x10,                            // lease 3600 s
    1,  4,  255, 255, 255,  0,                               // mask
    3,  8,  10,  77,  0,    1,    10, 77, 0, 2,              // routers
    6,  12, 10,  77,  0,    53,   9,  9,  9, 9, 1, 1, 1, 1,  // DNS
    58, 4,  0,   0,   0x07, 0x08,                            // T1 1800
};

TEST(DhcpMessage, ADiscoverIsABootRequestWithTheCookieAndTheMac) {
  DhcpRequest r;
  r.xid = 0xA1B2C3D4;
  r.chaddr = kMac;
  const auto bytes = encode_dhcp(r);
  ASSERT_EQ(bytes.size(), 300u);
  EXPECT_EQ(bytes[0], 1);
  EXPECT_EQ(bytes[4], 0xA1);
  EXPECT_EQ(bytes[7], 0xD4);
  EXPECT_EQ(bytes[10], 0x80);  // BROADCAST
  EXPECT_EQ(bytes[28], 0x02);
  EXPECT_EQ(bytes[33], 0x55);
  EXPECT_EQ((std::vector<std::uint8_t>(bytes.begin() + 236, bytes.begin() + 243)),
            (std::vector<std::uint8_t>{99, 130, 83, 99, 53, 1, 1}));
}

TEST(DhcpMessage, ARequestNamesTheAddressAndTheServer) {
  DhcpRequest r;
  r.type = DhcpType::Request;
  r.chaddr = kMac;
  r.requested = ip(10, 77, 0, 58);
  r.server_id = ip(10, 77, 0, 1);
  const auto bytes = encode_dhcp(r);
  const std::vector<std::uint8_t> requested{50, 4, 10, 77, 0, 58}, server{54, 4, 10, 77, 0, 1};
  EXPECT_NE(std::search(bytes.begin(), bytes.end(), requested.begin(), requested.end()),
            bytes.end());
  EXPECT_NE(std::search(bytes.begin(), bytes.end(), server.begin(), server.end()), bytes.end());
}

TEST(DhcpMessage, AnAckIsReadWithEveryOptionTheClientUses) {
  const auto bytes = reply(5, 0x01020304, kFullOptions);
  const auto r = parse_dhcp_reply(bytes);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, DhcpType::Ack);
  EXPECT_EQ(r->xid, 0x01020304u);
  EXPECT_EQ(r->chaddr, kMac);
  EXPECT_EQ(r->yiaddr, ip(10, 77, 0, 58));
  EXPECT_EQ(r->server_id, ip(10, 77, 0, 1));
  EXPECT_EQ(r->lease_s, 3600u);
  EXPECT_EQ(r->t1_s, 1800u);
  EXPECT_EQ(r->t2_s, 0u);
  EXPECT_EQ(r->mask, ip(255, 255, 255, 0));
  EXPECT_EQ(r->routers, (std::vector<std::uint32_t>{ip(10, 77, 0, 1), ip(10, 77, 0, 2)}));
  EXPECT_EQ(r->dns.size(), 3u);
}

TEST(DhcpMessage, MalformedRepliesAreNoMessage) {
  auto good = reply(2, 7, kFullOptions);
  ASSERT_TRUE(parse_dhcp_reply(good));
  auto request = good;
  request[0] = 1;
  EXPECT_FALSE(parse_dhcp_reply(request)) << "a BOOTREQUEST";
  auto cookie = good;
  cookie[236] = 0;
  EXPECT_FALSE(parse_dhcp_reply(cookie));
  EXPECT_FALSE(parse_dhcp_reply(std::vector<std::uint8_t>(good.begin(), good.begin() + 239)));
  auto no_end = good;
  no_end.pop_back();
  EXPECT_FALSE(parse_dhcp_reply(no_end)) << "options that run off the end";
  auto too_long = reply(2, 7, {54, 40, 10, 77});
  too_long.pop_back();
  EXPECT_FALSE(parse_dhcp_reply(too_long));
  EXPECT_FALSE(parse_dhcp_reply(reply(1, 7, {}))) << "a DISCOVER is not a reply";
  EXPECT_FALSE(parse_dhcp_reply(reply(9, 7, {}))) << "no such type";
}

TEST(DhcpMessage, TheFirstOfARepeatedOptionCounts) {
  const auto r = parse_dhcp_reply(reply(5, 1, {54, 4, 10, 0, 0, 1, 54, 4, 10, 0, 0, 2}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->server_id, ip(10, 0, 0, 1));
}

DhcpReply ack() {
  return *parse_dhcp_reply(reply(5, 1, kFullOptions));
}

TEST(DhcpLease, APlausibleAckGivesTheAddressesAndTheTimes) {
  const auto lease = lease_from_ack(ack());
  ASSERT_TRUE(lease) << lease.error().message;
  const InterfaceAddresses want{"10.77.0.58", "255.255.255.0", "10.77.0.1", "10.77.0.53",
                                "9.9.9.9"};
  EXPECT_EQ(lease->addresses(), want);
  EXPECT_EQ(lease->lease_s, 3600u);
  EXPECT_EQ(lease->t1_s, 1800u);
  EXPECT_EQ(lease->t2_s, 3150u);  // 7/8 of the lease when the server sends none
}

TEST(DhcpLease, ImplausibleValuesAreRefusedOrLeftOut) {
  DhcpReply a = ack();
  a.yiaddr = ip(127, 0, 0, 5);
  EXPECT_FALSE(lease_from_ack(a));
  a = ack();
  a.yiaddr = ip(224, 0, 0, 1);
  EXPECT_FALSE(lease_from_ack(a));
  a = ack();
  a.mask = ip(255, 0, 255, 0);
  EXPECT_EQ(lease_from_ack(a).error().message, "the mask 255.0.255.0 is not contiguous");
  a = ack();
  a.yiaddr = ip(10, 77, 0, 255);
  EXPECT_FALSE(lease_from_ack(a)) << "the broadcast address";
  a = ack();
  a.lease_s = 0;
  EXPECT_FALSE(lease_from_ack(a));
  a = ack();
  a.server_id = 0;
  EXPECT_FALSE(lease_from_ack(a));

  // A router outside the subnet is no gateway; a later one inside is taken.
  a = ack();
  a.routers = {ip(192, 168, 9, 1), ip(10, 77, 0, 2)};
  EXPECT_EQ(lease_from_ack(a)->gateway, ip(10, 77, 0, 2));
  a.routers = {ip(192, 168, 9, 1)};
  EXPECT_EQ(lease_from_ack(a)->gateway, 0u);
  // A lease of 1 s is taken as 10 s; T1 after T2 falls back to the defaults.
  a = ack();
  a.lease_s = 1;
  EXPECT_EQ(lease_from_ack(a)->lease_s, 10u);
  a = ack();
  a.t1_s = 3000;
  a.t2_s = 2000;
  EXPECT_EQ(lease_from_ack(a)->t1_s, 1800u);
  EXPECT_EQ(lease_from_ack(a)->t2_s, 3150u);
  // No mask: the address's class.
  a = ack();
  a.mask = 0;
  EXPECT_EQ(lease_from_ack(a)->mask, ip(255, 0, 0, 0));
}

TEST(DhcpLease, AnInfiniteLeaseIsNeverRenewed) {
  DhcpReply a = ack();
  a.lease_s = 0xFFFFFFFF;
  const auto lease = lease_from_ack(a);
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->t1_s, 0u);
}

TEST(DhcpClient, AnInterfaceThatDoesNotExistIsSaid) {
  EXPECT_FALSE(interface_mac("no-such-if0"));
}

}  // namespace
}  // namespace vto::station
