#include "store/database.h"

#include <SQLiteCpp/Statement.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <fstream>

#include "store/temp_dir.h"

namespace vto::store {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

int mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

TEST(DatabaseTest, CreatesPrivateDirectoryAndFile) {
  TempDir tmp;
  const std::string dir = tmp.sub("a/b/data");
  auto db = Database::open(dir);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ(mode_of(dir), 0700);
  EXPECT_EQ(mode_of(dir + "/openvto.db"), 0600);
  EXPECT_EQ((*db)->path(), dir + "/openvto.db");
}

TEST(DatabaseTest, UsesWalFullSyncForeignKeysAndBusyTimeout) {
  TempDir tmp;
  auto db = Database::open(tmp.sub("data"));
  ASSERT_TRUE(db) << db.error().message;
  auto& conn = (*db)->connection();
  EXPECT_EQ(conn.execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(conn.execAndGet("PRAGMA synchronous").getInt(), 2);  // FULL
  EXPECT_EQ(conn.execAndGet("PRAGMA foreign_keys").getInt(), 1);
  EXPECT_EQ(conn.execAndGet("PRAGMA busy_timeout").getInt(), Database::kBusyTimeoutMs);
}

TEST(DatabaseTest, MigratesToLatestAndReopenKeepsData) {
  TempDir tmp;
  {
    auto db = Database::open(tmp.sub("data"));
    ASSERT_TRUE(db) << db.error().message;
    auto version = (*db)->schema_version();
    ASSERT_TRUE(version);
    EXPECT_EQ(*version, Database::latest_schema_version());
    (*db)->connection().exec("INSERT INTO settings (key, value) VALUES ('k', 'v')");
  }
  auto again = Database::open(tmp.sub("data"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*(*again)->schema_version(), Database::latest_schema_version());
  EXPECT_EQ(
      (*again)->connection().execAndGet("SELECT value FROM settings WHERE key = 'k'").getString(),
      "v");
}

TEST(DatabaseTest, AppliesOnlyPendingMigrations) {
  TempDir tmp;
  const std::array<std::string_view, 2> two = {"CREATE TABLE a (x INTEGER)",
                                               "CREATE TABLE b (y INTEGER)"};
  {
    auto db = Database::open_with_migrations(tmp.sub("data"), std::span(two).first(1));
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ(*(*db)->schema_version(), 1);
    (*db)->connection().exec("INSERT INTO a VALUES (7)");
  }
  auto db = Database::open_with_migrations(tmp.sub("data"), two);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ(*(*db)->schema_version(), 2);
  EXPECT_TRUE((*db)->connection().tableExists("b"));
  EXPECT_EQ((*db)->connection().execAndGet("SELECT x FROM a").getInt(), 7);
}

TEST(DatabaseTest, FailedMigrationLeavesNothingBehind) {
  TempDir tmp;
  const std::array<std::string_view, 2> migrations = {
      "CREATE TABLE a (x INTEGER)", "CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1)"};
  auto db = Database::open_with_migrations(tmp.sub("data"), migrations);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().errc, Errc::Io);
  EXPECT_THAT(db.error().message, HasSubstr("migration 2 failed"));
  EXPECT_THAT(db.error().message, HasSubstr(tmp.sub("data/openvto.db")));

  auto first = Database::open_with_migrations(tmp.sub("data"), std::span(migrations).first(1));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*(*first)->schema_version(), 1);
  EXPECT_TRUE((*first)->connection().tableExists("a"));
  EXPECT_FALSE((*first)->connection().tableExists("b"));
}

TEST(DatabaseTest, RefusesNewerSchema) {
  TempDir tmp;
  {
    auto db = Database::open(tmp.sub("data"));
    ASSERT_TRUE(db) << db.error().message;
    (*db)->connection().exec("PRAGMA user_version = " +
                             std::to_string(Database::latest_schema_version() + 1));
  }
  auto db = Database::open(tmp.sub("data"));
  ASSERT_FALSE(db);
  EXPECT_THAT(db.error().message, HasSubstr("newer than this OpenVTO knows"));
  EXPECT_THAT(db.error().message, HasSubstr(tmp.sub("data/openvto.db")));
}

TEST(DatabaseTest, CorruptFileIsAnErrorNamingThePath) {
  TempDir tmp;
  std::filesystem::create_directory(tmp.sub("data"));
  {
    std::ofstream out(tmp.sub("data/openvto.db"), std::ios::binary);
    out << std::string(4096, 'Z');
  }
  auto db = Database::open(tmp.sub("data"));
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().errc, Errc::Io);
  EXPECT_THAT(db.error().message, HasSubstr(tmp.sub("data/openvto.db")));
}

TEST(DatabaseTest, UnusableDirectoryIsAnErrorNamingThePath) {
  TempDir tmp;
  { std::ofstream out(tmp.sub("file")); }
  auto db = Database::open(tmp.sub("file/data"));
  ASSERT_FALSE(db);
  EXPECT_THAT(db.error().message, HasSubstr(tmp.sub("file")));
}

TEST(DatabaseTest, EmptyPathIsRefused) {
  auto db = Database::open("");
  ASSERT_FALSE(db);
  EXPECT_THAT(db.error().message, HasSubstr("data directory"));
}

TEST(DatabaseTest, TwoConnectionsSeeEachOtherAtOnce) {
  TempDir tmp;
  auto a = Database::open(tmp.sub("data"));
  auto b = Database::open(tmp.sub("data"));
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  (*a)->connection().exec("INSERT INTO settings (key, value) VALUES ('k', 'from a')");
  EXPECT_EQ((*b)->connection().execAndGet("SELECT value FROM settings").getString(), "from a");
  (*b)->connection().exec("UPDATE settings SET value = 'from b'");
  EXPECT_EQ((*a)->connection().execAndGet("SELECT value FROM settings").getString(), "from b");
}

}  // namespace
}  // namespace vto::store
