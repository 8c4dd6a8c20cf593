#include "station/dhcp_message.h"

#include <algorithm>

namespace vto::station {
namespace {

constexpr std::size_t kHeader = 236;  // op .. file
constexpr std::uint8_t kCookie[4] = {99, 130, 83, 99};
constexpr std::size_t kMinimumSize = 300;

enum Option : std::uint8_t {
  kPad = 0,
  kSubnetMask = 1,
  kRouter = 3,
  kDns = 6,
  kHostName = 12,
  kRequestedAddress = 50,
  kLeaseTime = 51,
  kMessageType = 53,
  kServerId = 54,
  kParameterList = 55,
  kMaxMessageSize = 57,
  kRenewalTime = 58,
  kRebindingTime = 59,
  kClientId = 61,
  kEnd = 255,
};

void put16(std::vector<std::uint8_t>& out, std::size_t at, std::uint16_t v) {
  out[at] = static_cast<std::uint8_t>(v >> 8);
  out[at + 1] = static_cast<std::uint8_t>(v);
}

void put32(std::vector<std::uint8_t>& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

std::uint32_t get32(std::span<const std::uint8_t> in, std::size_t at) {
  return (std::uint32_t{in[at]} << 24) | (std::uint32_t{in[at + 1]} << 16) |
         (std::uint32_t{in[at + 2]} << 8) | std::uint32_t{in[at + 3]};
}

void option(std::vector<std::uint8_t>& out, std::uint8_t code,
            std::initializer_list<std::uint8_t> value) {
  out.push_back(code);
  out.push_back(static_cast<std::uint8_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
}

void address_option(std::vector<std::uint8_t>& out, std::uint8_t code, std::uint32_t a) {
  option(out, code,
         {static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16),
          static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a)});
}

}  // namespace

std::vector<std::uint8_t> encode_dhcp(const DhcpRequest& r) {
  std::vector<std::uint8_t> out(kHeader, 0);
  out[0] = 1;  // BOOTREQUEST
  out[1] = 1;  // Ethernet
  out[2] = 6;  // hardware address length
  put32(out, 4, r.xid);
  put16(out, 8, r.secs);
  put16(out, 10, r.broadcast ? 0x8000 : 0);
  put32(out, 12, r.ciaddr);
  std::copy(r.chaddr.begin(), r.chaddr.end(), out.begin() + 28);
  out.insert(out.end(), std::begin(kCookie), std::end(kCookie));
  option(out, kMessageType, {static_cast<std::uint8_t>(r.type)});
  // The client identifier: hardware type 1 and the MAC, as most clients send it.
  out.push_back(kClientId);
  out.push_back(7);
  out.push_back(1);
  out.insert(out.end(), r.chaddr.begin(), r.chaddr.end());
  if (r.requested != 0) address_option(out, kRequestedAddress, r.requested);
  if (r.server_id != 0) address_option(out, kServerId, r.server_id);
  if (r.type == DhcpType::Discover || r.type == DhcpType::Request) {
    option(out, kParameterList,
           {kSubnetMask, kRouter, kDns, kLeaseTime, kRenewalTime, kRebindingTime});
    option(out, kMaxMessageSize, {0x05, 0xDC});  // 1500
  }
  out.push_back(kEnd);
  if (out.size() < kMinimumSize) out.resize(kMinimumSize, kPad);
  return out;
}

std::optional<DhcpReply> parse_dhcp_reply(std::span<const std::uint8_t> in) {
  if (in.size() < kHeader + sizeof kCookie) return std::nullopt;
  if (in[0] != 2 || in[1] != 1 || in[2] != 6) return std::nullopt;  // BOOTREPLY, Ethernet
  if (!std::equal(std::begin(kCookie), std::end(kCookie), in.begin() + kHeader))
    return std::nullopt;
  DhcpReply r;
  r.xid = get32(in, 4);
  r.yiaddr = get32(in, 16);
  std::copy(in.begin() + 28, in.begin() + 34, r.chaddr.begin());
  bool typed = false, ended = false;
  std::array<bool, 256> seen{};
  std::size_t at = kHeader + sizeof kCookie;
  while (at < in.size()) {
    const std::uint8_t code = in[at++];
    if (code == kPad) continue;
    if (code == kEnd) {
      ended = true;
      break;
    }
    if (at >= in.size()) return std::nullopt;
    const std::size_t length = in[at++];
    if (length > in.size() - at) return std::nullopt;
    const auto value = in.subspan(at, length);
    at += length;
    if (seen[code]) continue;  // the first of a repeated option counts
    seen[code] = true;
    const auto one_address = [&](std::uint32_t& to) {
      if (length == 4) to = get32(value, 0);
    };
    const auto addresses = [&](std::vector<std::uint32_t>& to) {
      if (length == 0 || length % 4 != 0) return;
      for (std::size_t i = 0; i < length && to.size() < 4; i += 4) to.push_back(get32(value, i));
    };
    switch (code) {
      case kMessageType:
        if (length != 1 || value[0] < 1 || value[0] > 8) return std::nullopt;
        r.type = static_cast<DhcpType>(value[0]);
        typed = true;
        break;
      case kSubnetMask:
        one_address(r.mask);
        break;
      case kRouter:
        addresses(r.routers);
        break;
      case kDns:
        addresses(r.dns);
        break;
      case kServerId:
        one_address(r.server_id);
        break;
      case kLeaseTime:
        one_address(r.lease_s);
        break;
      case kRenewalTime:
        one_address(r.t1_s);
        break;
      case kRebindingTime:
        one_address(r.t2_s);
        break;
      default:
        break;
    }
  }
  if (!typed || !ended) return std::nullopt;
  if (r.type != DhcpType::Offer && r.type != DhcpType::Ack && r.type != DhcpType::Nak)
    return std::nullopt;
  return r;
}

}  // namespace vto::station
