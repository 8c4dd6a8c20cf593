// The building as the SIP server sees it, read from the store: who may register with
// which password (AccountDirectory) and what a dialled number means (NumberPlan).
// Lookups are answered from an in-memory snapshot of the directory, taken again whenever
// the database changed: a REGISTER costs no SQL parsing or B-tree walk, and changes made by
// vtoctl are still seen at once. Whether anything was committed is read from the WAL
// index's header (store::CommitStamp, no system call); only then, or when that cannot be
// read, or a second after the last time, SQLite is asked (data_version, then the
// directory's own version counter).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/result.h"
#include "sip/proxy/sip_server.h"
#include "sip/registrar/registrar.h"

namespace SQLite {
class Statement;
}

namespace vto::store {
class CommitStamp;
class Database;
class Directory;
}  // namespace vto::store

namespace vto::station {

class BuildingDirectory final : public sip::AccountDirectory, public sip::NumberPlan {
 public:
  static Result<std::unique_ptr<BuildingDirectory>> open(const std::string& data_dir);
  ~BuildingDirectory() override;

  std::optional<std::string> password_of(std::string_view user) const override;
  Kind classify(std::string_view user) const override;

  store::Directory& directory() { return *directory_; }
  // How many times the directory was read from the database (diagnostics and tests).
  std::uint64_t loads() const { return loads_; }

 private:
  struct Snapshot {
    std::unordered_map<std::string, std::string> room_passwords;
    std::unordered_map<std::string, std::string> vto_passwords;
    std::optional<std::string> centre_password;
  };

  BuildingDirectory(std::unique_ptr<store::Database> db, std::unique_ptr<store::Directory> dir);
  // The snapshot, reloaded first when the database changed; nullptr when the store
  // fails (logged): nobody is let in on a database error.
  const Snapshot* snapshot() const;

  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::Directory> directory_;
  mutable std::unique_ptr<SQLite::Statement> data_version_query_;
  mutable std::unique_ptr<SQLite::Statement> directory_version_query_;
  mutable std::optional<Snapshot> snapshot_;
  mutable std::int64_t data_version_ = -1;
  mutable std::int64_t total_changes_ = -1;
  mutable std::int64_t directory_version_ = -1;
  std::unique_ptr<store::CommitStamp> stamp_;
  mutable std::optional<std::array<std::uint8_t, 48>> last_stamp_;
  mutable std::chrono::steady_clock::time_point last_asked_{};
  mutable std::uint64_t loads_ = 0;
};

// VTO No. Management lists this VTO itself: its entry is made when missing, and follows a
// new VTO No. (keeping building, unit, IP and web account) with a new random password.
Result<void> keep_own_vto(store::Directory& dir, const std::string& number,
                          const std::string& old_number);

}  // namespace vto::station
