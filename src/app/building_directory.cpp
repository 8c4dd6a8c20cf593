#include "app/building_directory.h"

#include <optional>
#include <utility>

#include "core/log.h"
#include "store/database.h"
#include "store/directory.h"
#include "store/rules.h"

namespace vto::app {
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

// The value of a lookup, or nullopt (logged) when the store failed: a database error
// must not let anyone in, nor crash the server.
template <class T>
std::optional<T> or_not_found(Result<std::optional<T>>&& result) {
  if (!result) {
    core::logger("store")->error("directory lookup failed: {}", result.error().message);
    return std::nullopt;
  }
  return std::move(*result);
}

}  // namespace

BuildingDirectory::BuildingDirectory(std::unique_ptr<store::Database> db,
                                     std::unique_ptr<store::Directory> dir)
    : db_(std::move(db)), directory_(std::move(dir)) {}

BuildingDirectory::~BuildingDirectory() = default;

Result<std::unique_ptr<BuildingDirectory>> BuildingDirectory::open(const std::string& data_dir) {
  auto db = store::Database::open(data_dir);
  if (!db) return db.error();
  auto dir = std::make_unique<store::Directory>(**db);
  return std::unique_ptr<BuildingDirectory>(new BuildingDirectory(std::move(*db), std::move(dir)));
}

std::optional<std::string> BuildingDirectory::password_of(std::string_view user) const {
  if (user == store::kCentreNumber) return or_not_found(directory_->centre_password());
  if (auto device = split_device_user(user)) {
    auto room = or_not_found(directory_->find_room(device->room));
    if (!room) return std::nullopt;
    return std::move(room->password);
  }
  if (!store::check_vto_number(user)) return std::nullopt;
  auto vto = or_not_found(directory_->find_vto(std::string(user)));
  if (!vto) return std::nullopt;
  return std::move(vto->password);
}

sip::NumberPlan::Kind BuildingDirectory::classify(std::string_view user) const {
  if (user == store::kCentreNumber) return Kind::Centre;
  if (user.find('#') != std::string_view::npos) {
    auto device = split_device_user(user);
    if (device && or_not_found(directory_->find_room(device->room))) return Kind::Device;
    return Kind::Unknown;
  }
  if (user.empty()) return Kind::Unknown;
  const std::string number(user);
  if (or_not_found(directory_->find_vto(number))) return Kind::Vto;
  if (or_not_found(directory_->find_room(number))) return Kind::Room;
  return Kind::Unknown;
}

}  // namespace vto::app
