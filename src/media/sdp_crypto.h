// SRTP keys in SDP (SDES, RFC 4568): the a=crypto attribute, the suites this station
// speaks, and fresh master keys. A key only ever travels in SDP carried over TLS: the
// negotiation (sdp_negotiate.h) offers and accepts keys only when told the signalling is
// encrypted. No GStreamer here (the fuzz targets link this file).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vto::media {

// What the station does about SRTP: never, when the peer offers or accepts it, or always
// (a call that cannot be encrypted is refused).
enum class SrtpPolicy { Off, Preferred, Required };
std::string_view to_string(SrtpPolicy policy);  // "off", "preferred", "required"
std::optional<SrtpPolicy> parse_srtp_policy(std::string_view text);

// The suites of RFC 4568 §6.2 that GStreamer's srtpenc/srtpdec and the phones share: AES
// counter mode with a 128-bit key, HMAC-SHA1 with an 80- or 32-bit tag.
enum class SrtpSuite { AesCm128HmacSha1_80, AesCm128HmacSha1_32 };
std::string_view suite_name(SrtpSuite suite);  // "AES_CM_128_HMAC_SHA1_80"
std::optional<SrtpSuite> parse_suite(std::string_view name);
// GStreamer's names: cipher "aes-128-icm"; authentication "hmac-sha1-80" / "hmac-sha1-32".
std::string_view gst_cipher(SrtpSuite suite);
std::string_view gst_auth(SrtpSuite suite);

// A master key (16 bytes) and master salt (14 bytes), as one 30-byte value (RFC 4568 §6.1).
using MasterKey = std::array<std::uint8_t, 30>;
MasterKey new_master_key();                // from the CSPRNG
std::string to_hex(const MasterKey& key);  // upper-case, for GStreamer's buffer fields

// One a=crypto line: "crypto:<tag> <suite> inline:<base64 key||salt>[|lifetime]".
struct CryptoAttribute {
  int tag = 1;  // 1..999999999
  SrtpSuite suite = SrtpSuite::AesCm128HmacSha1_80;
  MasterKey key{};
};

// The attribute text without "a=" (as in MediaDescription::attributes).
std::string to_attribute(const CryptoAttribute& crypto);
// Parses the value after "crypto:". Refused (an error naming why): an unknown suite, a key
// that is not 30 bytes of base64, more than one key, an MKI (this station does not use
// them), or session parameters (which could ask for unencrypted or unauthenticated SRTP).
// A lifetime is accepted and ignored.
Result<CryptoAttribute> parse_crypto(std::string_view value);

// The first a=crypto attribute of `attributes` this station can use, in the offerer's order.
template <typename Attributes>
std::optional<CryptoAttribute> first_usable_crypto(const Attributes& attributes) {
  for (const auto& a : attributes) {
    std::string_view text(a);
    if (!text.starts_with("crypto:")) continue;
    if (auto c = parse_crypto(text.substr(7))) return *c;
  }
  return std::nullopt;
}

}  // namespace vto::media
