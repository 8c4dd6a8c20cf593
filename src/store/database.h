// The SQLite database in the data directory (DIR/openvto.db): opened in WAL mode with a
// busy timeout so vtod and vtoctl can share it, synchronous=FULL because it holds the
// configuration, and brought to the current schema by numbered migrations at open.
// Repositories (Directory, ...) run their statements on connection(); a Database is one
// connection, to be used from one thread at a time.
#pragma once

#include <SQLiteCpp/Database.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vto::store {

class Database {
 public:
  static constexpr int kBusyTimeoutMs = 5000;

  // Creates `data_dir` (mode 0700) if missing, opens or creates openvto.db (mode 0600)
  // and applies the pending migrations. A database written by a newer OpenVTO (a schema
  // version this build does not know) is refused.
  static Result<std::unique_ptr<Database>> open(const std::string& data_dir);

  // As open(), with another migration list: migration i (0-based) brings the schema to
  // version i + 1. For tests of the migration mechanism.
  static Result<std::unique_ptr<Database>> open_with_migrations(
      const std::string& data_dir, std::span<const std::string_view> migrations);

  // The schema version this build brings a database to.
  static int latest_schema_version();

  // The schema version of the open database (PRAGMA user_version).
  Result<int> schema_version();

  const std::string& path() const { return path_; }
  SQLite::Database& connection() { return *db_; }

 private:
  Database(std::string path, std::unique_ptr<SQLite::Database> db);
  Result<void> migrate(std::span<const std::string_view> migrations);

  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace vto::store
