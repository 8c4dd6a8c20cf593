#include "store/directory.h"

#include "core/secure_random.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <exception>
#include <utility>

#include "store/rules.h"

namespace vto::store {
namespace {

constexpr const char* kCentrePasswordKey = "centre.password";

Error conflict(std::string_view field, std::string_view number, std::string_view what) {
  return make_error(std::string(field) + " \"" + std::string(number) + "\": " + std::string(what),
                    Errc::Conflict);
}

Error not_found(std::string_view field, std::string_view number) {
  return make_error(std::string(field) + " \"" + std::string(number) + "\": not found",
                    Errc::NotFound);
}

Result<void> check_room(const Room& room) {
  for (auto check :
       {check_room_number(room.number), check_name("first name", room.first_name),
        check_name("last name", room.last_name), check_name("nick name", room.nick_name),
        check_register_type(room.register_type),
        check_password("register password", room.password)}) {
    if (!check) return check;
  }
  return {};
}

Result<void> check_web_account(const std::string& user, const std::string& password) {
  if (user.size() > 32) return make_error("web user: at most 32 characters", Errc::Invalid);
  for (char c : user) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return make_error("web user: letters, digits, '_', '-' and '.' only", Errc::Invalid);
  }
  if (password.size() > 64) return make_error("web password: at most 64 characters", Errc::Invalid);
  for (char c : password) {
    if (c < 0x20 || c > 0x7e)
      return make_error("web password: printable ASCII only", Errc::Invalid);
  }
  if (user.empty() && !password.empty())
    return make_error("web user: required with a web password", Errc::Invalid);
  return {};
}

Result<void> check_vto(const Vto& vto) {
  for (auto check :
       {check_vto_number(vto.number), check_password("register password", vto.password),
        check_building_or_unit("building number", vto.building),
        check_building_or_unit("unit number", vto.unit), check_ip(vto.ip),
        check_web_account(vto.web_user, vto.web_password)}) {
    if (!check) return check;
  }
  return {};
}

bool exists(SQLite::Database& db, const char* sql, const std::string& number) {
  SQLite::Statement q(db, sql);
  q.bind(1, number);
  return q.executeStep();
}

bool room_exists(SQLite::Database& db, const std::string& number) {
  return exists(db, "SELECT 1 FROM rooms WHERE number = ?", number);
}

bool vto_exists(SQLite::Database& db, const std::string& number) {
  return exists(db, "SELECT 1 FROM vtos WHERE number = ?", number);
}

// Checks and inserts one room; the caller holds the write transaction.
Result<void> insert_room(SQLite::Database& db, const Room& room) {
  if (vto_exists(db, room.number)) return conflict("room number", room.number, "already a VTO No.");
  if (room_exists(db, room.number)) return conflict("room number", room.number, "already exists");
  SQLite::Statement q(db,
                      "INSERT INTO rooms (number, first_name, last_name, nick_name, register_type, "
                      "password) VALUES (?, ?, ?, ?, ?, ?)");
  q.bind(1, room.number);
  q.bind(2, room.first_name);
  q.bind(3, room.last_name);
  q.bind(4, room.nick_name);
  q.bind(5, room.register_type);
  q.bind(6, room.password);
  q.exec();
  return {};
}

Room room_from(SQLite::Statement& q) {
  return Room{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
              q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getString()};
}

Vto vto_from(SQLite::Statement& q) {
  return Vto{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
             q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getString(),
             q.getColumn(6).getString()};
}

constexpr const char* kRoomColumns =
    "SELECT number, first_name, last_name, nick_name, register_type, password FROM rooms";
constexpr const char* kVtoColumns =
    "SELECT number, password, building, unit, ip, web_user, web_password FROM vtos";

Error invalid_figure(std::string_view field, long value, std::string_view rule) {
  return make_error(std::string(field) + " \"" + std::to_string(value) + "\": " + std::string(rule),
                    Errc::Invalid);
}

// Runs `body` in an IMMEDIATE transaction (the write lock up front, so the checks and
// the writes see the same state as any other process), committing only when it succeeds.
// SQLite exceptions become Errc::Io errors naming the file.
template <class Body>
Result<void> in_write_transaction(Database& db, Body&& body) {
  try {
    SQLite::Transaction tx(db.connection(), SQLite::TransactionBehavior::IMMEDIATE);
    Result<void> result = body(db.connection());
    if (result) tx.commit();
    return result;
  } catch (const std::exception& e) {
    return make_error(db.path() + ": " + e.what(), Errc::Io);
  }
}

template <class T, class Body>
Result<T> reading(Database& db, Body&& body) {
  try {
    return body(db.connection());
  } catch (const std::exception& e) {
    return make_error(db.path() + ": " + e.what(), Errc::Io);
  }
}

}  // namespace

Result<void> Directory::add_room(const Room& room) {
  if (auto ok = check_room(room); !ok) return ok;
  return in_write_transaction(db_, [&](SQLite::Database& db) { return insert_room(db, room); });
}

Result<void> Directory::update_room(const Room& room) {
  if (auto ok = check_room(room); !ok) return ok;
  return in_write_transaction(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Statement q(db,
                        "UPDATE rooms SET first_name = ?, last_name = ?, nick_name = ?, "
                        "register_type = ?, password = ? WHERE number = ?");
    q.bind(1, room.first_name);
    q.bind(2, room.last_name);
    q.bind(3, room.nick_name);
    q.bind(4, room.register_type);
    q.bind(5, room.password);
    q.bind(6, room.number);
    if (q.exec() == 0) return not_found("room number", room.number);
    return {};
  });
}

Result<void> Directory::remove_room(const std::string& number) {
  return in_write_transaction(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Statement q(db, "DELETE FROM rooms WHERE number = ?");
    q.bind(1, number);
    if (q.exec() == 0) return not_found("room number", number);
    return {};
  });
}

Result<std::optional<Room>> Directory::find_room(const std::string& number) {
  return reading<std::optional<Room>>(db_, [&](SQLite::Database& db) -> std::optional<Room> {
    SQLite::Statement q(db, std::string(kRoomColumns) + " WHERE number = ?");
    q.bind(1, number);
    if (!q.executeStep()) return std::nullopt;
    return room_from(q);
  });
}

Result<std::vector<Room>> Directory::list_rooms() {
  return reading<std::vector<Room>>(db_, [&](SQLite::Database& db) {
    SQLite::Statement q(db, std::string(kRoomColumns) + " ORDER BY length(number), number");
    std::vector<Room> rooms;
    while (q.executeStep()) rooms.push_back(room_from(q));
    return rooms;
  });
}

Result<std::vector<std::string>> Directory::batch_numbers(const RoomBatch& batch) {
  if (batch.floors < 1 || batch.floors > 99) return invalid_figure("floors", batch.floors, "1-99");
  if (batch.rooms_per_floor < 1 || batch.rooms_per_floor > 99) {
    return invalid_figure("rooms per floor", batch.rooms_per_floor, "1-99");
  }
  constexpr long kMaxNumber = 999999;  // a room number has at most 6 digits
  const long first = batch.first_floor_first_room;
  if (first < 1 || first > kMaxNumber) {
    return invalid_figure("first floor number", first, "1-999999");
  }
  long step = 0;
  if (batch.floors > 1) {
    const long second = batch.second_floor_first_room;
    step = second - first;
    if (step < batch.rooms_per_floor) {
      return invalid_figure("second floor number", second,
                            "at least first floor number + rooms per floor (" +
                                std::to_string(first + batch.rooms_per_floor) + ")");
    }
  }
  const long last = first + step * (batch.floors - 1) + batch.rooms_per_floor - 1;
  if (last > kMaxNumber) {
    return invalid_figure("floors", batch.floors,
                          "the last room would be " + std::to_string(last) + ", beyond 6 digits");
  }
  std::vector<std::string> numbers;
  numbers.reserve(static_cast<std::size_t>(batch.floors * batch.rooms_per_floor));
  for (int f = 0; f < batch.floors; ++f) {
    for (int r = 0; r < batch.rooms_per_floor; ++r) {
      numbers.push_back(std::to_string(first + step * f + r));
    }
  }
  return numbers;
}

std::string Directory::random_password(std::size_t length) {
  return core::secure_random().text(length,
                                    "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789");
}

Result<std::vector<Room>> Directory::add_rooms_batch(const RoomBatch& batch, const Room& tmpl) {
  auto numbers = batch_numbers(batch);
  if (!numbers) return numbers.error();
  std::vector<Room> rooms;
  rooms.reserve(numbers->size());
  for (const auto& number : *numbers) {
    Room room = tmpl;
    room.number = number;
    room.password = random_password();
    rooms.push_back(std::move(room));
  }
  if (auto ok = check_room(rooms.front()); !ok) return ok.error();
  auto added = in_write_transaction(db_, [&](SQLite::Database& db) -> Result<void> {
    for (const auto& room : rooms) {
      if (auto ok = check_room_number(room.number); !ok) return ok;  // 888888 is reserved
      if (auto ok = insert_room(db, room); !ok) return ok;
    }
    return {};
  });
  if (!added) return added.error();
  return rooms;
}

Result<void> Directory::clear_rooms() {
  return in_write_transaction(db_, [](SQLite::Database& db) -> Result<void> {
    db.exec("DELETE FROM rooms");
    return {};
  });
}

Result<void> Directory::add_vto(const Vto& vto) {
  if (auto ok = check_vto(vto); !ok) return ok;
  return in_write_transaction(db_, [&](SQLite::Database& db) -> Result<void> {
    if (room_exists(db, vto.number))
      return conflict("VTO No.", vto.number, "already a room number");
    if (vto_exists(db, vto.number)) return conflict("VTO No.", vto.number, "already exists");
    SQLite::Statement q(db,
                        "INSERT INTO vtos (number, password, building, unit, ip, web_user, "
                        "web_password) VALUES (?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, vto.number);
    q.bind(2, vto.password);
    q.bind(3, vto.building);
    q.bind(4, vto.unit);
    q.bind(5, vto.ip);
    q.bind(6, vto.web_user);
    q.bind(7, vto.web_password);
    q.exec();
    return {};
  });
}

Result<void> Directory::update_vto(const Vto& vto) {
  if (auto ok = check_vto(vto); !ok) return ok;
  return in_write_transaction(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Statement q(db,
                        "UPDATE vtos SET password = ?, building = ?, unit = ?, ip = ?, "
                        "web_user = ?, web_password = ? WHERE number = ?");
    q.bind(1, vto.password);
    q.bind(2, vto.building);
    q.bind(3, vto.unit);
    q.bind(4, vto.ip);
    q.bind(5, vto.web_user);
    q.bind(6, vto.web_password);
    q.bind(7, vto.number);
    if (q.exec() == 0) return not_found("VTO No.", vto.number);
    return {};
  });
}

Result<void> Directory::remove_vto(const std::string& number) {
  return in_write_transaction(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Statement q(db, "DELETE FROM vtos WHERE number = ?");
    q.bind(1, number);
    if (q.exec() == 0) return not_found("VTO No.", number);
    return {};
  });
}

Result<std::optional<Vto>> Directory::find_vto(const std::string& number) {
  return reading<std::optional<Vto>>(db_, [&](SQLite::Database& db) -> std::optional<Vto> {
    SQLite::Statement q(db, std::string(kVtoColumns) + " WHERE number = ?");
    q.bind(1, number);
    if (!q.executeStep()) return std::nullopt;
    return vto_from(q);
  });
}

Result<std::vector<Vto>> Directory::list_vtos() {
  return reading<std::vector<Vto>>(db_, [&](SQLite::Database& db) {
    SQLite::Statement q(db, std::string(kVtoColumns) + " ORDER BY length(number), number");
    std::vector<Vto> vtos;
    while (q.executeStep()) vtos.push_back(vto_from(q));
    return vtos;
  });
}

Result<void> Directory::set_centre_password(const std::optional<std::string>& password) {
  if (password) {
    if (auto ok = check_password("centre password", *password); !ok) return ok;
  }
  return in_write_transaction(db_, [&](SQLite::Database& db) -> Result<void> {
    if (!password) {
      SQLite::Statement q(db, "DELETE FROM settings WHERE key = ?");
      q.bind(1, kCentrePasswordKey);
      q.exec();
      return {};
    }
    SQLite::Statement q(db,
                        "INSERT INTO settings (key, value) VALUES (?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    q.bind(1, kCentrePasswordKey);
    q.bind(2, *password);
    q.exec();
    return {};
  });
}

Result<std::optional<std::string>> Directory::centre_password() {
  return reading<std::optional<std::string>>(
      db_, [&](SQLite::Database& db) -> std::optional<std::string> {
        SQLite::Statement q(db, "SELECT value FROM settings WHERE key = ?");
        q.bind(1, kCentrePasswordKey);
        if (!q.executeStep()) return std::nullopt;
        return q.getColumn(0).getString();
      });
}

}  // namespace vto::store
