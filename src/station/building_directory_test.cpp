#include "station/building_directory.h"

#include <gtest/gtest.h>

#include <fstream>

#include "store/database.h"
#include "store/directory.h"
#include "store/temp_dir.h"

namespace vto::station {
namespace {

using Kind = sip::NumberPlan::Kind;
using store::testing::TempDir;

class BuildingDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = BuildingDirectory::open(tmp_.sub("data"));
    ASSERT_TRUE(opened) << opened.error().message;
    building_ = std::move(*opened);
    // A second connection, as vtoctl would make while vtod runs.
    auto db = store::Database::open(tmp_.sub("data"));
    ASSERT_TRUE(db) << db.error().message;
    other_db_ = std::move(*db);
    other_ = std::make_unique<store::Directory>(*other_db_);

    store::Room room;
    room.number = "101";
    room.password = "room101pw";
    ASSERT_TRUE(other_->add_room(room));
    store::Vto vto;
    vto.number = "8001";
    vto.password = "vto8001pw";
    ASSERT_TRUE(other_->add_vto(vto));
  }

  TempDir tmp_;
  std::unique_ptr<BuildingDirectory> building_;
  std::unique_ptr<store::Database> other_db_;
  std::unique_ptr<store::Directory> other_;
};

TEST_F(BuildingDirectoryTest, MonitorsOfARoomUseItsPassword) {
  for (int i = 0; i <= 99; ++i) {
    EXPECT_EQ(building_->password_of("101#" + std::to_string(i)), "room101pw") << i;
  }
}

TEST_F(BuildingDirectoryTest, OtherRoomUserNamesMayNotRegister) {
  for (const char* user : {"101", "101#100", "101#05", "101#-1", "101#+1", "101# 1", "101#",
                           "101#1#1", "#0", "102#0", "101#a", ""}) {
    EXPECT_EQ(building_->password_of(user), std::nullopt) << user;
  }
}

TEST_F(BuildingDirectoryTest, VtoUsesItsPassword) {
  EXPECT_EQ(building_->password_of("8001"), "vto8001pw");
  EXPECT_EQ(building_->password_of("8002"), std::nullopt);
  EXPECT_EQ(building_->password_of("8001#0"), std::nullopt);
}

TEST_F(BuildingDirectoryTest, CentreRegistersOnlyOnceAPasswordIsSet) {
  EXPECT_EQ(building_->password_of("888888"), std::nullopt);
  ASSERT_TRUE(other_->set_centre_password("centre99"));
  EXPECT_EQ(building_->password_of("888888"), "centre99");
  ASSERT_TRUE(other_->set_centre_password(std::nullopt));
  EXPECT_EQ(building_->password_of("888888"), std::nullopt);
}

TEST_F(BuildingDirectoryTest, ClassifiesNumbers) {
  EXPECT_EQ(building_->classify("101"), Kind::Room);
  EXPECT_EQ(building_->classify("101#0"), Kind::Device);
  EXPECT_EQ(building_->classify("101#99"), Kind::Device);
  EXPECT_EQ(building_->classify("101#100"), Kind::Unknown);
  EXPECT_EQ(building_->classify("101#01"), Kind::Unknown);
  EXPECT_EQ(building_->classify("102#0"), Kind::Unknown);
  EXPECT_EQ(building_->classify("8001"), Kind::Vto);
  EXPECT_EQ(building_->classify("888888"), Kind::Centre);
  EXPECT_EQ(building_->classify("102"), Kind::Unknown);
  EXPECT_EQ(building_->classify(""), Kind::Unknown);
}

TEST_F(BuildingDirectoryTest, SeesChangesFromAnotherConnectionAtOnce) {
  EXPECT_EQ(building_->classify("202"), Kind::Unknown);
  store::Room room;
  room.number = "202";
  room.password = "room202pw";
  ASSERT_TRUE(other_->add_room(room));
  EXPECT_EQ(building_->classify("202"), Kind::Room);
  EXPECT_EQ(building_->password_of("202#3"), "room202pw");
  ASSERT_TRUE(other_->remove_room("202"));
  EXPECT_EQ(building_->classify("202"), Kind::Unknown);
  EXPECT_EQ(building_->password_of("202#3"), std::nullopt);
}

TEST_F(BuildingDirectoryTest, OtherWritesToTheFileDoNotReloadIt) {
  ASSERT_EQ(building_->password_of("101#0"), "room101pw");
  const auto loads = building_->loads();
  // A call record, as vtod's recorder writes on its own connection at every call.
  other_db_->connection().exec(
      "INSERT INTO call_records (started_ms, caller, called) VALUES (1, '8001', '101')");
  EXPECT_EQ(building_->password_of("101#0"), "room101pw");
  EXPECT_EQ(building_->loads(), loads);
  // A directory change still shows at once.
  store::Room room;
  room.number = "101";
  room.password = "changed-pw1";
  ASSERT_TRUE(other_->update_room(room));
  EXPECT_EQ(building_->password_of("101#0"), "changed-pw1");
  EXPECT_EQ(building_->loads(), loads + 1);
}

TEST_F(BuildingDirectoryTest, DatabaseErrorsMeanNotFound) {
  other_db_->connection().exec("DROP TABLE rooms");
  EXPECT_EQ(building_->password_of("101#0"), std::nullopt);
  EXPECT_EQ(building_->classify("101"), Kind::Unknown);
  // The directory is read whole: while the store is broken nothing is known, nobody is let in.
  EXPECT_EQ(building_->classify("8001"), Kind::Unknown);
  EXPECT_EQ(building_->password_of("8001"), std::nullopt);
}

TEST(BuildingDirectoryOpenTest, UnusableDataDirIsAnError) {
  TempDir tmp;
  std::ofstream(tmp.sub("file")) << "x";
  auto opened = BuildingDirectory::open(tmp.sub("file/data"));
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find(tmp.sub("file")), std::string::npos);
}

}  // namespace
}  // namespace vto::station
