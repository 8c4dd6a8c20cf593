// DHCP messages (RFC 2131, options RFC 2132) as a client sends and reads them: what a door
// station needs to take its IPv4 address, mask, router and DNS servers from the network.
//
// parse_dhcp_reply() reads a server's BOOTREPLY and keeps only what the client uses; every
// length is checked against the datagram, and anything malformed is no message at all. The
// values are not judged here: DhcpClient decides what is plausible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace vto::station {

using MacAddress = std::array<std::uint8_t, 6>;

enum class DhcpType : std::uint8_t {
  Discover = 1,
  Offer = 2,
  Request = 3,
  Decline = 4,
  Ack = 5,
  Nak = 6,
  Release = 7,
};

// IPv4 addresses are in host byte order (0x0A000001 is 10.0.0.1); 0 is "none".
struct DhcpReply {
  DhcpType type = DhcpType::Offer;
  std::uint32_t xid = 0;
  MacAddress chaddr{};
  std::uint32_t yiaddr = 0;                 // the address offered or acknowledged
  std::uint32_t server_id = 0;              // option 54
  std::uint32_t lease_s = 0;                // option 51; 0xFFFFFFFF: infinite
  std::uint32_t t1_s = 0, t2_s = 0;         // options 58 and 59; 0: not sent
  std::uint32_t mask = 0;                   // option 1
  std::vector<std::uint32_t> routers, dns;  // options 3 and 6, at most 4 each
};

// What the client puts in a message it sends.
struct DhcpRequest {
  DhcpType type = DhcpType::Discover;
  std::uint32_t xid = 0;
  MacAddress chaddr{};
  std::uint16_t secs = 0;
  std::uint32_t ciaddr = 0;     // renewing, rebinding, releasing: the address held
  std::uint32_t requested = 0;  // option 50 (selecting, init-reboot)
  std::uint32_t server_id = 0;  // option 54 (selecting, release)
  bool broadcast = true;        // the BROADCAST flag: answer to 255.255.255.255
};

// The datagram for `r`: the BOOTP header, the magic cookie, the options (message type,
// client identifier, requested address, server identifier, parameter list, maximum size,
// end), padded to the 300 bytes old servers expect.
std::vector<std::uint8_t> encode_dhcp(const DhcpRequest& r);

// A BOOTREPLY with the magic cookie and a message type, or nothing.
std::optional<DhcpReply> parse_dhcp_reply(std::span<const std::uint8_t> datagram);

}  // namespace vto::station
