// A client's two-way audio packets (media/rtp_packet.h): the payload found is always inside
// the packet, after its 12-byte header.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "media/rtp_packet.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view packet(reinterpret_cast<const char*>(data), size);
  if (auto r = vto::media::parse_rtp(packet)) {
    if (r->payload.data() < packet.data() + 12 ||
        r->payload.data() + r->payload.size() > packet.data() + packet.size())
      std::abort();
  }
  return 0;
}
