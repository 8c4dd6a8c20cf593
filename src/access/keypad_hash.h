// The stored form of a keypad password. A keypad password is short (4-8 digits), so a
// plain hash of it would be read back from a copy of the database in a moment. Its stored
// form is Argon2id (libsodium crypto_pwhash) of the password, salted with the device's own
// 16-byte keypad key, which lives outside the database (DATA/keys/keypad.key, 0600, made
// at first use). The salt being the device's, one password gives one hash, so a typed
// password is found with one indexed lookup (credentials.h) after one hash.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vto::access {

class KeypadHasher {
 public:
  static constexpr std::size_t kKeyBytes = 16;

  // Reads DATA/keys/keypad.key, or makes it (the directory 0700, the file 0600).
  static Result<KeypadHasher> open(const std::string& data_dir);
  // With a given key (tests, benchmarks).
  explicit KeypadHasher(const std::array<std::uint8_t, kKeyBytes>& key) : key_(key) {}

  // 64 lower-case hex digits. Costs a few milliseconds and 8 MiB (keep it off the core
  // thread); an empty string if libsodium cannot (out of memory).
  std::string hash(std::string_view code) const;

 private:
  std::array<std::uint8_t, kKeyBytes> key_;
};

}  // namespace vto::access
