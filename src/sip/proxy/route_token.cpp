#include "sip/proxy/route_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

#include "core/secure_random.h"

namespace vto::sip {

RouteToken::RouteToken() {
  core::secure_random().fill(key_.data(), key_.size());
}

std::string RouteToken::sign(std::string_view call_id, std::string_view ip_a,
                             std::string_view ip_b) const {
  if (ip_b < ip_a) std::swap(ip_a, ip_b);
  std::string data;
  data.reserve(call_id.size() + ip_a.size() + ip_b.size() + 2);
  data.append(call_id).append("\n").append(ip_a).append("\n").append(ip_b);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
           &len) == nullptr) {
    throw std::runtime_error("HMAC-SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < 12; ++i) {  // 96 bits
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0xf]);
  }
  return out;
}

bool RouteToken::verify(std::string_view token, std::string_view call_id, std::string_view ip_a,
                        std::string_view ip_b) const {
  const std::string expected = sign(call_id, ip_a, ip_b);
  return token.size() == expected.size() &&
         CRYPTO_memcmp(token.data(), expected.data(), expected.size()) == 0;
}

}  // namespace vto::sip
