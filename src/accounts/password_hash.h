// Password hashes for the web interface's accounts: Argon2id through libsodium's
// crypto_pwhash_str, in its self-describing "$argon2id$v=19$m=...,t=...,p=1$salt$hash" form,
// so a stored hash carries its own cost and needs_rehash() can tell when to upgrade it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vto::accounts {

inline constexpr std::size_t kMaxHashedPasswordBytes = 1024;

// hash_password fails with Errc::Invalid (too long, or contains NUL) or Errc::Io (libsodium
// failed: out of memory).

// Argon2id cost: passes over memory and memory in bytes.
struct HashCost {
  unsigned long long ops_limit;
  std::size_t mem_limit;

  // crypto_pwhash_OPSLIMIT/MEMLIMIT_MODERATE: 3 passes over 256 MiB; for hosts with memory
  // to spare.
  static HashCost moderate();
  // crypto_pwhash_OPSLIMIT/MEMLIMIT_INTERACTIVE: 2 passes over 64 MiB. The default: a door
  // station's board may have 256-512 MiB in all, and a login must not take a quarter of it
  // (still above OWASP's minimum for Argon2id, 19 MiB and 2 passes).
  static HashCost interactive();

  friend bool operator==(const HashCost&, const HashCost&) = default;
};

// A new salted hash of `password`. Refuses passwords over 1024 bytes or containing NUL.
// Measured once on the development machine (AMD EPYC, 2 shared cores, RelWithDebInfo): a
// moderate hash takes about 0.41 s (verifying costs the same), an interactive one about 65 ms.
// Each login holds a core and the cost's memory for that long.
Result<std::string> hash_password(std::string_view password,
                                  HashCost cost = HashCost::interactive());

// Whether `password` matches `stored_hash`. False for a malformed hash or a password
// hash_password would refuse; never throws.
bool verify_password(std::string_view stored_hash, std::string_view password);

// Whether `stored_hash` was made with another cost than `cost` (or another algorithm) and
// should be replaced after the next successful login. True for a malformed hash.
bool needs_rehash(std::string_view stored_hash, HashCost cost);

}  // namespace vto::accounts
