#include "accounts/password_hash.h"

#include <sodium.h>

namespace vto::accounts {
namespace {

// sodium_init() is itself safe to call from several threads; the function-local static
// makes it run once and remembers whether it worked.
bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

bool acceptable_password(std::string_view password) {
  return password.size() <= kMaxHashedPasswordBytes &&
         password.find('\0') == std::string_view::npos;
}

// crypto_pwhash_str_* want a NUL-terminated string shorter than crypto_pwhash_STRBYTES.
bool plausible_hash(std::string_view stored_hash) {
  return !stored_hash.empty() && stored_hash.size() < crypto_pwhash_STRBYTES &&
         stored_hash.find('\0') == std::string_view::npos;
}

}  // namespace

HashCost HashCost::moderate() {
  return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
}

HashCost HashCost::interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

Result<std::string> hash_password(std::string_view password, HashCost cost) {
  if (password.size() > kMaxHashedPasswordBytes) {
    return make_error("password: at most " + std::to_string(kMaxHashedPasswordBytes) + " bytes",
                      Errc::Invalid);
  }
  if (password.find('\0') != std::string_view::npos) {
    return make_error("password: must not contain NUL characters", Errc::Invalid);
  }
  if (!sodium_ready()) return make_error("password hash: libsodium failed to start", Errc::Io);
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), cost.ops_limit, cost.mem_limit) !=
      0) {
    return make_error("password hash: Argon2id failed (out of memory?)", Errc::Io);
  }
  return std::string(out);
}

bool verify_password(std::string_view stored_hash, std::string_view password) {
  if (!plausible_hash(stored_hash) || !acceptable_password(password) || !sodium_ready()) {
    return false;
  }
  const std::string hash(stored_hash);
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool needs_rehash(std::string_view stored_hash, HashCost cost) {
  if (!plausible_hash(stored_hash) || !sodium_ready()) return true;
  const std::string hash(stored_hash);
  return crypto_pwhash_str_needs_rehash(hash.c_str(), cost.ops_limit, cost.mem_limit) != 0;
}

}  // namespace vto::accounts
