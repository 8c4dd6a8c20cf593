#include "store/estate_export.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <openssl/evp.h>

#include <algorithm>

namespace vto::store {

namespace {

std::string md5_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_md5(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

bool valid_domain(const std::string& d) {
  return !d.empty() && d.size() <= 64 && std::ranges::all_of(d, [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-';
  });
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS version (
  id INTEGER PRIMARY KEY NOT NULL,
  table_name VARCHAR(32) NOT NULL,
  table_version INTEGER DEFAULT 0 NOT NULL,
  CONSTRAINT version_t_name_idx UNIQUE (table_name));
INSERT OR IGNORE INTO version (table_name, table_version) VALUES ('version', 1);
INSERT OR IGNORE INTO version (table_name, table_version) VALUES ('subscriber', 7);
CREATE TABLE IF NOT EXISTS subscriber (
  id INTEGER PRIMARY KEY NOT NULL,
  username VARCHAR(64) DEFAULT '' NOT NULL,
  domain VARCHAR(64) DEFAULT '' NOT NULL,
  password VARCHAR(64) DEFAULT '' NOT NULL,
  ha1 VARCHAR(128) DEFAULT '' NOT NULL,
  ha1b VARCHAR(128) DEFAULT '' NOT NULL,
  CONSTRAINT subscriber_account_idx UNIQUE (username, domain));
CREATE INDEX IF NOT EXISTS subscriber_username_idx ON subscriber (username);
)sql";

}  // namespace

Result<EstateExport> export_estate(Directory& directory, const std::string& path,
                                   const std::string& domain) {
  if (!valid_domain(domain))
    return make_error("domain: 1 to 64 letters, digits, '.' and '-'", Errc::Invalid);
  auto rooms = directory.list_rooms();
  if (!rooms) return rooms.error();
  auto vtos = directory.list_vtos();
  if (!vtos) return vtos.error();
  auto centre = directory.centre_password();
  if (!centre) return centre.error();
  EstateExport out;
  try {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.setBusyTimeout(5000);  // Kamailio may be reading it
    db.exec(kSchema);
    SQLite::Transaction tx(db);
    SQLite::Statement clear(db, "DELETE FROM subscriber WHERE domain = ?");
    clear.bind(1, domain);
    clear.exec();
    SQLite::Statement insert(
        db,
        "INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (?, ?, '', ?, ?)");
    const auto add = [&](const std::string& user, const std::string& password) {
      insert.bind(1, user);
      insert.bind(2, domain);
      insert.bind(3, md5_hex(user + ":" + domain + ":" + password));
      insert.bind(4, md5_hex(user + "@" + domain + ":" + domain + ":" + password));
      insert.exec();
      insert.reset();
    };
    for (const Room& r : *rooms) {
      if (r.password.empty()) continue;
      ++out.rooms;
      for (int n = 0; n < kDevicesPerRoom; ++n) {
        add(r.number + "#" + std::to_string(n), r.password);
        // baresip and Linphone put the user into the digest's username URI-escaped
        // ("101%230"), and auth_db looks that name up as it comes: the same device again.
        add(r.number + "%23" + std::to_string(n), r.password);
        ++out.devices;
      }
    }
    for (const Vto& v : *vtos) {
      if (v.password.empty()) continue;
      add(v.number, v.password);
      ++out.vtos;
    }
    if (*centre && !(*centre)->empty()) {
      add("888888", **centre);
      out.centre = true;
    }
    tx.commit();
  } catch (const std::exception& e) {
    return make_error(path + ": " + e.what(), Errc::Io);
  }
  return out;
}

}  // namespace vto::store
