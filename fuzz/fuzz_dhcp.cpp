// libFuzzer target for the DHCP client's reading of a server's reply: any datagram a
// stranger on the LAN could broadcast. What parses keeps its caps, and a lease taken from it
// is always a device's address in a contiguous mask, with its gateway inside the subnet and
// its renewal before its rebinding before its end.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "station/dhcp_client.h"
#include "station/dhcp_message.h"

using namespace vto::station;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto reply = parse_dhcp_reply(std::span<const std::uint8_t>(data, size));
  if (!reply) return 0;
  check(reply->routers.size() <= 4 && reply->dns.size() <= 4);
  check(reply->type == DhcpType::Offer || reply->type == DhcpType::Ack ||
        reply->type == DhcpType::Nak);
  const auto lease = lease_from_ack(*reply);
  if (!lease) return 0;
  const std::uint32_t host = lease->ip & ~lease->mask;
  check(lease->ip != 0 && (lease->ip >> 24) != 127 && (lease->ip >> 24) < 224);
  check(std::popcount(lease->mask) >= 8 && std::popcount(lease->mask) <= 30);
  check(host != 0 && host != ~lease->mask);
  check(lease->gateway == 0 || (lease->gateway & lease->mask) == (lease->ip & lease->mask));
  check(lease->dns.size() <= 2 && lease->lease_s >= 10);
  if (lease->lease_s != 0xFFFFFFFF)
    check(lease->t1_s < lease->t2_s && lease->t2_s < lease->lease_s);
  const auto a = lease->addresses();
  check(!a.ip.empty() && !a.mask.empty());
  return 0;
}
