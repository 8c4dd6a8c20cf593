// The accounts' ONVIF passwords. ONVIF clients prove a password with WS-Security's
// PasswordDigest, SHA-1(nonce + created + password), which only the password itself can
// check: unlike the web password (Argon2id only), it must be kept. It is a password of its
// own, set per account by an admin (Users page), never the web password, and it is stored
// sealed (libsodium secretbox, XSalsa20-Poly1305) with the device's ONVIF key, which lives
// outside the database (DATA/keys/onvif.key, 0600): a copy of the database alone gives
// no ONVIF password.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vto::accounts {

class OnvifSecrets {
 public:
  static constexpr std::size_t kKeyBytes = 32;

  // Reads DATA/keys/onvif.key, or makes it.
  static Result<OnvifSecrets> open(const std::string& data_dir);
  explicit OnvifSecrets(const std::array<std::uint8_t, kKeyBytes>& key) : key_(key) {}

  // base64 of a random nonce and the sealed password.
  std::string seal(std::string_view password) const;
  // The password; Errc::Invalid when `sealed` was not made with this key (or was changed).
  Result<std::string> unseal(std::string_view sealed) const;

 private:
  std::array<std::uint8_t, kKeyBytes> key_;
};

}  // namespace vto::accounts
