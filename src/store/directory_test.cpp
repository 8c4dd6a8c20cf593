#include "store/directory.h"

#include <SQLiteCpp/Transaction.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "store/temp_dir.h"

namespace vto::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::TempDir;

Room room(std::string number, std::string password = "secret1") {
  Room r;
  r.number = std::move(number);
  r.password = std::move(password);
  return r;
}

Vto vto(std::string number, std::string password = "vtopass1") {
  Vto v;
  v.number = std::move(number);
  v.password = std::move(password);
  return v;
}

std::vector<std::string> numbers_of(const std::vector<Room>& rooms) {
  std::vector<std::string> out;
  for (const auto& r : rooms) out.push_back(r.number);
  return out;
}

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Database::open(tmp_.sub("data"));
    ASSERT_TRUE(opened) << opened.error().message;
    db_ = std::move(*opened);
    dir_ = std::make_unique<Directory>(*db_);
  }

  std::vector<std::string> room_numbers() {
    auto rooms = dir_->list_rooms();
    EXPECT_TRUE(rooms);
    return rooms ? numbers_of(*rooms) : std::vector<std::string>{};
  }

  TempDir tmp_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Directory> dir_;
};

TEST_F(DirectoryTest, AddFindUpdateRemoveRoom) {
  Room r = room("101");
  r.first_name = "Ada";
  r.last_name = "Lovelace";
  r.nick_name = "ada";
  r.register_type = "local";
  ASSERT_TRUE(dir_->add_room(r));
  auto found = dir_->find_room("101");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, r);

  r.password = "changed1";
  r.register_type = "public";
  ASSERT_TRUE(dir_->update_room(r));
  EXPECT_EQ((*dir_->find_room("101"))->password, "changed1");

  ASSERT_TRUE(dir_->remove_room("101"));
  EXPECT_FALSE(dir_->find_room("101")->has_value());
}

TEST_F(DirectoryTest, MissingRoomIsNotFound) {
  auto removed = dir_->remove_room("101");
  ASSERT_FALSE(removed);
  EXPECT_EQ(removed.error().errc, Errc::NotFound);
  EXPECT_EQ(removed.error().message, "room number \"101\": not found");
  auto updated = dir_->update_room(room("101"));
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().errc, Errc::NotFound);
}

TEST_F(DirectoryTest, RoomRulesNameTheField) {
  struct Case {
    Room room;
    std::string field;
  };
  Room long_name = room("101");
  long_name.nick_name = std::string(33, 'n');
  Room bad_type = room("101");
  bad_type.register_type = "private";
  const std::vector<Case> cases = {
      {room("12345678"), "room number \"12345678\": 1-6 letters or digits"},
      {room("888888"), "reserved for the management centre"},
      {room("101", ""), "register password: required"},
      {room("101", "short"), "register password: 6-32"},
      {long_name, "nick name"},
      {bad_type, "register type"},
  };
  for (const auto& c : cases) {
    auto r = dir_->add_room(c.room);
    ASSERT_FALSE(r) << c.field;
    EXPECT_EQ(r.error().errc, Errc::Invalid);
    EXPECT_THAT(r.error().message, HasSubstr(c.field));
  }
  EXPECT_THAT(room_numbers(), IsEmpty());
}

TEST_F(DirectoryTest, DuplicateRoomIsAConflict) {
  ASSERT_TRUE(dir_->add_room(room("101")));
  auto again = dir_->add_room(room("101", "other12"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().errc, Errc::Conflict);
  EXPECT_EQ(again.error().message, "room number \"101\": already exists");
  EXPECT_EQ((*dir_->find_room("101"))->password, "secret1");
}

TEST_F(DirectoryTest, RoomAndVtoNumbersNeverCollide) {
  ASSERT_TRUE(dir_->add_vto(vto("8001")));
  ASSERT_TRUE(dir_->add_room(room("101")));
  auto r = dir_->add_room(room("8001"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().errc, Errc::Conflict);
  EXPECT_EQ(r.error().message, "room number \"8001\": already a VTO No.");
  auto v = dir_->add_vto(vto("101"));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message, "VTO No. \"101\": already a room number");
}

TEST_F(DirectoryTest, SchemaTriggersGuardTheRuleToo) {
  ASSERT_TRUE(dir_->add_vto(vto("8001")));
  EXPECT_ANY_THROW(
      db_->connection().exec("INSERT INTO rooms (number, password) VALUES ('8001', 'secret1')"));
}

TEST_F(DirectoryTest, RoomsListInNumberOrder) {
  for (const char* n : {"201", "99", "101", "A1"}) ASSERT_TRUE(dir_->add_room(room(n)));
  EXPECT_THAT(room_numbers(), ElementsAre("99", "A1", "101", "201"));
}

TEST_F(DirectoryTest, BatchAddsFloorsTimesRoomsEachWithItsOwnPassword) {
  Room tmpl = room("", "batchpw1");
  tmpl.register_type = "local";
  auto added = dir_->add_rooms_batch({3, 2, 101, 201}, tmpl);
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_THAT(numbers_of(*added), ElementsAre("101", "102", "201", "202", "301", "302"));
  EXPECT_THAT(room_numbers(), ElementsAre("101", "102", "201", "202", "301", "302"));
  std::set<std::string> passwords;
  for (const Room& a : *added) {
    auto r = dir_->find_room(a.number);
    EXPECT_EQ((*r)->password, a.password);  // what the installer is shown is what is stored
    EXPECT_EQ((*r)->register_type, "local");
    EXPECT_EQ(a.password.size(), 12u);
    passwords.insert(a.password);
  }
  EXPECT_EQ(passwords.size(), 6u);             // one flat's never registers another's
  EXPECT_EQ(passwords.count("batchpw1"), 0u);  // the template's is not used
}

TEST_F(DirectoryTest, BatchOfOneFloorIgnoresSecondFloor) {
  auto added = dir_->add_rooms_batch({1, 3, 1, 0}, room(""));
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_THAT(numbers_of(*added), ElementsAre("1", "2", "3"));
}

TEST_F(DirectoryTest, FailedBatchLeavesNothingBehind) {
  ASSERT_TRUE(dir_->add_room(room("202")));
  auto added = dir_->add_rooms_batch({3, 2, 101, 201}, room(""));
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().errc, Errc::Conflict);
  EXPECT_THAT(added.error().message, HasSubstr("room number \"202\": already exists"));
  EXPECT_THAT(room_numbers(), ElementsAre("202"));

  ASSERT_TRUE(dir_->add_vto(vto("301")));
  ASSERT_TRUE(dir_->remove_room("202"));
  added = dir_->add_rooms_batch({3, 2, 101, 201}, room(""));
  ASSERT_FALSE(added);
  EXPECT_THAT(added.error().message, HasSubstr("already a VTO No."));
  EXPECT_THAT(room_numbers(), IsEmpty());
}

TEST_F(DirectoryTest, BatchThatWouldReachTheCentreNumberFails) {
  auto added = dir_->add_rooms_batch({1, 3, 888887, 0}, room(""));
  ASSERT_FALSE(added);
  EXPECT_THAT(added.error().message, HasSubstr("reserved for the management centre"));
  EXPECT_THAT(room_numbers(), IsEmpty());
}

TEST_F(DirectoryTest, BatchFiguresAreChecked) {
  struct Case {
    RoomBatch batch;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{0, 2, 101, 201}, "floors \"0\": 1-99"},
      {{3, 0, 101, 201}, "rooms per floor \"0\": 1-99"},
      {{3, 100, 101, 201}, "rooms per floor \"100\": 1-99"},
      {{3, 2, 0, 201}, "first floor number \"0\": 1-999999"},
      {{3, 2, 101, 102},
       "second floor number \"102\": at least first floor number + rooms per "
       "floor (103)"},
      {{3, 2, 101, 50}, "second floor number \"50\""},
      {{20, 2, 10101, 110101}, "beyond 6 digits"},
  };
  for (const auto& c : cases) {
    auto added = dir_->add_rooms_batch(c.batch, room(""));
    ASSERT_FALSE(added) << c.message;
    EXPECT_EQ(added.error().errc, Errc::Invalid);
    EXPECT_THAT(added.error().message, HasSubstr(c.message));
  }
  EXPECT_THAT(room_numbers(), IsEmpty());
}

TEST_F(DirectoryTest, ClearRemovesEveryRoomButNoVto) {
  ASSERT_TRUE(dir_->add_rooms_batch({2, 2, 101, 201}, room("")));
  ASSERT_TRUE(dir_->add_vto(vto("8001")));
  ASSERT_TRUE(dir_->clear_rooms());
  EXPECT_THAT(room_numbers(), IsEmpty());
  EXPECT_EQ(dir_->list_vtos()->size(), 1u);
}

TEST_F(DirectoryTest, AddFindUpdateRemoveVto) {
  Vto v = vto("8001");
  v.building = "1";
  v.unit = "2";
  v.ip = "192.168.1.110";
  ASSERT_TRUE(dir_->add_vto(v));
  EXPECT_EQ(**dir_->find_vto("8001"), v);
  v.ip = "fe80::1";
  ASSERT_TRUE(dir_->update_vto(v));
  EXPECT_EQ((*dir_->find_vto("8001"))->ip, "fe80::1");
  auto dup = dir_->add_vto(vto("8001"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().message, "VTO No. \"8001\": already exists");
  ASSERT_TRUE(dir_->add_vto(vto("8002")));
  auto list = dir_->list_vtos();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].number, "8001");
  ASSERT_TRUE(dir_->remove_vto("8001"));
  EXPECT_FALSE(dir_->find_vto("8001")->has_value());
  auto missing = dir_->remove_vto("8001");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().errc, Errc::NotFound);
  EXPECT_EQ(missing.error().message, "VTO No. \"8001\": not found");
}

TEST_F(DirectoryTest, VtoRulesNameTheField) {
  Vto bad_building = vto("8001");
  bad_building.building = "1234";
  Vto bad_unit = vto("8001");
  bad_unit.unit = "x";
  Vto bad_ip = vto("8001");
  bad_ip.ip = "300.1.1.1";
  const std::vector<std::pair<Vto, std::string>> cases = {
      {vto("123456"), "VTO No. \"123456\": 1-5 digits"},
      {vto("888888"), "VTO No."},
      {vto("8001", ""), "register password: required"},
      {vto("8001", "has space"), "register password: 6-32"},
      {bad_building, "building number \"1234\": empty or 1-3 digits"},
      {bad_unit, "unit number \"x\""},
      {bad_ip, "IP address \"300.1.1.1\""},
  };
  for (const auto& [v, message] : cases) {
    auto r = dir_->add_vto(v);
    ASSERT_FALSE(r) << message;
    EXPECT_EQ(r.error().errc, Errc::Invalid);
    EXPECT_THAT(r.error().message, HasSubstr(message));
  }
  EXPECT_THAT(*dir_->list_vtos(), IsEmpty());
}

TEST_F(DirectoryTest, CentreHasNoPasswordUntilSet) {
  auto none = dir_->centre_password();
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(dir_->set_centre_password("centre99"));
  EXPECT_EQ(**dir_->centre_password(), "centre99");
  ASSERT_TRUE(dir_->set_centre_password("centre77"));
  EXPECT_EQ(**dir_->centre_password(), "centre77");
  auto bad = dir_->set_centre_password("bad pass");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr("centre password"));
  EXPECT_THAT(bad.error().message, Not(HasSubstr("bad pass")));
  EXPECT_EQ(**dir_->centre_password(), "centre77");
  ASSERT_TRUE(dir_->set_centre_password(std::nullopt));
  EXPECT_FALSE(dir_->centre_password()->has_value());
}

TEST_F(DirectoryTest, SecondConnectionSeesChangesAtOnce) {
  auto other_db = Database::open(tmp_.sub("data"));
  ASSERT_TRUE(other_db) << other_db.error().message;
  Directory other(**other_db);
  EXPECT_FALSE(other.find_room("101")->has_value());
  ASSERT_TRUE(dir_->add_room(room("101")));
  EXPECT_TRUE(other.find_room("101")->has_value());
  ASSERT_TRUE(other.add_vto(vto("8001")));
  EXPECT_TRUE(dir_->find_vto("8001")->has_value());
  auto conflict = dir_->add_room(room("8001"));
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().errc, Errc::Conflict);
  ASSERT_TRUE(other.set_centre_password("centre99"));
  EXPECT_EQ(**dir_->centre_password(), "centre99");
  ASSERT_TRUE(other.remove_room("101"));
  EXPECT_FALSE(dir_->find_room("101")->has_value());
}

TEST_F(DirectoryTest, WriterWaitsWhileAnotherProcessWrites) {
  auto other_db = Database::open(tmp_.sub("data"));
  ASSERT_TRUE(other_db) << other_db.error().message;
  Result<void> added = make_error("not run");
  {
    SQLite::Transaction tx((*other_db)->connection(), SQLite::TransactionBehavior::IMMEDIATE);
    std::thread writer([&] { added = dir_->add_room(room("101")); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    (*other_db)->connection().exec("INSERT INTO settings (key, value) VALUES ('k', 'v')");
    tx.commit();
    writer.join();
  }
  EXPECT_TRUE(added) << added.error().message;
  EXPECT_TRUE(dir_->find_room("101")->has_value());
}

}  // namespace
}  // namespace vto::store
