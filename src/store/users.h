// The web interface's user accounts: a name, a role (least privilege:
// admin, operator, viewer), an Argon2id password hash (hashing is the caller's, see
// accounts/password_hash.h; the table refuses anything else) and an optional e-mail for
// password resets. The device is "initialized" once an admin exists: until then the web
// interface offers nothing but the initialization page.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/database.h"

namespace vto::store {

enum class Role { Admin, Operator, Viewer };

std::string_view role_name(Role role);
std::optional<Role> parse_role(std::string_view name);

// The password's digest keys (HA1 = H(user:realm:password), lowercase hex), for HTTP and
// RTSP digest authentication (accounts/digest_keys.h makes them). Both empty: not known yet.
// The MD5 key is kept only for accounts with legacy_digest.
struct DigestKeys {
  std::string md5;
  std::string sha256;
  bool empty() const { return md5.empty() && sha256.empty(); }
  bool operator==(const DigestKeys&) const = default;
};

struct User {
  std::string name;  // 1-32 letters, digits, '_', '-', '.'
  Role role = Role::Viewer;
  std::string password_hash;  // "$argon2id$..."
  std::string email;          // empty, or a plausible address
  std::int64_t created_ms = 0;
  DigestKeys digest = {};
  // Keeps the MD5 digest key too, for players and NVRs that speak nothing else; without it
  // the MD5 key is never stored (the table clears it).
  bool legacy_digest = false;
  // The ONVIF password, sealed (accounts/onvif_secrets.h); empty: the account has none.
  std::string onvif_secret = {};
  bool operator==(const User&) const = default;
};

class Users {
 public:
  explicit Users(Database& db) : db_(db) {}

  // Whether an admin account exists.
  Result<bool> initialized();
  // Creates the first admin, only while no admin exists (Errc::Conflict then), in one
  // transaction so that two initializations cannot both succeed.
  Result<void> initialize(const User& admin);
  Result<void> add(const User& user);  // Errc::Conflict when the name is taken
  Result<std::optional<User>> find(const std::string& name);
  Result<std::vector<User>> list();  // by name
  // A new password: its hash and its digest keys together (keys left empty are cleared, so
  // the old password's keys never outlive it).
  Result<void> set_password_hash(const std::string& name, const std::string& hash,
                                 const DigestKeys& digest = {});
  // The digest keys of the current password (learnt at a login), unless the password
  // changed meanwhile: only while the stored hash is still `hash`.
  Result<void> set_digest_keys(const std::string& name, const std::string& hash,
                               const DigestKeys& digest);
  // Turns legacy (MD5) digest on with the password's MD5 key (empty: learnt at the next
  // login or password change), or off, dropping the MD5 key. Errc::NotFound when absent.
  Result<void> set_legacy_digest(const std::string& name, bool on, const std::string& md5 = {});
  // Sets the sealed ONVIF password ("" removes it). Errc::NotFound when absent.
  Result<void> set_onvif_secret(const std::string& name, const std::string& sealed);
  // Removes an account (and the API tokens it made): Errc::NotFound when absent, Errc::Conflict
  // when it is the last admin (the device would need initializing again, which only local access
  // may do).
  Result<void> remove(const std::string& name);

 private:
  Database& db_;
};

// Digest keys are lowercase hex of the right length (32 for MD5, 64 for SHA-256) or empty.
bool valid_digest_keys(const DigestKeys& digest);

// The rules of a user's fields (name, e-mail, hash form), as Errc::Invalid errors naming them.
Result<void> validate_user(const User& user);

}  // namespace vto::store
