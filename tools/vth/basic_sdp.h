// The SDP that vth offers and answers until it carries media (RFC 4566 / RFC 3264):
// one G.711 audio stream (PCMU, PCMA) plus RFC 4733 telephone-events, on a UDP port
// that vth holds open. Real phones (baresip, Linphone) need a valid offer/answer to
// keep a call up, even when no media flows yet.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vto::vth {

// An offer: "m=audio PORT RTP/AVP 0 8 101" from `ip` (numeric; IPv6 without brackets).
std::string sdp_offer(std::string_view ip, std::uint16_t port, std::uint64_t session_id);

// The answer to `offer`: the first of PCMU/PCMA the offer lists for its first audio
// stream, on `port`; every other stream is declined with port 0, as RFC 3264 §6 asks.
// An offer without a usable audio stream gets all its streams declined.
std::string sdp_answer(std::string_view offer, std::string_view ip, std::uint16_t port,
                       std::uint64_t session_id);

}  // namespace vto::vth
