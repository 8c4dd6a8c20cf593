#include "api/network_api.h"

#include <gtest/gtest.h>

namespace vto::api {
namespace {

NetworkBasic basic(std::string ip, std::string mask, std::string gateway) {
  NetworkBasic n;
  n.ip = std::move(ip);
  n.mask = std::move(mask);
  n.gateway = std::move(gateway);
  return n;
}

TEST(CheckNetwork, TheGatewayIsInTheDevicesNetwork) {
  EXPECT_FALSE(check_network(basic("192.168.1.108", "255.255.255.0", "192.168.1.1")));
  EXPECT_FALSE(check_network(basic("192.168.1.108", "255.255.255.0", "")));
  EXPECT_FALSE(check_network(basic("10.1.200.7", "255.255.0.0", "10.1.0.1")));
  auto bad = check_network(basic("192.168.1.108", "255.255.255.0", "192.168.2.1"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->field, "gateway");
  EXPECT_EQ(bad->message, "must be in the IP address's network (IP address and mask)");
  bad = check_network(basic("192.168.1.108", "255.255.255.0", "192.168.1.108"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->field, "gateway");
}

// A port clash is said beside the port that was changed, naming the one it clashes with.
TEST(CheckNetwork, APortClashIsSaidBesideThePortChanged) {
  NetworkBasic saved = basic("192.168.1.108", "255.255.255.0", "");
  NetworkBasic next = saved;
  next.http_port = saved.https_port;  // the HTTP port moved onto the HTTPS port
  auto bad = check_network(next, &saved);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->field, "http_port");
  EXPECT_EQ(bad->message, "already used by https_port (" + std::to_string(saved.https_port) + ")");
  next = saved;
  next.https_port = saved.http_port;
  bad = check_network(next, &saved);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->field, "https_port");
  EXPECT_EQ(bad->message, "already used by http_port (" + std::to_string(saved.http_port) + ")");
}

TEST(CheckNetwork, TheNetworkAndBroadcastAddressesAreNotADevices) {
  auto bad = check_network(basic("192.168.1.0", "255.255.255.0", ""));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->field, "ip");
  EXPECT_EQ(bad->message, "the network's own address, not a device's");
  bad = check_network(basic("192.168.1.255", "255.255.255.0", ""));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->message, "the network's broadcast address");
  EXPECT_FALSE(check_network(basic("192.168.1.0", "255.255.0.0", "")));   // a host in a /16
  EXPECT_FALSE(check_network(basic("10.0.0.0", "255.255.255.254", "")));  // a /31 link
  EXPECT_FALSE(check_network(basic("10.0.0.7", "255.255.255.255", "")));
}

}  // namespace
}  // namespace vto::api
