#include "core/secure_random.h"

#include <sodium.h>

#include <cstring>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "core/text.h"

namespace vto::core {

SecureRandom::SecureRandom() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start");
  randombytes_buf(key_.data(), key_.size());
}

SecureRandom::~SecureRandom() {
  sodium_memzero(key_.data(), key_.size());
  sodium_memzero(block_.data(), block_.size());
}

void SecureRandom::refill() {
  static_assert(kKeySize == randombytes_SEEDBYTES);
  randombytes_buf_deterministic(block_.data(), block_.size(), key_.data());
  // The block's first bytes are the next key; they are never handed out.
  std::memcpy(key_.data(), block_.data(), kKeySize);
  sodium_memzero(block_.data(), kKeySize);
  used_ = kKeySize;
}

void SecureRandom::fill(void* out, std::size_t size) {
  auto* dst = static_cast<unsigned char*>(out);
  while (size > 0) {
    if (used_ == kBlockSize) refill();
    const std::size_t n = std::min(size, kBlockSize - used_);
    std::memcpy(dst, block_.data() + used_, n);
    sodium_memzero(block_.data() + used_, n);  // handed out once, then forgotten
    used_ += n;
    dst += n;
    size -= n;
  }
}

std::uint64_t SecureRandom::next_u64() {
  std::uint64_t v = 0;
  fill(&v, sizeof v);
  return v;
}

std::string SecureRandom::hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  fill(raw.data(), raw.size());
  const std::string out = core::hex(raw);
  sodium_memzero(raw.data(), raw.size());
  return out;
}

std::string SecureRandom::text(std::size_t length, std::string_view alphabet) {
  if (alphabet.empty() || alphabet.size() > 256) throw std::invalid_argument("alphabet size");
  // Bytes at or above the largest multiple of the alphabet's size are drawn again.
  const unsigned limit = 256 - 256 % alphabet.size();
  std::string out;
  out.reserve(length);
  while (out.size() < length) {
    unsigned char b = 0;
    fill(&b, 1);
    if (b < limit) out.push_back(alphabet[b % alphabet.size()]);
  }
  return out;
}

SecureRandom& secure_random() {
  thread_local SecureRandom generator;
  return generator;
}

}  // namespace vto::core
