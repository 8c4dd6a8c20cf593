#include "sip/auth/digest_nonce.h"

#include "core/secure_random.h"
#include "core/text.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace vto::sip::auth {

namespace {

// Layout: 8 bytes issue time (ms, big endian) | 8 bytes salt | 16 bytes HMAC tag.
constexpr std::size_t kStampSize = 8;
constexpr std::size_t kSaltSize = 8;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kBodySize = kStampSize + kSaltSize;
constexpr std::size_t kNonceBytes = kBodySize + kTagSize;

void fill_random(unsigned char* out, std::size_t size) {
  // Failure means the system CSPRNG is unusable: nothing sensible to do but stop.
  if (RAND_bytes(out, static_cast<int>(size)) != 1) throw std::runtime_error("RAND_bytes failed");
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // we only ever emit lowercase
}

std::array<unsigned char, kTagSize> tag_of(const std::array<unsigned char, 32>& key,
                                           const unsigned char* data, std::size_t size) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data, size, mac.data(), &len) ==
      nullptr)
    throw std::runtime_error("HMAC-SHA-256 failed");
  std::array<unsigned char, kTagSize> tag{};
  std::copy_n(mac.begin(), kTagSize, tag.begin());
  return tag;
}

}  // namespace

NonceMint::NonceMint() {
  fill_random(key_.data(), key_.size());
  static constexpr unsigned char kOpaqueLabel[] = "vto-digest-opaque";
  auto tag = tag_of(key_, kOpaqueLabel, sizeof kOpaqueLabel - 1);
  opaque_ = core::hex(tag);
}

std::string NonceMint::issue(core::TimePoint now) const {
  std::array<unsigned char, kNonceBytes> raw{};
  const auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  for (std::size_t i = 0; i < kStampSize; ++i)
    raw[i] = static_cast<unsigned char>(ms >> (8 * (kStampSize - 1 - i)));
  core::secure_random().fill(raw.data() + kStampSize, kSaltSize);
  auto tag = tag_of(key_, raw.data(), kBodySize);
  std::copy(tag.begin(), tag.end(), raw.begin() + kBodySize);
  return core::hex(raw);
}

std::optional<core::TimePoint> NonceMint::issued_at(std::string_view nonce) const {
  if (nonce.size() != kNonceBytes * 2) return std::nullopt;
  std::array<unsigned char, kNonceBytes> raw{};
  for (std::size_t i = 0; i < kNonceBytes; ++i) {
    const int hi = hex_value(nonce[2 * i]);
    const int lo = hex_value(nonce[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    raw[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  auto tag = tag_of(key_, raw.data(), kBodySize);
  if (CRYPTO_memcmp(tag.data(), raw.data() + kBodySize, kTagSize) != 0) return std::nullopt;
  std::uint64_t ms = 0;
  for (std::size_t i = 0; i < kStampSize; ++i) ms = ms << 8 | raw[i];
  const auto since_epoch = std::chrono::milliseconds(static_cast<std::int64_t>(ms));
  return core::TimePoint(std::chrono::duration_cast<core::SteadyClock::duration>(since_epoch));
}

std::string random_hex(std::size_t bytes) {
  return core::secure_random().hex(bytes);
}

}  // namespace vto::sip::auth
