// The building directory (VTO No. Management, Room No. Management):
// the rooms, the VTOs and the management centre's register password, over a Database.
// Every rule of the numbering plan is checked here, whoever the caller (vtoctl, web UI),
// and every change is one transaction: invalid input never half-applies.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/database.h"

namespace vto::store {

struct Room {
  std::string number;  // 1-6 letters or digits
  std::string first_name, last_name, nick_name;
  std::string register_type = "public";  // "public" or "local"
  std::string password;                  // register password of the room's monitors
  bool operator==(const Room&) const = default;
};

struct Vto {
  std::string number;  // VTO No., 1-5 digits
  std::string password;
  std::string building, unit;  // empty or 1-3 digits (used with a platform SIP server)
  std::string ip;              // empty or an IPv4/IPv6 literal
  // The VTO's web interface account, for managing it from here: empty, or a user name
  // (1-32 letters, digits, '_', '-', '.') and its password (at most 64 printable
  // characters; kept as given, since it is used to log in there).
  std::string web_user = {};
  std::string web_password = {};
  bool operator==(const Vto&) const = default;
};

// Rooms from floors x rooms per floor: floor f (1-based), room r (1-based) is
// first_floor_first_room + (f - 1) * (second_floor_first_room - first_floor_first_room)
// + (r - 1). 3 floors, 2 rooms, 101 and 201 -> 101 102 201 202 301 302.
struct RoomBatch {
  int floors = 0;                   // 1-99
  int rooms_per_floor = 0;          // 1-99
  int first_floor_first_room = 0;   // e.g. 101
  int second_floor_first_room = 0;  // e.g. 201; ignored when floors == 1
};

class Directory {
 public:
  explicit Directory(Database& db) : db_(db) {}

  Result<void> add_room(const Room& room);
  Result<void> update_room(const Room& room);  // by number; Errc::NotFound if absent
  Result<void> remove_room(const std::string& number);
  Result<std::optional<Room>> find_room(const std::string& number);
  Result<std::vector<Room>> list_rooms();  // numeric-looking order: 99 before 101
  // Adds every room of the batch with the template's names and type, or none. Each room
  // gets a register password of its own, drawn at random (the template's is not used), so
  // one flat's password never registers another flat's monitors. Returns the rooms added
  // with their passwords, for the installer to hand out. With `skip_existing`, the numbers
  // already taken (by a room or a VTO) are left out instead of refusing the batch.
  Result<std::vector<Room>> add_rooms_batch(const RoomBatch& batch, const Room& tmpl,
                                            bool skip_existing = false);
  // A random register password: `length` letters and digits, without look-alikes (0/O, 1/l/I).
  static std::string random_password(std::size_t length = 12);
  Result<void> clear_rooms();

  Result<void> add_vto(const Vto& vto);
  Result<void> update_vto(const Vto& vto);  // by number; Errc::NotFound if absent
  Result<void> remove_vto(const std::string& number);
  Result<std::optional<Vto>> find_vto(const std::string& number);
  Result<std::vector<Vto>> list_vtos();

  // The management centre registers as 888888 with this password; none by default, so it
  // cannot register until one is set. nullopt clears it.
  Result<void> set_centre_password(const std::optional<std::string>& password);
  Result<std::optional<std::string>> centre_password();

  // The room numbers a batch would add, after checking its figures (no database access).
  static Result<std::vector<std::string>> batch_numbers(const RoomBatch& batch);

 private:
  Database& db_;
};

}  // namespace vto::store
