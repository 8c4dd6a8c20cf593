#include "store/database.h"

#include <SQLiteCpp/Transaction.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <utility>

namespace vto::store {
namespace {

// Numbered migrations: entry i brings the schema from version i to i + 1. Never edit one
// that has shipped; append a new one.
constexpr std::array<std::string_view, 15> kMigrations = {
    // 1: the building directory (rooms, VTOs) and key/value settings.
    R"sql(
CREATE TABLE rooms (
  number TEXT PRIMARY KEY NOT NULL,
  first_name TEXT NOT NULL DEFAULT '',
  last_name TEXT NOT NULL DEFAULT '',
  nick_name TEXT NOT NULL DEFAULT '',
  register_type TEXT NOT NULL DEFAULT 'public' CHECK (register_type IN ('public', 'local')),
  password TEXT NOT NULL
);
CREATE TABLE vtos (
  number TEXT PRIMARY KEY NOT NULL,
  password TEXT NOT NULL,
  building TEXT NOT NULL DEFAULT '',
  unit TEXT NOT NULL DEFAULT '',
  ip TEXT NOT NULL DEFAULT ''
);
CREATE TABLE settings (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);
-- The store checks these first with a better message; the triggers keep the rule true
-- whatever writes to the file.
CREATE TRIGGER rooms_number_not_vto BEFORE INSERT ON rooms
  WHEN EXISTS (SELECT 1 FROM vtos WHERE number = NEW.number)
  BEGIN SELECT RAISE(ABORT, 'room number equal to a VTO No.'); END;
CREATE TRIGGER vtos_number_not_room BEFORE INSERT ON vtos
  WHEN EXISTS (SELECT 1 FROM rooms WHERE number = NEW.number)
  BEGIN SELECT RAISE(ABORT, 'VTO No. equal to a room number'); END;
)sql",
    // 2: call records (records/call_records.h), searched by time, newest first.
    R"sql(
CREATE TABLE call_records (
  id INTEGER PRIMARY KEY NOT NULL,
  started_ms INTEGER NOT NULL,
  answered_ms INTEGER NOT NULL DEFAULT 0,
  ended_ms INTEGER NOT NULL DEFAULT 0,
  caller TEXT NOT NULL,
  called TEXT NOT NULL,
  answered_by TEXT NOT NULL DEFAULT '',
  result TEXT NOT NULL DEFAULT 'ongoing' CHECK (result IN ('answered', 'no_answer', 'busy',
    'failed', 'cancelled', 'ongoing')),
  duration_s INTEGER NOT NULL DEFAULT 0,
  snapshot_path TEXT
);
CREATE INDEX call_records_started ON call_records (started_ms);
)sql",
    // 3: a counter the building directory's writes move, so that a reader keeping the
    // directory in memory reloads it for those and not for every record written.
    R"sql(
CREATE TABLE directory_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO directory_version (id, version) VALUES (1, 0);
CREATE TRIGGER rooms_ins_version AFTER INSERT ON rooms
  BEGIN UPDATE directory_version SET version = version + 1; END;
CREATE TRIGGER rooms_upd_version AFTER UPDATE ON rooms
  BEGIN UPDATE directory_version SET version = version + 1; END;
CREATE TRIGGER rooms_del_version AFTER DELETE ON rooms
  BEGIN UPDATE directory_version SET version = version + 1; END;
CREATE TRIGGER vtos_ins_version AFTER INSERT ON vtos
  BEGIN UPDATE directory_version SET version = version + 1; END;
CREATE TRIGGER vtos_upd_version AFTER UPDATE ON vtos
  BEGIN UPDATE directory_version SET version = version + 1; END;
CREATE TRIGGER vtos_del_version AFTER DELETE ON vtos
  BEGIN UPDATE directory_version SET version = version + 1; END;
CREATE TRIGGER settings_ins_version AFTER INSERT ON settings
  BEGIN UPDATE directory_version SET version = version + 1; END;
CREATE TRIGGER settings_upd_version AFTER UPDATE ON settings
  BEGIN UPDATE directory_version SET version = version + 1; END;
CREATE TRIGGER settings_del_version AFTER DELETE ON settings
  BEGIN UPDATE directory_version SET version = version + 1; END;
)sql",
    // 4: the web interface's user accounts (store/users.h): Argon2id hashes, never passwords.
    R"sql(
CREATE TABLE users (
  name TEXT PRIMARY KEY NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
  password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
  email TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL
);
)sql",
    // 5: API tokens (store/api_tokens.h: SHA-256 of the secret, never the secret; ids
    // never reused, so a stale revoke cannot hit a newer token) and the audit log
    // (store/audit_log.h), searched by time, newest first.
    R"sql(
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
  token_hash TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  last_used_ms INTEGER
);
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY NOT NULL,
  at_ms INTEGER NOT NULL,
  user TEXT NOT NULL,
  address TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at_ms);
)sql",
    // 6: the web account of each VTO in the list (VTO No. Management), for managing it.
    R"sql(
ALTER TABLE vtos ADD COLUMN web_user TEXT NOT NULL DEFAULT '';
ALTER TABLE vtos ADD COLUMN web_password TEXT NOT NULL DEFAULT '';
)sql",
    // 7: access control (access/credentials.h): cards, enrolled fingerprints and keypad
    // passwords (keyed Argon2id hashes only); a room's credentials go with the room. The
    // unlock records (records/unlock_records.h), searched by time and by each filter.
    R"sql(
CREATE TABLE cards (
  number TEXT PRIMARY KEY NOT NULL,
  room TEXT NOT NULL DEFAULT '',
  person TEXT NOT NULL DEFAULT '',
  valid_from_ms INTEGER NOT NULL DEFAULT 0,
  valid_to_ms INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'normal' CHECK (status IN ('normal', 'lost', 'frozen'))
) WITHOUT ROWID;
CREATE INDEX cards_room ON cards (room);
CREATE TABLE fingerprints (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  room TEXT NOT NULL DEFAULT '',
  person TEXT NOT NULL DEFAULT '',
  finger TEXT NOT NULL DEFAULT '',
  template BLOB NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE TABLE keypad_codes (
  kind TEXT NOT NULL CHECK (kind IN ('public', 'room', 'duress')),
  room TEXT NOT NULL DEFAULT '',
  code_hash TEXT NOT NULL UNIQUE,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (kind, room)
);
CREATE TRIGGER rooms_del_credentials AFTER DELETE ON rooms BEGIN
  DELETE FROM cards WHERE room = OLD.number;
  DELETE FROM fingerprints WHERE room = OLD.number;
  DELETE FROM keypad_codes WHERE kind = 'room' AND room = OLD.number;
END;
CREATE TABLE unlock_records (
  id INTEGER PRIMARY KEY NOT NULL,
  at_ms INTEGER NOT NULL,
  method TEXT NOT NULL,
  credential TEXT NOT NULL DEFAULT '',
  person TEXT NOT NULL DEFAULT '',
  room TEXT NOT NULL DEFAULT '',
  result TEXT NOT NULL CHECK (result IN ('granted', 'refused')),
  reason TEXT NOT NULL DEFAULT ''
);
-- Every combination of the search's filters has an index ending in the time, so that
-- the newest page of any search is read in order, never sorted or scanned.
CREATE INDEX unlock_records_at ON unlock_records (at_ms);
CREATE INDEX unlock_records_method ON unlock_records (method, at_ms);
CREATE INDEX unlock_records_room ON unlock_records (room, at_ms);
CREATE INDEX unlock_records_result ON unlock_records (result, at_ms);
CREATE INDEX unlock_records_method_result ON unlock_records (method, result, at_ms);
CREATE INDEX unlock_records_room_result ON unlock_records (room, result, at_ms);
CREATE INDEX unlock_records_room_method ON unlock_records (room, method, at_ms);
CREATE INDEX unlock_records_room_method_result ON unlock_records (room, method, result, at_ms);
)sql",
    // 8: alarm records (records/alarm_records.h): one row per alarm, from its start to its
    // end, and when the management centre acknowledged it (0: not yet, to be sent again).
    R"sql(
CREATE TABLE alarm_records (
  id INTEGER PRIMARY KEY NOT NULL,
  type TEXT NOT NULL,
  source TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  ended_ms INTEGER NOT NULL DEFAULT 0,
  details TEXT NOT NULL DEFAULT '',
  delivered_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX alarm_records_started ON alarm_records (started_ms);
CREATE INDEX alarm_records_type ON alarm_records (type, started_ms);
CREATE INDEX alarm_records_undelivered ON alarm_records (id) WHERE delivered_ms = 0;
-- The call records' search by the room called.
CREATE INDEX call_records_called ON call_records (called, started_ms);
)sql",
    // 9: the digest keys of the web accounts (HA1 = H(user:realm:password), MD5 and
    // SHA-256), for the clients that only speak HTTP/RTSP digest authentication (players,
    // NVRs). Empty until the password is set or the account next logs in.
    R"sql(
ALTER TABLE users ADD COLUMN digest_md5 TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN digest_sha256 TEXT NOT NULL DEFAULT '';
)sql",
    // 10: MD5 digest keys only for the accounts that opt in to legacy digest (players and
    // NVRs that speak nothing else), so every other account's MD5 key is dropped; API tokens
    // expire (those made before get 90 days from now) and go with the account that made
    // them.
    R"sql(
ALTER TABLE users ADD COLUMN legacy_digest INTEGER NOT NULL DEFAULT 0;
UPDATE users SET digest_md5 = '';
ALTER TABLE api_tokens ADD COLUMN expires_ms INTEGER NOT NULL DEFAULT 0;
UPDATE api_tokens SET expires_ms = CAST(strftime('%s', 'now') AS INTEGER) * 1000 + 7776000000;
DELETE FROM api_tokens WHERE created_by <> 'vtoctl' AND created_by NOT LIKE 'token:%'
  AND created_by NOT IN (SELECT name FROM users);
CREATE TRIGGER users_removed_tokens_revoked AFTER DELETE ON users
BEGIN
  DELETE FROM api_tokens WHERE created_by = OLD.name;
END;
)sql",
    // 11: whether a call's media was encrypted (SRTP).
    R"sql(
ALTER TABLE call_records ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0;
)sql",
    // 12: whether the door was opened during a call, and the results that say why a call
    // failed (a CHECK constraint cannot be altered: the table is made again).
    R"sql(
CREATE TABLE call_records_12 (
  id INTEGER PRIMARY KEY NOT NULL,
  started_ms INTEGER NOT NULL,
  answered_ms INTEGER NOT NULL DEFAULT 0,
  ended_ms INTEGER NOT NULL DEFAULT 0,
  caller TEXT NOT NULL,
  called TEXT NOT NULL,
  answered_by TEXT NOT NULL DEFAULT '',
  result TEXT NOT NULL DEFAULT 'ongoing' CHECK (result IN ('answered', 'no_answer', 'busy',
    'nobody_home', 'unknown_number', 'centre_offline', 'failed', 'cancelled', 'ongoing')),
  duration_s INTEGER NOT NULL DEFAULT 0,
  snapshot_path TEXT,
  encrypted INTEGER NOT NULL DEFAULT 0,
  door_opened INTEGER NOT NULL DEFAULT 0
);
INSERT INTO call_records_12 (id, started_ms, answered_ms, ended_ms, caller, called, answered_by,
                             result, duration_s, snapshot_path, encrypted)
  SELECT id, started_ms, answered_ms, ended_ms, caller, called, answered_by, result, duration_s,
         snapshot_path, encrypted FROM call_records;
DROP TABLE call_records;
ALTER TABLE call_records_12 RENAME TO call_records;
CREATE INDEX call_records_started ON call_records (started_ms);
CREATE INDEX call_records_called ON call_records (called, started_ms);
)sql",
    // 13: alarms acknowledged by a person on the station (the web interface's notification).
    R"sql(
ALTER TABLE alarm_records ADD COLUMN acknowledged_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alarm_records ADD COLUMN acknowledged_by TEXT NOT NULL DEFAULT '';
CREATE INDEX alarm_records_unacknowledged ON alarm_records (id) WHERE acknowledged_ms = 0;
)sql",
    // 14: the MQTT outbox (mqtt/mqtt_bridge.h): event messages the broker has not taken
    // yet, oldest first, sent when it is back (after a restart too).
    R"sql(
CREATE TABLE mqtt_outbox (
  id INTEGER PRIMARY KEY NOT NULL,
  at_ms INTEGER NOT NULL,
  topic TEXT NOT NULL,
  payload TEXT NOT NULL,
  ring INTEGER NOT NULL DEFAULT 0
);
)sql",
    // 15: each account's ONVIF password, sealed with the device's ONVIF key
    // (accounts/onvif_secrets.h); empty: none.
    R"sql(
ALTER TABLE users ADD COLUMN onvif_secret TEXT NOT NULL DEFAULT '';
)sql",
};

Error db_error(const std::string& path, const std::string& what) {
  return make_error(path + ": " + what, Errc::Io);
}

// Creates the data directory owner-only; an existing one is left as it is.
Result<void> make_data_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  if (dir.has_parent_path() && !dir.parent_path().empty()) {
    std::filesystem::create_directories(dir.parent_path(), ec);
    if (ec) {
      return make_error("data directory " + dir.string() + ": " + ec.message(), Errc::Io);
    }
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error("data directory " + dir.string() + ": " + std::strerror(errno), Errc::Io);
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    return make_error("data directory " + dir.string() + ": not a directory", Errc::Io);
  }
  return {};
}

// SQLite would create the file 0644; create it 0600 first (its -wal and -shm files take
// the database file's mode).
Result<void> make_db_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return {};
  }
  if (errno == EEXIST) return {};
  return db_error(path, std::strerror(errno));
}

int read_user_version(SQLite::Database& db) {
  return db.execAndGet("PRAGMA user_version").getInt();
}

}  // namespace

Database::Database(std::string path, std::unique_ptr<SQLite::Database> db)
    : path_(std::move(path)), db_(std::move(db)) {}

int Database::latest_schema_version() {
  return static_cast<int>(kMigrations.size());
}

Result<std::unique_ptr<Database>> Database::open(const std::string& data_dir) {
  return open_with_migrations(data_dir, kMigrations);
}

Result<std::unique_ptr<Database>> Database::open_with_migrations(
    const std::string& data_dir, std::span<const std::string_view> migrations) {
  if (data_dir.empty()) return make_error("data directory: empty path", Errc::Invalid);
  if (auto made = make_data_dir(data_dir); !made) return made.error();
  const std::string path = (std::filesystem::path(data_dir) / "openvto.db").string();
  if (auto made = make_db_file(path); !made) return made.error();

  std::unique_ptr<SQLite::Database> conn;
  try {
    conn = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE, kBusyTimeoutMs);
    // Reading the mode back also proves the file is a database.
    const std::string mode = conn->execAndGet("PRAGMA journal_mode=WAL").getString();
    if (mode != "wal") return db_error(path, "cannot switch to WAL mode (got " + mode + ")");
    conn->exec("PRAGMA synchronous=FULL");
    conn->exec("PRAGMA foreign_keys=ON");
  } catch (const std::exception& e) {
    return db_error(path, e.what());
  }

  std::unique_ptr<Database> db(new Database(path, std::move(conn)));
  if (auto migrated = db->migrate(migrations); !migrated) return migrated.error();
  return db;
}

Result<int> Database::schema_version() {
  try {
    return read_user_version(*db_);
  } catch (const std::exception& e) {
    return db_error(path_, e.what());
  }
}

Result<void> Database::migrate(std::span<const std::string_view> migrations) {
  const int latest = static_cast<int>(migrations.size());
  try {
    if (read_user_version(*db_) == latest) return {};  // the usual case: no write lock
    // One migration per transaction, together with its version bump; the version is
    // read again under the write lock, as another process may be migrating too.
    for (;;) {
      SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      const int version = read_user_version(*db_);
      if (version > latest) {
        return db_error(path_, "schema version " + std::to_string(version) +
                                   " is newer than this OpenVTO knows (" + std::to_string(latest) +
                                   "); use a newer vtod/vtoctl");
      }
      if (version < 0) return db_error(path_, "invalid schema version " + std::to_string(version));
      if (version == latest) return {};
      try {
        db_->exec(std::string(migrations[static_cast<std::size_t>(version)]));
      } catch (const std::exception& e) {
        return db_error(path_, "migration " + std::to_string(version + 1) + " failed: " + e.what());
      }
      db_->exec("PRAGMA user_version = " + std::to_string(version + 1));
      tx.commit();
    }
  } catch (const std::exception& e) {
    return db_error(path_, e.what());
  }
}

}  // namespace vto::store
