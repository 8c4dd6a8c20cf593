// The payload of one RTP packet (RFC 3550 §5.1), as a client's two-way audio sends it. No
// GStreamer: the fuzz target links it alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vto::media {

struct RtpPacket {
  std::uint8_t payload_type = 0;
  std::uint32_t ssrc = 0;
  std::string_view payload;  // into the packet given
};

// The packet's header fields and payload: version 2, the CSRC list, a header extension and
// padding skipped. Empty when the packet is not that (too short, wrong version, lengths
// that do not fit).
std::optional<RtpPacket> parse_rtp(std::string_view packet);

}  // namespace vto::media
