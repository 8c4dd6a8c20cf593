#include "store/estate_export.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include "store/database.h"
#include "store/temp_dir.h"

namespace vto::store {
namespace {

using testing::TempDir;

TEST(EstateExport, EveryDeviceOfEveryRoomTheVtosAndTheCentreWithTheirDigestKeysOnly) {
  TempDir tmp;
  auto db = Database::open(tmp.sub("data"));
  ASSERT_TRUE(db);
  Directory dir(**db);
  Room r;
  r.number = "101";
  r.password = "Room-pass-1";
  ASSERT_TRUE(dir.add_room(r));
  Vto v;
  v.number = "8001";
  v.password = "Vto-pass-1";
  ASSERT_TRUE(dir.add_vto(v));
  ASSERT_TRUE(dir.set_centre_password(std::string("Centre-pass1")));
  const std::string path = tmp.sub("estate.sqlite");
  auto done = export_estate(dir, path, "estate.lan");
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->rooms, 1u);
  EXPECT_EQ(done->devices, 10u);
  EXPECT_EQ(done->vtos, 1u);
  EXPECT_TRUE(done->centre);

  SQLite::Database out(path, SQLite::OPEN_READWRITE);
  EXPECT_EQ(
      out.execAndGet("SELECT table_version FROM version WHERE table_name = 'subscriber'").getInt(),
      7);
  EXPECT_EQ(out.execAndGet("SELECT COUNT(*) FROM subscriber").getInt(), 22);  // 20 + VTO + centre
  EXPECT_EQ(out.execAndGet("SELECT COUNT(*) FROM subscriber WHERE username = '101%239'").getInt(),
            1);
  EXPECT_EQ(out.execAndGet("SELECT COUNT(*) FROM subscriber WHERE password <> ''").getInt(), 0);
  // echo -n '101#9:estate.lan:Room-pass-1' | md5sum
  EXPECT_EQ(out.execAndGet("SELECT ha1 FROM subscriber WHERE username = '101#9'").getString(),
            "ace38df37d08ade8e84f1e6447741f4c");
  EXPECT_FALSE(
      out.execAndGet("SELECT COUNT(*) FROM subscriber WHERE username = '101#10'").getInt());

  // Again, for the same domain: replaced, not doubled; another domain's rows stay.
  out.exec("INSERT INTO subscriber (username, domain) VALUES ('201#0', 'other.lan')");
  ASSERT_TRUE(export_estate(dir, path, "estate.lan"));
  EXPECT_EQ(out.execAndGet("SELECT COUNT(*) FROM subscriber").getInt(), 23);
  EXPECT_EQ(export_estate(dir, path, "bad domain").error().errc, Errc::Invalid);
}

}  // namespace
}  // namespace vto::store
