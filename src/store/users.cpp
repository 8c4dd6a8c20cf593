#include "store/users.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <exception>

#include "store/guarded.h"

namespace vto::store {
namespace {

Error invalid(std::string_view field, std::string_view rule) {
  return make_error(std::string(field) + ": " + std::string(rule), Errc::Invalid);
}

User read_user(SQLite::Statement& st) {
  User u;
  u.name = st.getColumn(0).getString();
  u.role = parse_role(st.getColumn(1).getString()).value_or(Role::Viewer);
  u.password_hash = st.getColumn(2).getString();
  u.email = st.getColumn(3).getString();
  u.created_ms = st.getColumn(4).getInt64();
  u.digest.md5 = st.getColumn(5).getString();
  u.digest.sha256 = st.getColumn(6).getString();
  u.legacy_digest = st.getColumn(7).getInt() != 0;
  u.onvif_secret = st.getColumn(8).getString();
  return u;
}

bool name_taken(SQLite::Database& db, const std::string& name) {
  SQLite::Statement st(db, "SELECT 1 FROM users WHERE name = ?");
  st.bind(1, name);
  return st.executeStep();
}

void insert(SQLite::Database& db, const User& u) {
  SQLite::Statement st(db,
                       "INSERT INTO users (name, role, password_hash, email, created_ms, "
                       "digest_md5, digest_sha256, legacy_digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  st.bind(1, u.name);
  st.bind(2, std::string(role_name(u.role)));
  st.bind(3, u.password_hash);
  st.bind(4, u.email);
  st.bind(5, static_cast<std::int64_t>(u.created_ms));
  st.bind(6, u.legacy_digest ? u.digest.md5 : std::string());
  st.bind(7, u.digest.sha256);
  st.bind(8, u.legacy_digest ? 1 : 0);
  st.exec();
}

}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::Admin:
      return "admin";
    case Role::Operator:
      return "operator";
    case Role::Viewer:
      return "viewer";
  }
  return "viewer";
}

std::optional<Role> parse_role(std::string_view name) {
  if (name == "admin") return Role::Admin;
  if (name == "operator") return Role::Operator;
  if (name == "viewer") return Role::Viewer;
  return std::nullopt;
}

bool valid_digest_keys(const DigestKeys& digest) {
  auto hex_of = [](const std::string& s, std::size_t size) {
    if (s.empty()) return true;
    if (s.size() != size) return false;
    return s.find_first_not_of("0123456789abcdef") == std::string::npos;
  };
  return hex_of(digest.md5, 32) && hex_of(digest.sha256, 64);
}

Result<void> validate_user(const User& user) {
  if (user.name.empty() || user.name.size() > 32) return invalid("user name", "1 to 32 characters");
  for (const char c : user.name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return invalid("user name", "letters, digits, '_', '-' and '.' only");
  }
  if (!user.password_hash.starts_with("$argon2id$")) {
    return invalid("password", "stored only as an Argon2id hash");
  }
  if (!user.email.empty()) {
    const auto at = user.email.find('@');
    const bool plausible = user.email.size() <= 254 && at != std::string::npos && at > 0 &&
                           user.email.find('.', at) != std::string::npos &&
                           user.email.back() != '.' &&
                           user.email.find_first_of(" \t\r\n<>,;\"") == std::string::npos &&
                           user.email.find('@', at + 1) == std::string::npos;
    if (!plausible) return invalid("e-mail", "an address like name@example.org");
  }
  if (!valid_digest_keys(user.digest)) return invalid("digest keys", "lowercase hex digests");
  return {};
}

Result<bool> Users::initialized() {
  return guarded<bool>(db_, [](SQLite::Database& db) {
    SQLite::Statement st(db, "SELECT 1 FROM users WHERE role = 'admin' LIMIT 1");
    return st.executeStep();
  });
}

Result<void> Users::initialize(const User& admin) {
  if (admin.role != Role::Admin) return invalid("role", "the first account is an admin");
  if (auto ok = validate_user(admin); !ok) return ok;
  return guarded<void>(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement any(db, "SELECT 1 FROM users WHERE role = 'admin' LIMIT 1");
    if (any.executeStep()) return make_error("the device is already initialized", Errc::Conflict);
    if (name_taken(db, admin.name)) {
      return make_error("user name \"" + admin.name + "\": already taken", Errc::Conflict);
    }
    insert(db, admin);
    tx.commit();
    return {};
  });
}

Result<void> Users::add(const User& user) {
  if (auto ok = validate_user(user); !ok) return ok;
  return guarded<void>(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (name_taken(db, user.name)) {
      return make_error("user name \"" + user.name + "\": already taken", Errc::Conflict);
    }
    insert(db, user);
    tx.commit();
    return {};
  });
}

Result<std::optional<User>> Users::find(const std::string& name) {
  return guarded<std::optional<User>>(db_, [&](SQLite::Database& db) -> std::optional<User> {
    SQLite::Statement st(
        db,
        "SELECT name, role, password_hash, email, created_ms, digest_md5, digest_sha256, "
        "legacy_digest, onvif_secret "
        "FROM users WHERE name = ?");
    st.bind(1, name);
    if (!st.executeStep()) return std::nullopt;
    return read_user(st);
  });
}

Result<std::vector<User>> Users::list() {
  return guarded<std::vector<User>>(db_, [](SQLite::Database& db) {
    SQLite::Statement st(
        db,
        "SELECT name, role, password_hash, email, created_ms, digest_md5, digest_sha256, "
        "legacy_digest, onvif_secret "
        "FROM users ORDER BY name");
    std::vector<User> users;
    while (st.executeStep()) users.push_back(read_user(st));
    return users;
  });
}

Result<void> Users::set_password_hash(const std::string& name, const std::string& hash,
                                      const DigestKeys& digest) {
  if (!hash.starts_with("$argon2id$"))
    return invalid("password", "stored only as an Argon2id hash");
  if (!valid_digest_keys(digest)) return invalid("digest keys", "lowercase hex digests");
  return guarded<void>(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Statement st(db,
                         "UPDATE users SET password_hash = ?, digest_md5 = CASE WHEN "
                         "legacy_digest THEN ? ELSE '' END, digest_sha256 = ? WHERE name = ?");
    st.bind(1, hash);
    st.bind(2, digest.md5);
    st.bind(3, digest.sha256);
    st.bind(4, name);
    if (st.exec() == 0) return make_error("user \"" + name + "\": not found", Errc::NotFound);
    return {};
  });
}

Result<void> Users::set_digest_keys(const std::string& name, const std::string& hash,
                                    const DigestKeys& digest) {
  if (!valid_digest_keys(digest)) return invalid("digest keys", "lowercase hex digests");
  return guarded<void>(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Statement st(db,
                         "UPDATE users SET digest_md5 = CASE WHEN legacy_digest THEN ? ELSE "
                         "'' END, digest_sha256 = ? WHERE name = ? AND password_hash = ?");
    st.bind(1, digest.md5);
    st.bind(2, digest.sha256);
    st.bind(3, name);
    st.bind(4, hash);
    st.exec();  // no row: the password changed meanwhile, its keys are already right
    return {};
  });
}

Result<void> Users::set_onvif_secret(const std::string& name, const std::string& sealed) {
  return guarded<void>(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Statement st(db, "UPDATE users SET onvif_secret = ? WHERE name = ?");
    st.bind(1, sealed);
    st.bind(2, name);
    if (st.exec() == 0) return make_error("user \"" + name + "\": not found", Errc::NotFound);
    return {};
  });
}

Result<void> Users::set_legacy_digest(const std::string& name, bool on, const std::string& md5) {
  if (!valid_digest_keys(DigestKeys{md5, {}})) {
    return invalid("digest keys", "lowercase hex digests");
  }
  return guarded<void>(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Statement st(db, "UPDATE users SET legacy_digest = ?, digest_md5 = ? WHERE name = ?");
    st.bind(1, on ? 1 : 0);
    st.bind(2, on ? md5 : std::string());
    st.bind(3, name);
    if (st.exec() == 0) return make_error("user \"" + name + "\": not found", Errc::NotFound);
    return {};
  });
}

Result<void> Users::remove(const std::string& name) {
  return guarded<void>(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement role(db, "SELECT role FROM users WHERE name = ?");
    role.bind(1, name);
    if (!role.executeStep()) return make_error("user \"" + name + "\": not found", Errc::NotFound);
    if (role.getColumn(0).getString() == "admin") {
      SQLite::Statement admins(db, "SELECT COUNT(*) FROM users WHERE role = 'admin'");
      admins.executeStep();
      if (admins.getColumn(0).getInt64() <= 1) {
        return make_error("user \"" + name + "\": the last admin cannot be removed",
                          Errc::Conflict);
      }
    }
    SQLite::Statement del(db, "DELETE FROM users WHERE name = ?");
    del.bind(1, name);
    del.exec();
    tx.commit();
    return {};
  });
}

}  // namespace vto::store
