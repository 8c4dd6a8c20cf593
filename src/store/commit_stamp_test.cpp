#include "store/commit_stamp.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "store/database.h"
#include "store/temp_dir.h"

namespace vto::store {
namespace {

TEST(CommitStampTest, ChangesWithEveryCommitOfAnyConnectionAndOnlyThen) {
  testing::TempDir tmp;
  auto mine = Database::open(tmp.sub("data"));
  auto other = Database::open(tmp.sub("data"));
  ASSERT_TRUE(mine && other);
  (*other)->connection().exec("CREATE TABLE probe (x INTEGER)");
  CommitStamp stamp((*mine)->path());
  const auto before = stamp.read();
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(stamp.read(), before);  // nothing committed: the same
  (*mine)->connection().execAndGet("SELECT COUNT(*) FROM probe");
  EXPECT_EQ(stamp.read(), before);  // reads commit nothing
  (*other)->connection().exec("INSERT INTO probe VALUES (1)");
  const auto after = stamp.read();
  ASSERT_TRUE(after.has_value());
  EXPECT_NE(after, before);
  EXPECT_EQ(stamp.read(), after);
  (*mine)->connection().exec("INSERT INTO probe VALUES (2)");
  EXPECT_NE(stamp.read(), after);
}

TEST(CommitStampTest, NoDatabaseNoStamp) {
  testing::TempDir tmp;
  CommitStamp stamp(tmp.sub("nothing") + "/openvto.db");
  EXPECT_FALSE(stamp.read().has_value());
}

}  // namespace
}  // namespace vto::store
