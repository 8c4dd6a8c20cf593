#include "store/backup.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <set>

namespace vto::store {
namespace {

using nlohmann::json;

constexpr std::string_view kFormat = "openvto-backup";
constexpr int kVersion = 1;
// The device's own, kept on the device a backup is restored onto.
constexpr std::string_view kOwnSettings[] = {"device.serial"};

Error invalid(const std::string& message) {
  return make_error(message, Errc::Invalid);
}

// The text at `key`, or "" when absent or not text (json::value() would throw).
std::string text_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Error not_a_backup() {
  return invalid("not an OpenVTO backup file");
}

Error wrong_passphrase() {
  return invalid("wrong passphrase, or the file was changed: nothing restored");
}

std::string to_base64(const unsigned char* data, std::size_t size) {
  std::string out(sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::vector<unsigned char>> from_base64(const std::string& text) {
  std::vector<unsigned char> out(text.size());
  std::size_t size = 0;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &size, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  out.resize(size);
  return out;
}

bool own_setting(const json& row) {
  if (!row.is_array() || row.empty() || !row[0].is_string()) return false;
  const std::string key = row[0];
  return std::ranges::any_of(kOwnSettings, [&](std::string_view k) { return k == key; });
}

// A column's value: numbers and text as they are, blobs as {"b64": ...}, NULL as null.
json value_of(const SQLite::Column& c) {
  if (c.isNull()) return nullptr;
  if (c.isInteger()) return c.getInt64();
  if (c.isFloat()) return c.getDouble();
  if (c.isBlob()) {
    return json{{"b64", to_base64(static_cast<const unsigned char*>(c.getBlob()),
                                  static_cast<std::size_t>(c.getBytes()))}};
  }
  return c.getString();
}

Result<void> bind_value(SQLite::Statement& q, int index, const json& v) {
  if (v.is_null()) {
    q.bind(index);
  } else if (v.is_number_integer()) {
    q.bind(index, v.get<std::int64_t>());
  } else if (v.is_number_float()) {
    q.bind(index, v.get<double>());
  } else if (v.is_string()) {
    q.bind(index, v.get<std::string>());
  } else if (v.is_object() && v.contains("b64") && v["b64"].is_string()) {
    auto bytes = from_base64(v["b64"]);
    if (!bytes) return not_a_backup();
    q.bind(index, bytes->data(), static_cast<int>(bytes->size()));
  } else {
    return not_a_backup();
  }
  return {};
}

std::vector<std::string> columns_of(SQLite::Database& db, const std::string& table) {
  std::vector<std::string> columns;
  SQLite::Statement q(db, "SELECT name FROM pragma_table_info(?)");
  q.bind(1, table);
  while (q.executeStep()) columns.push_back(q.getColumn(0).getString());
  return columns;
}

json dump_table(SQLite::Database& db, const std::string& table) {
  const auto columns = columns_of(db, table);
  std::string list;
  for (const auto& c : columns) list += (list.empty() ? "\"" : ", \"") + c + "\"";
  SQLite::Statement q(db, "SELECT " + list + " FROM \"" + table + "\"");
  json rows = json::array();
  while (q.executeStep()) {
    json row = json::array();
    for (int i = 0; i < q.getColumnCount(); ++i) row.push_back(value_of(q.getColumn(i)));
    if (table == "settings" && own_setting(row)) continue;
    rows.push_back(std::move(row));
  }
  return {{"columns", columns}, {"rows", std::move(rows)}};
}

// The header sealed with the content (associated data): what the file says of itself.
std::string header_text(const json& file) {
  return json{
      {"format", file["format"]}, {"version", file["version"]}, {"created_ms", file["created_ms"]},
      {"schema", file["schema"]}, {"kdf", file["kdf"]},         {"nonce", file["nonce"]}}
      .dump();
}

Result<std::vector<unsigned char>> derive_key(std::string_view passphrase,
                                              const unsigned char* salt, unsigned long long ops,
                                              std::size_t mem) {
  std::vector<unsigned char> key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  if (crypto_pwhash(key.data(), key.size(), passphrase.data(), passphrase.size(), salt, ops, mem,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return make_error("backup: out of memory deriving the key", Errc::Unavailable);
  }
  return key;
}

}  // namespace

const std::vector<std::string>& backup_tables() {
  // Parents before children: restored in this order, cleared in the reverse.
  static const std::vector<std::string> kTables = {
      "settings", "rooms", "vtos", "users", "api_tokens", "cards", "fingerprints", "keypad_codes"};
  return kTables;
}

Result<void> check_passphrase(std::string_view passphrase) {
  if (passphrase.size() < kMinPassphrase || passphrase.size() > 256) {
    return invalid("passphrase: 10 to 256 characters");
  }
  return {};
}

Result<std::string> make_backup(Database& db, std::string_view passphrase, std::int64_t now_ms) {
  if (auto ok = check_passphrase(passphrase); !ok) return ok.error();
  if (sodium_init() < 0) return make_error("backup: libsodium did not start", Errc::Unavailable);
  auto schema = db.schema_version();
  if (!schema) return schema.error();
  json content{{"tables", json::object()}};
  try {
    SQLite::Transaction read(db.connection());  // one moment for every table
    for (const auto& t : backup_tables()) content["tables"][t] = dump_table(db.connection(), t);
    read.commit();
  } catch (const std::exception& e) {
    return make_error(std::string("backup: ") + e.what(), Errc::Io);
  }
  const std::string plain = content.dump();

  unsigned char salt[crypto_pwhash_SALTBYTES];
  unsigned char nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
  randombytes_buf(salt, sizeof salt);
  randombytes_buf(nonce, sizeof nonce);
  const unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
  const std::size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
  auto key = derive_key(passphrase, salt, ops, mem);
  if (!key) return key.error();
  json file{{"format", kFormat},
            {"version", kVersion},
            {"created_ms", now_ms},
            {"schema", *schema},
            {"kdf",
             {{"alg", "argon2id13"},
              {"opslimit", ops},
              {"memlimit", mem},
              {"salt", to_base64(salt, sizeof salt)}}},
            {"nonce", to_base64(nonce, sizeof nonce)}};
  const std::string ad = header_text(file);
  std::vector<unsigned char> sealed(plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long sealed_size = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      sealed.data(), &sealed_size, reinterpret_cast<const unsigned char*>(plain.data()),
      plain.size(), reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, nonce,
      key->data());
  sodium_memzero(key->data(), key->size());
  file["ciphertext"] = to_base64(sealed.data(), static_cast<std::size_t>(sealed_size));
  return file.dump() + "\n";
}

Result<BackupContent> open_backup(std::string_view text, std::string_view passphrase) {
  if (text.size() > kMaxBackupSize) return invalid("the file is larger than a backup can be");
  if (sodium_init() < 0) return make_error("backup: libsodium did not start", Errc::Unavailable);
  const json file = json::parse(text, nullptr, false);
  if (file.is_discarded() || !file.is_object() || text_at(file, "format") != kFormat) {
    return not_a_backup();
  }
  if (!file.contains("version") || !file["version"].is_number_integer() ||
      file["version"].get<int>() != kVersion || !file.contains("schema") ||
      !file["schema"].is_number_integer() || !file.contains("kdf") || !file["kdf"].is_object() ||
      !file.contains("nonce") || !file["nonce"].is_string() || !file.contains("ciphertext") ||
      !file["ciphertext"].is_string() || !file.contains("created_ms") ||
      !file["created_ms"].is_number_integer()) {
    return not_a_backup();
  }
  const int schema = file["schema"].get<int>();
  if (schema > Database::latest_schema_version()) {
    return make_error("this backup comes from a newer OpenVTO: update this station first",
                      Errc::Unsupported);
  }
  const json& kdf = file["kdf"];
  if (text_at(kdf, "alg") != "argon2id13" || !kdf.contains("opslimit") ||
      !kdf["opslimit"].is_number_unsigned() || !kdf.contains("memlimit") ||
      !kdf["memlimit"].is_number_unsigned() || !kdf.contains("salt") || !kdf["salt"].is_string()) {
    return not_a_backup();
  }
  const auto ops = kdf["opslimit"].get<unsigned long long>();
  const auto mem = kdf["memlimit"].get<std::size_t>();
  // A file may not make the station spend more than a sensitive-level derivation.
  if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > crypto_pwhash_OPSLIMIT_SENSITIVE ||
      mem < crypto_pwhash_MEMLIMIT_MIN || mem > crypto_pwhash_MEMLIMIT_MODERATE) {
    return not_a_backup();
  }
  auto salt = from_base64(kdf["salt"]);
  auto nonce = from_base64(file["nonce"]);
  auto sealed = from_base64(file["ciphertext"]);
  if (!salt || salt->size() != crypto_pwhash_SALTBYTES || !nonce ||
      nonce->size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES || !sealed ||
      sealed->size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return not_a_backup();
  }
  auto key = derive_key(passphrase, salt->data(), ops, mem);
  if (!key) return key.error();
  const std::string ad = header_text(file);
  std::vector<unsigned char> plain(sealed->size());
  unsigned long long plain_size = 0;
  const int opened = crypto_aead_xchacha20poly1305_ietf_decrypt(
      plain.data(), &plain_size, nullptr, sealed->data(), sealed->size(),
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nonce->data(), key->data());
  sodium_memzero(key->data(), key->size());
  if (opened != 0) return wrong_passphrase();
  json content = json::parse(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(plain_size),
                             nullptr, false);
  sodium_memzero(plain.data(), plain.size());
  if (content.is_discarded() || !content.is_object() || !content.contains("tables") ||
      !content["tables"].is_object()) {
    return not_a_backup();
  }
  for (const auto& t : backup_tables()) {
    auto found = content["tables"].find(t);  // no copy of the table (fingerprints can be MBs)
    if (found == content["tables"].end()) return not_a_backup();
    const json& table = *found;
    if (!table.is_object() || !table.contains("columns") || !table["columns"].is_array() ||
        !table.contains("rows") || !table["rows"].is_array()) {
      return not_a_backup();
    }
    for (const auto& c : table["columns"]) {
      if (!c.is_string()) return not_a_backup();
    }
    for (const auto& r : table["rows"]) {
      if (!r.is_array() || r.size() != table["columns"].size()) return not_a_backup();
    }
  }
  return BackupContent{file["created_ms"].get<std::int64_t>(), schema,
                       std::move(content["tables"])};
}

Result<BackupPreview> preview_restore(Database& db, const BackupContent& content) {
  BackupPreview p;
  p.created_ms = content.created_ms;
  try {
    auto& conn = db.connection();
    for (const auto& t : backup_tables()) {
      // The device's own settings stay: not counted on either side.
      SQLite::Statement q(conn, "SELECT count(*) FROM \"" + t + "\"" +
                                    (t == "settings" ? " WHERE key NOT IN ('device.serial')" : ""));
      q.executeStep();
      p.counts[t] = {static_cast<std::size_t>(q.getColumn(0).getInt64()),
                     content.tables[t]["rows"].size()};
    }
    // Settings: the keys whose value differs, or that come or go.
    std::map<std::string, std::string> now, backup;
    SQLite::Statement q(conn, "SELECT key, value FROM settings");
    while (q.executeStep()) now[q.getColumn(0).getString()] = q.getColumn(1).getString();
    const json& s = content.tables["settings"];
    const auto& cols = s["columns"];
    const auto key_at = std::find(cols.begin(), cols.end(), "key") - cols.begin();
    const auto value_at = std::find(cols.begin(), cols.end(), "value") - cols.begin();
    if (key_at >= static_cast<std::ptrdiff_t>(cols.size()) ||
        value_at >= static_cast<std::ptrdiff_t>(cols.size())) {
      return not_a_backup();
    }
    for (const auto& r : s["rows"]) {
      if (!r[key_at].is_string() || !r[value_at].is_string()) return not_a_backup();
      backup[r[key_at].get<std::string>()] = r[value_at].get<std::string>();
    }
    std::set<std::string> keys;
    for (const auto& [k, v] : now) keys.insert(k);
    for (const auto& [k, v] : backup) keys.insert(k);
    for (const auto& k : keys) {
      if (std::ranges::any_of(kOwnSettings, [&](std::string_view o) { return o == k; })) continue;
      auto a = now.find(k), b = backup.find(k);
      if (a == now.end() || b == backup.end() || a->second != b->second) {
        p.settings_changed.push_back(k);
      }
    }
  } catch (const std::exception& e) {
    return make_error(std::string("backup preview: ") + e.what(), Errc::Io);
  }
  return p;
}

Result<void> restore_backup(Database& db, const BackupContent& content) {
  auto& conn = db.connection();
  try {
    SQLite::Transaction tx(conn, SQLite::TransactionBehavior::IMMEDIATE);
    const auto& tables = backup_tables();
    for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
      if (*it == "settings") {
        SQLite::Statement del(conn, "DELETE FROM settings WHERE key NOT IN ('device.serial')");
        del.exec();
      } else {
        conn.exec("DELETE FROM \"" + *it + "\"");
      }
    }
    for (const auto& t : tables) {
      const json& table = content.tables[t];
      const auto here = columns_of(conn, t);
      // The backup's columns this schema has (an older backup lacks newer ones: defaults).
      std::vector<std::size_t> use;
      std::string names, marks;
      for (std::size_t i = 0; i < table["columns"].size(); ++i) {
        const std::string c = table["columns"][i];
        if (std::ranges::find(here, c) == here.end()) continue;
        use.push_back(i);
        names += (names.empty() ? "\"" : ", \"") + c + "\"";
        marks += marks.empty() ? "?" : ", ?";
      }
      if (use.empty()) continue;
      SQLite::Statement ins(
          conn, "INSERT OR REPLACE INTO \"" + t + "\" (" + names + ") VALUES (" + marks + ")");
      for (const auto& row : table["rows"]) {
        if (t == "settings" && own_setting(row)) continue;
        ins.reset();
        ins.clearBindings();
        for (std::size_t k = 0; k < use.size(); ++k) {
          if (auto ok = bind_value(ins, static_cast<int>(k + 1), row[use[k]]); !ok) return ok;
        }
        ins.exec();
      }
    }
    tx.commit();
  } catch (const std::exception& e) {
    return make_error(std::string("restore: ") + e.what(), Errc::Io);
  }
  return {};
}

}  // namespace vto::store
