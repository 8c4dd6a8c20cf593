#include "station/building_directory.h"

#include <optional>
#include <utility>

#include <SQLiteCpp/SQLiteCpp.h>

#include "core/log.h"
#include "store/commit_stamp.h"
#include "store/database.h"
#include "store/directory.h"
#include "store/rules.h"

namespace vto::station {
namespace {

struct DeviceUser {
  std::string room;
  int index = 0;
};

// "<room>#<index>" with index 0-99 written plainly ("0", "7", "42": no sign, no spaces,
// no leading zero), so that one device has one name only.
std::optional<DeviceUser> split_device_user(std::string_view user) {
  const auto hash = user.find('#');
  if (hash == std::string_view::npos || hash == 0) return std::nullopt;
  const std::string_view index = user.substr(hash + 1);
  if (index.empty() || index.size() > 2) return std::nullopt;
  if (index.size() == 2 && index[0] == '0') return std::nullopt;
  int value = 0;
  for (char c : index) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return DeviceUser{std::string(user.substr(0, hash)), value};
}

}  // namespace

BuildingDirectory::BuildingDirectory(std::unique_ptr<store::Database> db,
                                     std::unique_ptr<store::Directory> dir)
    : db_(std::move(db)),
      directory_(std::move(dir)),
      stamp_(std::make_unique<store::CommitStamp>(db_->path())) {}

BuildingDirectory::~BuildingDirectory() = default;

Result<std::unique_ptr<BuildingDirectory>> BuildingDirectory::open(const std::string& data_dir) {
  auto db = store::Database::open(data_dir);
  if (!db) return db.error();
  auto dir = std::make_unique<store::Directory>(**db);
  return std::unique_ptr<BuildingDirectory>(new BuildingDirectory(std::move(*db), std::move(dir)));
}

const BuildingDirectory::Snapshot* BuildingDirectory::snapshot() const {
  auto log = core::logger("store");
  try {
    SQLite::Database& db = db_->connection();
    // Nothing committed by anyone since SQLite was last asked: the snapshot holds. SQLite
    // is asked at least once a second all the same, should the header ever mislead.
    const auto stamp = stamp_->read();
    const auto now = std::chrono::steady_clock::now();
    if (snapshot_ && stamp && stamp == last_stamp_ && db.getTotalChanges() == total_changes_ &&
        now - last_asked_ < std::chrono::seconds(1)) {
      return &*snapshot_;
    }
    // The stamp read before asking: a commit in between shows as a new stamp next time.
    last_stamp_ = stamp;
    last_asked_ = now;
    if (!data_version_query_) {
      data_version_query_ = std::make_unique<SQLite::Statement>(db, "PRAGMA data_version");
    }
    data_version_query_->reset();
    if (!data_version_query_->executeStep()) return nullptr;
    // data_version moves with commits of other connections (vtoctl), total_changes with
    // those of this one.
    const std::int64_t version = data_version_query_->getColumn(0).getInt64();
    const std::int64_t changes = db.getTotalChanges();
    data_version_query_->reset();
    if (snapshot_ && version == data_version_ && changes == total_changes_) return &*snapshot_;
    // Something was committed, maybe only a call record: the directory's own counter
    // (migration 3, moved by triggers) says whether rooms, VTOs or settings changed.
    if (!directory_version_query_) {
      directory_version_query_ =
          std::make_unique<SQLite::Statement>(db, "SELECT version FROM directory_version");
    }
    directory_version_query_->reset();
    if (!directory_version_query_->executeStep()) return nullptr;
    const std::int64_t directory_version = directory_version_query_->getColumn(0).getInt64();
    directory_version_query_->reset();
    data_version_ = version;
    total_changes_ = changes;
    if (snapshot_ && directory_version == directory_version_) return &*snapshot_;

    Snapshot fresh;
    auto rooms = directory_->list_rooms();
    auto vtos = directory_->list_vtos();
    auto centre = directory_->centre_password();
    if (!rooms || !vtos || !centre) {
      log->error(
          "directory lookup failed: {}",
          !rooms ? rooms.error().message : (!vtos ? vtos.error().message : centre.error().message));
      snapshot_.reset();
      return nullptr;
    }
    for (auto& room : *rooms) fresh.room_passwords.emplace(room.number, std::move(room.password));
    for (auto& vto : *vtos) fresh.vto_passwords.emplace(vto.number, std::move(vto.password));
    fresh.centre_password = std::move(*centre);
    snapshot_ = std::move(fresh);
    directory_version_ = directory_version;
    ++loads_;
    log->debug("directory loaded: {} rooms, {} VTOs", snapshot_->room_passwords.size(),
               snapshot_->vto_passwords.size());
    return &*snapshot_;
  } catch (const std::exception& e) {
    log->error("directory lookup failed: {}", e.what());
    snapshot_.reset();
    last_stamp_.reset();
    data_version_query_.reset();
    directory_version_query_.reset();
    return nullptr;
  }
}

std::optional<std::string> BuildingDirectory::password_of(std::string_view user) const {
  const Snapshot* s = snapshot();
  if (!s) return std::nullopt;
  if (user == store::kCentreNumber) return s->centre_password;
  if (auto device = split_device_user(user)) {
    auto it = s->room_passwords.find(device->room);
    if (it == s->room_passwords.end()) return std::nullopt;
    return it->second;
  }
  if (!store::check_vto_number(user)) return std::nullopt;
  auto it = s->vto_passwords.find(std::string(user));
  if (it == s->vto_passwords.end()) return std::nullopt;
  return it->second;
}

sip::NumberPlan::Kind BuildingDirectory::classify(std::string_view user) const {
  if (user == store::kCentreNumber) return Kind::Centre;
  const Snapshot* s = snapshot();
  if (!s || user.empty()) return Kind::Unknown;
  if (user.find('#') != std::string_view::npos) {
    auto device = split_device_user(user);
    if (device && s->room_passwords.contains(device->room)) return Kind::Device;
    return Kind::Unknown;
  }
  const std::string number(user);
  if (s->vto_passwords.contains(number)) return Kind::Vto;
  if (s->room_passwords.contains(number)) return Kind::Room;
  return Kind::Unknown;
}

Result<void> keep_own_vto(store::Directory& dir, const std::string& number,
                          const std::string& old_number) {
  auto own = dir.find_vto(number);
  if (!own) return own.error();
  if (*own) return {};
  store::Vto entry{number, store::Directory::random_password(20), "", "", ""};
  if (!old_number.empty() && old_number != number) {
    if (auto old = dir.find_vto(old_number); old && *old) {
      entry = **old;
      entry.number = number;
      entry.password = store::Directory::random_password(20);
      if (auto removed = dir.remove_vto(old_number); !removed) return removed;
    }
  }
  return dir.add_vto(entry);
}

}  // namespace vto::station
