#include "access/keypad_hash.h"

#include <sodium.h>

#include <algorithm>

#include "core/key_file.h"

namespace vto::access {
namespace {

// Fixed by the stored hashes: changing them makes every keypad password unknown.
constexpr unsigned long long kOps = 2;
constexpr std::size_t kMemory = 8u * 1024 * 1024;
static_assert(crypto_pwhash_SALTBYTES == KeypadHasher::kKeyBytes);

}  // namespace

Result<KeypadHasher> KeypadHasher::open(const std::string& data_dir) {
  if (sodium_init() < 0) return make_error("keypad key: libsodium failed to start", Errc::Io);
  auto bytes = core::read_or_make_key(data_dir, "keypad.key", kKeyBytes);
  if (!bytes) return make_error("keypad " + bytes.error().message, Errc::Io);
  std::array<std::uint8_t, kKeyBytes> key{};
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return KeypadHasher(key);
}

std::string KeypadHasher::hash(std::string_view code) const {
  std::array<unsigned char, 32> out{};
  if (crypto_pwhash(out.data(), out.size(), code.data(), code.size(), key_.data(), kOps, kMemory,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return {};
  }
  std::array<char, 65> hex{};
  sodium_bin2hex(hex.data(), hex.size(), out.data(), out.size());
  return std::string(hex.data());
}

}  // namespace vto::access
