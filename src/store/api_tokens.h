// API tokens: long-lived secrets that scripts and home automation send
// instead of a login, each with a name and a role. The secret ("vto_" and 32 random bytes
// in base64url) is shown once, at creation; the table keeps only its SHA-256, which is
// enough for a secret of that entropy, so a copy of the database grants nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/database.h"
#include "store/users.h"

namespace vto::store {

inline constexpr std::string_view kApiTokenPrefix = "vto_";
inline constexpr std::size_t kMaxApiTokenName = 64;
// last_used_ms is written again only when it is this much older than the use: a script
// polling every second must not cost a database commit (and a flash write) per request.
inline constexpr std::int64_t kTokenUseResolutionMs = 60 * 1000;
// How long a token may be made to last, in days, and what it lasts when nobody says.
inline constexpr int kMaxTokenDays = 365, kDefaultTokenDays = 90;

// What create() hands out once.
struct CreatedToken {
  std::int64_t id = 0;
  std::string secret;  // "vto_" + 43 base64url characters
};

struct TokenInfo {
  std::int64_t id = 0;
  std::string name;  // 1-64 printable ASCII characters
  Role role = Role::Viewer;
  std::string created_by;  // the user who created it
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> last_used_ms;  // nothing until first used
  std::int64_t expires_ms = 0;               // refused from then on

  bool operator==(const TokenInfo&) const = default;
};

class ApiTokens {
 public:
  explicit ApiTokens(Database& db) : db_(db) {}

  // A new token, good until `expires_ms`. Errc::Invalid for a bad name, an empty created_by or
  // an expiry not after now_ms. The token goes when the account created_by is removed.
  Result<CreatedToken> create(const std::string& name, Role role, const std::string& created_by,
                              std::int64_t now_ms, std::int64_t expires_ms);
  // The token `secret` is, its use recorded at `now_ms` (see kTokenUseResolutionMs);
  // nothing for an unknown, malformed or expired secret.
  Result<std::optional<TokenInfo>> authenticate(std::string_view secret, std::int64_t now_ms);
  Result<std::vector<TokenInfo>> list();  // by id
  Result<void> revoke(std::int64_t id);   // Errc::NotFound for an unknown id

 private:
  Database& db_;
};

// The stored form of a secret: SHA-256, 64 lower-case hex digits.
std::string api_token_hash(std::string_view secret);

}  // namespace vto::store
