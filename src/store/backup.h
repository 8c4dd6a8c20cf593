// Configuration backup and restore: one file holding what makes the station this station
// (settings, rooms, VTOs, the centre, cards, fingerprints, keypad passwords, web accounts
// and API tokens), encrypted with a passphrase the administrator chooses. Records and the
// audit log are not in it; neither is the device's own serial number.
//
// The file is JSON: {"format":"openvto-backup","version":1,"created_ms","schema","kdf":
// {"alg":"argon2id13","opslimit","memlimit","salt"},"nonce","ciphertext"}. The key comes
// from the passphrase by Argon2id (libsodium crypto_pwhash, interactive limits); the content
// is sealed with XChaCha20-Poly1305, the header as associated data, so a changed header, a
// changed byte or a wrong passphrase all fail the same way and restore nothing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "store/database.h"

namespace vto::store {

inline constexpr std::size_t kMinPassphrase = 10;
inline constexpr std::size_t kMaxBackupSize = 64u << 20;  // 64 MiB

// At least 10 characters, at most 256; Errc::Invalid naming "passphrase" otherwise.
Result<void> check_passphrase(std::string_view passphrase);

// The file of the configuration in `db`, sealed with `passphrase`.
Result<std::string> make_backup(Database& db, std::string_view passphrase, std::int64_t now_ms);

// A backup opened: the tables it holds, as rows of columns.
struct BackupContent {
  std::int64_t created_ms = 0;
  int schema = 0;
  nlohmann::json tables;  // {"rooms": {"columns": [...], "rows": [[...], ...]}, ...}
};

// Opens `file` with `passphrase`: Errc::Invalid "not an OpenVTO backup file" for anything
// else, "wrong passphrase, or the file was changed" when it does not open; Errc::Unsupported
// for a backup of a newer OpenVTO (a schema this build does not know).
Result<BackupContent> open_backup(std::string_view file, std::string_view passphrase);

// What restoring would change: per kind, how many there are now and in the backup, and the
// settings whose value would change (their keys only: values may be secrets).
struct BackupPreview {
  struct Count {
    std::size_t now = 0, backup = 0;
  };
  std::map<std::string, Count> counts;  // "rooms", "cards", ...
  std::vector<std::string> settings_changed;
  std::int64_t created_ms = 0;
};
Result<BackupPreview> preview_restore(Database& db, const BackupContent& content);

// Replaces the configuration in `db` by the backup's, in one transaction: all or nothing.
Result<void> restore_backup(Database& db, const BackupContent& content);

// The kinds a backup holds, in order ("settings", "rooms", ...).
const std::vector<std::string>& backup_tables();

}  // namespace vto::store
