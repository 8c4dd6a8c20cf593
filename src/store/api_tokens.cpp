#include "store/api_tokens.h"

#include <SQLiteCpp/Statement.h>
#include <sodium.h>

#include <array>
#include <exception>

namespace vto::store {
namespace {

constexpr std::size_t kSecretBytes = 32;
constexpr int kBase64Variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
constexpr std::size_t kSecretLength =
    kApiTokenPrefix.size() + sodium_base64_ENCODED_LEN(kSecretBytes, kBase64Variant) - 1;

constexpr const char* kColumns =
    "SELECT id, name, role, created_by, created_ms, last_used_ms, expires_ms FROM api_tokens";

Error invalid(std::string_view field, std::string_view rule) {
  return make_error(std::string(field) + ": " + std::string(rule), Errc::Invalid);
}

Error db_error(Database& db, const std::exception& e) {
  return make_error(db.path() + ": " + e.what(), Errc::Io);
}

// sodium_init() is safe to call from several threads; the static runs it once.
bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

std::string new_secret() {
  std::array<unsigned char, kSecretBytes> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::array<char, sodium_base64_ENCODED_LEN(kSecretBytes, kBase64Variant)> text{};
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), kBase64Variant);
  sodium_memzero(bytes.data(), bytes.size());
  return std::string(kApiTokenPrefix) + text.data();
}

Result<void> validate(const std::string& name, const std::string& created_by) {
  if (name.empty() || name.size() > kMaxApiTokenName) {
    return invalid("token name", "1 to 64 characters");
  }
  for (const char c : name) {
    if (c < 0x20 || c > 0x7e) return invalid("token name", "printable ASCII characters only");
  }
  if (created_by.empty() || created_by.size() > 64) {
    return invalid("created by", "1 to 64 characters");
  }
  return {};
}

TokenInfo token_from(SQLite::Statement& st) {
  TokenInfo t;
  t.id = st.getColumn(0).getInt64();
  t.name = st.getColumn(1).getString();
  t.role = parse_role(st.getColumn(2).getString()).value_or(Role::Viewer);
  t.created_by = st.getColumn(3).getString();
  t.created_ms = st.getColumn(4).getInt64();
  if (!st.getColumn(5).isNull()) t.last_used_ms = st.getColumn(5).getInt64();
  t.expires_ms = st.getColumn(6).getInt64();
  return t;
}

}  // namespace

std::string api_token_hash(std::string_view secret) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string(hex.data());
}

Result<CreatedToken> ApiTokens::create(const std::string& name, Role role,
                                       const std::string& created_by, std::int64_t now_ms,
                                       std::int64_t expires_ms) {
  if (auto ok = validate(name, created_by); !ok) return ok.error();
  if (expires_ms <= now_ms) return invalid("expiry", "a time to come");
  if (!sodium_ready()) return make_error("api token: libsodium failed to start", Errc::Io);
  try {
    CreatedToken made{0, new_secret()};
    SQLite::Statement st(db_.connection(),
                         "INSERT INTO api_tokens (name, role, token_hash, created_ms, created_by, "
                         "expires_ms) VALUES (?, ?, ?, ?, ?, ?)");
    st.bind(1, name);
    st.bind(2, std::string(role_name(role)));
    st.bind(3, api_token_hash(made.secret));
    st.bind(4, now_ms);
    st.bind(5, created_by);
    st.bind(6, expires_ms);
    st.exec();
    made.id = db_.connection().getLastInsertRowid();
    return made;
  } catch (const std::exception& e) {
    return db_error(db_, e);
  }
}

Result<std::optional<TokenInfo>> ApiTokens::authenticate(std::string_view secret,
                                                         std::int64_t now_ms) {
  // Not a secret create() could have made: no need to ask the database.
  if (secret.size() != kSecretLength || !secret.starts_with(kApiTokenPrefix)) {
    return std::optional<TokenInfo>();
  }
  try {
    auto& db = db_.connection();
    SQLite::Statement find(db, std::string(kColumns) + " WHERE token_hash = ?");
    find.bind(1, api_token_hash(secret));
    if (!find.executeStep()) return std::optional<TokenInfo>();
    TokenInfo token = token_from(find);
    find.reset();
    if (now_ms >= token.expires_ms) return std::optional<TokenInfo>();
    // A clock set back records the earlier time rather than freezing last_used_ms.
    const bool stale = !token.last_used_ms || now_ms < *token.last_used_ms ||
                       now_ms - *token.last_used_ms >= kTokenUseResolutionMs;
    if (stale) {
      SQLite::Statement used(db, "UPDATE api_tokens SET last_used_ms = ? WHERE id = ?");
      used.bind(1, now_ms);
      used.bind(2, token.id);
      used.exec();
      token.last_used_ms = now_ms;
    }
    return std::optional<TokenInfo>(std::move(token));
  } catch (const std::exception& e) {
    return db_error(db_, e);
  }
}

Result<std::vector<TokenInfo>> ApiTokens::list() {
  try {
    SQLite::Statement st(db_.connection(), std::string(kColumns) + " ORDER BY id");
    std::vector<TokenInfo> tokens;
    while (st.executeStep()) tokens.push_back(token_from(st));
    return tokens;
  } catch (const std::exception& e) {
    return db_error(db_, e);
  }
}

Result<void> ApiTokens::revoke(std::int64_t id) {
  try {
    SQLite::Statement st(db_.connection(), "DELETE FROM api_tokens WHERE id = ?");
    st.bind(1, id);
    if (st.exec() == 0) {
      return make_error("api token " + std::to_string(id) + ": not found", Errc::NotFound);
    }
    return {};
  } catch (const std::exception& e) {
    return db_error(db_, e);
  }
}

}  // namespace vto::store
