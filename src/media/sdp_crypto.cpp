#include "media/sdp_crypto.h"

#include <charconv>

#include "core/secure_random.h"
#include "core/text.h"

namespace vto::media {
namespace {

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(const MasterKey& key) {
  std::string out;
  out.reserve(40);
  for (std::size_t i = 0; i < key.size(); i += 3) {  // 30 bytes: whole groups, no padding
    const std::uint32_t v = (key[i] << 16) | (key[i + 1] << 8) | key[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kBase64[(v >> shift) & 0x3F];
  }
  return out;
}

// Exactly 30 bytes: 40 base64 characters without padding (RFC 4568 keys are not padded
// for this suite's 240 bits).
std::optional<MasterKey> unbase64(std::string_view text) {
  if (text.size() != 40) return std::nullopt;
  MasterKey key{};
  std::size_t out = 0;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t v = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const auto pos = kBase64.find(text[i + j]);
      if (pos == std::string_view::npos) return std::nullopt;
      v = (v << 6) | static_cast<std::uint32_t>(pos);
    }
    key[out++] = static_cast<std::uint8_t>(v >> 16);
    key[out++] = static_cast<std::uint8_t>(v >> 8);
    key[out++] = static_cast<std::uint8_t>(v);
  }
  return key;
}

}  // namespace

std::string_view to_string(SrtpPolicy policy) {
  switch (policy) {
    case SrtpPolicy::Off:
      return "off";
    case SrtpPolicy::Preferred:
      return "preferred";
    case SrtpPolicy::Required:
      return "required";
  }
  return "off";
}

std::optional<SrtpPolicy> parse_srtp_policy(std::string_view text) {
  if (text == "off") return SrtpPolicy::Off;
  if (text == "preferred") return SrtpPolicy::Preferred;
  if (text == "required") return SrtpPolicy::Required;
  return std::nullopt;
}

std::string_view suite_name(SrtpSuite suite) {
  return suite == SrtpSuite::AesCm128HmacSha1_32 ? "AES_CM_128_HMAC_SHA1_32"
                                                 : "AES_CM_128_HMAC_SHA1_80";
}

std::optional<SrtpSuite> parse_suite(std::string_view name) {
  if (name == "AES_CM_128_HMAC_SHA1_80") return SrtpSuite::AesCm128HmacSha1_80;
  if (name == "AES_CM_128_HMAC_SHA1_32") return SrtpSuite::AesCm128HmacSha1_32;
  return std::nullopt;
}

std::string_view gst_cipher(SrtpSuite) {
  return "aes-128-icm";
}

std::string_view gst_auth(SrtpSuite suite) {
  return suite == SrtpSuite::AesCm128HmacSha1_32 ? "hmac-sha1-32" : "hmac-sha1-80";
}

MasterKey new_master_key() {
  thread_local core::SecureRandom random;
  MasterKey key{};
  random.fill(key.data(), key.size());
  return key;
}

std::string to_hex(const MasterKey& key) {
  return core::hex(key, true);
}

std::string to_attribute(const CryptoAttribute& crypto) {
  return "crypto:" + std::to_string(crypto.tag) + " " + std::string(suite_name(crypto.suite)) +
         " inline:" + base64(crypto.key);
}

Result<CryptoAttribute> parse_crypto(std::string_view value) {
  // tag 1*9DIGIT, one space, suite, one space, key-params, [ space session-params ]
  const auto sp1 = value.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0 || sp1 > 9)
    return make_error("crypto: no tag", Errc::Invalid);
  CryptoAttribute c;
  const std::string_view tag = value.substr(0, sp1);
  if (tag.find_first_not_of("0123456789") != std::string_view::npos)
    return make_error("crypto: the tag is not a number", Errc::Invalid);
  std::from_chars(tag.data(), tag.data() + tag.size(), c.tag);
  value.remove_prefix(sp1 + 1);
  const auto sp2 = value.find(' ');
  if (sp2 == std::string_view::npos) return make_error("crypto: no key", Errc::Invalid);
  auto suite = parse_suite(value.substr(0, sp2));
  if (!suite) return make_error("crypto: a suite this station does not use", Errc::Unsupported);
  c.suite = *suite;
  value.remove_prefix(sp2 + 1);
  if (value.find(' ') != std::string_view::npos)
    return make_error("crypto: session parameters are not accepted", Errc::Unsupported);
  if (value.find(';') != std::string_view::npos)
    return make_error("crypto: one key only", Errc::Unsupported);
  if (!value.starts_with("inline:")) return make_error("crypto: not an inline key", Errc::Invalid);
  value.remove_prefix(7);
  const auto bar = value.find('|');
  auto key = unbase64(value.substr(0, bar));
  if (!key) return make_error("crypto: the key is not 30 bytes of base64", Errc::Invalid);
  c.key = *key;
  if (bar != std::string_view::npos) {
    std::string_view rest = value.substr(bar + 1);
    const auto bar2 = rest.find('|');
    std::string_view lifetime = rest.substr(0, bar2);
    if (bar2 != std::string_view::npos || lifetime.find(':') != std::string_view::npos)
      return make_error("crypto: MKI is not used by this station", Errc::Unsupported);
    if (lifetime.empty() || lifetime.find_first_not_of("0123456789^") != std::string_view::npos)
      return make_error("crypto: a malformed lifetime", Errc::Invalid);
  }
  return c;
}

}  // namespace vto::media
