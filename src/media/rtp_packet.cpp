#include "media/rtp_packet.h"

namespace vto::media {

std::optional<RtpPacket> parse_rtp(std::string_view packet) {
  constexpr std::size_t kFixed = 12;
  if (packet.size() < kFixed) return std::nullopt;
  const auto byte = [&packet](std::size_t i) { return static_cast<std::uint8_t>(packet[i]); };
  if ((byte(0) >> 6) != 2) return std::nullopt;
  const bool padding = (byte(0) & 0x20) != 0;
  const bool extension = (byte(0) & 0x10) != 0;
  std::size_t start = kFixed + 4 * static_cast<std::size_t>(byte(0) & 0x0F);
  if (extension) {
    if (packet.size() < start + 4) return std::nullopt;
    const std::size_t words = (std::size_t{byte(start + 2)} << 8) | byte(start + 3);
    start += 4 + 4 * words;
  }
  if (packet.size() < start) return std::nullopt;
  std::size_t end = packet.size();
  if (padding) {
    const std::size_t pad = byte(end - 1);
    if (pad == 0 || end - start < pad) return std::nullopt;
    end -= pad;
  }
  RtpPacket out;
  out.payload_type = byte(1) & 0x7F;
  out.ssrc = (std::uint32_t{byte(8)} << 24) | (std::uint32_t{byte(9)} << 16) |
             (std::uint32_t{byte(10)} << 8) | byte(11);
  out.payload = packet.substr(start, end - start);
  return out;
}

}  // namespace vto::media
