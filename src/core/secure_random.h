// Unpredictable bytes for SIP branch ids, tags, Call-IDs, digest nonces and passwords.
//
// A ChaCha20 keystream (libsodium's randombytes_buf_deterministic) with fast key erasure:
// each block of keystream starts with the key of the next block, which is taken out before
// the rest is handed out, so one value seen never tells the values before or after it.
// The first key comes from the system (getrandom) once per thread; after that no id costs
// a system call.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace vto::core {

class SecureRandom {
 public:
  SecureRandom();  // keyed from the system's generator
  SecureRandom(const SecureRandom&) = delete;
  SecureRandom& operator=(const SecureRandom&) = delete;
  ~SecureRandom();

  void fill(void* out, std::size_t size);
  std::uint64_t next_u64();
  // `bytes` random bytes as lowercase hex (2 * bytes characters).
  std::string hex(std::size_t bytes);
  // `length` characters from `alphabet` (at most 256 letters), without modulo bias.
  std::string text(std::size_t length, std::string_view alphabet);

 private:
  void refill();

  static constexpr std::size_t kKeySize = 32;
  static constexpr std::size_t kBlockSize = 2048;
  std::array<unsigned char, kKeySize> key_{};
  std::array<unsigned char, kBlockSize> block_{};
  std::size_t used_ = kBlockSize;  // bytes of block_ handed out (or the next key)
};

// This thread's generator (the core thread has one, each worker its own).
SecureRandom& secure_random();

}  // namespace vto::core
