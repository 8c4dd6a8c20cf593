#include "accounts/onvif_secrets.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/key_file.h"

namespace vto::accounts {

static_assert(crypto_secretbox_KEYBYTES == OnvifSecrets::kKeyBytes);

Result<OnvifSecrets> OnvifSecrets::open(const std::string& data_dir) {
  if (sodium_init() < 0) return make_error("ONVIF key: libsodium failed to start", Errc::Io);
  auto bytes = core::read_or_make_key(data_dir, "onvif.key", kKeyBytes);
  if (!bytes) return make_error("ONVIF " + bytes.error().message, Errc::Io);
  std::array<std::uint8_t, kKeyBytes> key{};
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return OnvifSecrets(key);
}

std::string OnvifSecrets::seal(std::string_view password) const {
  std::vector<unsigned char> box(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                                 password.size());
  randombytes_buf(box.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(box.data() + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(password.data()), password.size(),
                        box.data(), key_.data());
  std::string out(sodium_base64_encoded_len(box.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), box.data(), box.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

Result<std::string> OnvifSecrets::unseal(std::string_view sealed) const {
  if (sealed.empty()) return make_error("ONVIF password: not sealed by this device", Errc::Invalid);
  std::vector<unsigned char> box(sealed.size());
  std::size_t length = 0;
  if (sodium_base642bin(box.data(), box.size(), sealed.data(), sealed.size(), nullptr, &length,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      length < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return make_error("ONVIF password: not sealed by this device", Errc::Invalid);
  std::string password(length - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(password.data()),
                                 box.data() + crypto_secretbox_NONCEBYTES,
                                 length - crypto_secretbox_NONCEBYTES, box.data(),
                                 key_.data()) != 0)
    return make_error("ONVIF password: not sealed by this device", Errc::Invalid);
  return password;
}

}  // namespace vto::accounts
