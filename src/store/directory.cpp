#include "store/directory.h"

#include "core/secure_random.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <exception>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

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

// The rooms and the VTOs are tables of one shape: a number (the key) and text columns.
struct NumberedTable {
  std::string_view name;                  // the table
  std::vector<std::string_view> columns;  // the number first
  std::string_view number_field;          // how messages name the number
};

const NumberedTable& rooms_table() {
  static const NumberedTable t{
      "rooms",
      {"number", "first_name", "last_name", "nick_name", "register_type", "password"},
      "room number"};
  return t;
}

const NumberedTable& vtos_table() {
  static const NumberedTable t{
      "vtos",
      {"number", "password", "building", "unit", "ip", "web_user", "web_password"},
      "VTO No."};
  return t;
}

// A row's values in the table's column order.
std::vector<std::string> values_of(const Room& r) {
  return {r.number, r.first_name, r.last_name, r.nick_name, r.register_type, r.password};
}

std::vector<std::string> values_of(const Vto& v) {
  return {v.number, v.password, v.building, v.unit, v.ip, v.web_user, v.web_password};
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

std::string select_from(const NumberedTable& t) {
  std::string sql = "SELECT ";
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    sql += (i ? ", " : "") + std::string(t.columns[i]);
  }
  return sql + " FROM " + std::string(t.name);
}

bool exists(SQLite::Database& db, const NumberedTable& t, const std::string& number) {
  SQLite::Statement q(db, "SELECT 1 FROM " + std::string(t.name) + " WHERE number = ?");
  q.bind(1, number);
  return q.executeStep();
}

// A number is a room's or a VTO's, never both. The caller holds the write transaction.
Result<void> check_number_free(SQLite::Database& db, const NumberedTable& t,
                               const std::string& number) {
  const NumberedTable& other = &t == &rooms_table() ? vtos_table() : rooms_table();
  if (exists(db, other, number)) {
    return conflict(t.number_field, number, "already a " + std::string(other.number_field));
  }
  if (exists(db, t, number)) return conflict(t.number_field, number, "already exists");
  return {};
}

// Checks the number and inserts the row; the caller holds the write transaction.
Result<void> insert_row(SQLite::Database& db, const NumberedTable& t,
                        const std::vector<std::string>& values) {
  if (auto free = check_number_free(db, t, values[0]); !free) return free;
  std::string columns, marks;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    columns += (i ? ", " : "") + std::string(t.columns[i]);
    marks += i ? ", ?" : "?";
  }
  SQLite::Statement q(
      db, "INSERT INTO " + std::string(t.name) + " (" + columns + ") VALUES (" + marks + ")");
  for (std::size_t i = 0; i < values.size(); ++i) q.bind(static_cast<int>(i + 1), values[i]);
  q.exec();
  return {};
}

// Every column but the number, by number; Errc::NotFound when there is no such row.
Result<void> update_row(SQLite::Database& db, const NumberedTable& t,
                        const std::vector<std::string>& values) {
  std::string sets;
  for (std::size_t i = 1; i < t.columns.size(); ++i) {
    sets += (i > 1 ? ", " : "") + std::string(t.columns[i]) + " = ?";
  }
  SQLite::Statement q(db, "UPDATE " + std::string(t.name) + " SET " + sets + " WHERE number = ?");
  for (std::size_t i = 1; i < values.size(); ++i) q.bind(static_cast<int>(i), values[i]);
  q.bind(static_cast<int>(values.size()), values[0]);
  if (q.exec() == 0) return not_found(t.number_field, values[0]);
  return {};
}

Result<void> remove_row(SQLite::Database& db, const NumberedTable& t, const std::string& number) {
  SQLite::Statement q(db, "DELETE FROM " + std::string(t.name) + " WHERE number = ?");
  q.bind(1, number);
  if (q.exec() == 0) return not_found(t.number_field, number);
  return {};
}

template <class Row>
std::optional<std::invoke_result_t<Row, SQLite::Statement&>> find_row(SQLite::Database& db,
                                                                      const NumberedTable& t,
                                                                      const std::string& number,
                                                                      Row row) {
  SQLite::Statement q(db, select_from(t) + " WHERE number = ?");
  q.bind(1, number);
  if (!q.executeStep()) return std::nullopt;
  return row(q);
}

// Every row, numbers in order (shorter first).
template <class Row>
std::vector<std::invoke_result_t<Row, SQLite::Statement&>> list_rows(SQLite::Database& db,
                                                                     const NumberedTable& t,
                                                                     Row row) {
  SQLite::Statement q(db, select_from(t) + " ORDER BY length(number), number");
  std::vector<std::invoke_result_t<Row, SQLite::Statement&>> rows;
  while (q.executeStep()) rows.push_back(row(q));
  return rows;
}

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
  return in_write_transaction(
      db_, [&](SQLite::Database& db) { return insert_row(db, rooms_table(), values_of(room)); });
}

Result<void> Directory::update_room(const Room& room) {
  if (auto ok = check_room(room); !ok) return ok;
  return in_write_transaction(
      db_, [&](SQLite::Database& db) { return update_row(db, rooms_table(), values_of(room)); });
}

Result<void> Directory::remove_room(const std::string& number) {
  return in_write_transaction(
      db_, [&](SQLite::Database& db) { return remove_row(db, rooms_table(), number); });
}

Result<std::optional<Room>> Directory::find_room(const std::string& number) {
  return reading<std::optional<Room>>(
      db_, [&](SQLite::Database& db) { return find_row(db, rooms_table(), number, room_from); });
}

Result<std::vector<Room>> Directory::list_rooms() {
  return reading<std::vector<Room>>(
      db_, [&](SQLite::Database& db) { return list_rows(db, rooms_table(), room_from); });
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

Result<std::vector<Room>> Directory::add_rooms_batch(const RoomBatch& batch, const Room& tmpl,
                                                     bool skip_existing) {
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
  std::vector<Room> inserted;
  auto added = in_write_transaction(db_, [&](SQLite::Database& db) -> Result<void> {
    inserted.clear();
    for (const auto& room : rooms) {
      if (auto ok = check_room_number(room.number); !ok) return ok;  // 888888 is reserved
      if (skip_existing) {
        if (auto free = check_number_free(db, rooms_table(), room.number); !free) {
          if (free.error().errc == Errc::Conflict) continue;
          return free;
        }
      }
      if (auto ok = insert_row(db, rooms_table(), values_of(room)); !ok) return ok;
      inserted.push_back(room);
    }
    return {};
  });
  if (!added) return added.error();
  return inserted;
}

Result<void> Directory::clear_rooms() {
  return in_write_transaction(db_, [](SQLite::Database& db) -> Result<void> {
    db.exec("DELETE FROM rooms");
    return {};
  });
}

Result<void> Directory::add_vto(const Vto& vto) {
  if (auto ok = check_vto(vto); !ok) return ok;
  return in_write_transaction(
      db_, [&](SQLite::Database& db) { return insert_row(db, vtos_table(), values_of(vto)); });
}

Result<void> Directory::update_vto(const Vto& vto) {
  if (auto ok = check_vto(vto); !ok) return ok;
  return in_write_transaction(
      db_, [&](SQLite::Database& db) { return update_row(db, vtos_table(), values_of(vto)); });
}

Result<void> Directory::remove_vto(const std::string& number) {
  return in_write_transaction(
      db_, [&](SQLite::Database& db) { return remove_row(db, vtos_table(), number); });
}

Result<std::optional<Vto>> Directory::find_vto(const std::string& number) {
  return reading<std::optional<Vto>>(
      db_, [&](SQLite::Database& db) { return find_row(db, vtos_table(), number, vto_from); });
}

Result<std::vector<Vto>> Directory::list_vtos() {
  return reading<std::vector<Vto>>(
      db_, [&](SQLite::Database& db) { return list_rows(db, vtos_table(), vto_from); });
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
