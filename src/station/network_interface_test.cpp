#include "station/network_interface.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vto::station {
namespace {

using Runs = std::vector<std::vector<std::string>>;

TEST(NetworkInterface, InterfaceNamesAreLinuxNames) {
  for (const char* ok : {"eth0", "enp3s0", "wlan0.1", "br-lan", "veth_a"}) {
    EXPECT_TRUE(check_interface_name(ok)) << ok;
  }
  for (const char* bad :
       {"", ".", "..", "eth0 up", "a/b", "sixteen-chars-xx", "eth0;reboot", "$(x)"}) {
    EXPECT_FALSE(check_interface_name(bad)) << bad;
  }
  EXPECT_EQ(check_interface_name("a b").error().message,
            "network interface: letters, digits, '_', '-' and '.' only");
}

TEST(NetworkInterface, PrefixLengthsOfMasks) {
  EXPECT_EQ(prefix_length("255.255.255.0"), 24);
  EXPECT_EQ(prefix_length("255.255.0.0"), 16);
  EXPECT_EQ(prefix_length("255.255.255.252"), 30);
  EXPECT_EQ(prefix_length("255.255.255.255"), 32);
  EXPECT_EQ(prefix_length("128.0.0.0"), 1);
}

TEST(NetworkInterface, TheAddressThenTheLinkThenTheDefaultRoute) {
  const InterfaceAddresses a{"192.168.1.108", "255.255.255.0", "192.168.1.1", "8.8.8.8", ""};
  EXPECT_EQ(ip_commands("eth0", a),
            (Runs{{"-4", "addr", "flush", "dev", "eth0", "scope", "global"},
                  {"-4", "addr", "add", "192.168.1.108/24", "dev", "eth0"},
                  {"link", "set", "dev", "eth0", "up"},
                  {"-4", "route", "replace", "default", "via", "192.168.1.1", "dev", "eth0"}}));
  InterfaceAddresses no_gateway = a;
  no_gateway.gateway.clear();
  EXPECT_EQ(ip_commands("eth0", no_gateway).size(), 3u);
}

TEST(NetworkInterface, ResolvConfNamesEachServer) {
  InterfaceAddresses a{"10.0.0.5", "255.0.0.0", "", "10.0.0.53", "9.9.9.9"};
  EXPECT_EQ(resolv_conf_text(a),
            "# Written by vtod from Network Setting > Basic; changes here are replaced.\n"
            "nameserver 10.0.0.53\nnameserver 9.9.9.9\n");
  a.dns1.clear();
  EXPECT_THAT(resolv_conf_text(a), ::testing::EndsWith("replaced.\nnameserver 9.9.9.9\n"));
}

}  // namespace
}  // namespace vto::station
