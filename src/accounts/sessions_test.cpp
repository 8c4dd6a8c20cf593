#include "accounts/sessions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace vto::accounts {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;

const core::TimePoint kT0 = core::TimePoint{} + std::chrono::hours(1);

bool is_base64url(const std::string& s) {
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

TEST(SessionTableTest, CreateGivesRandomUrlSafeIdAndCsrfToken) {
  SessionTable table;
  const Session a = table.create("admin", "admin", "192.0.2.1", kT0);
  const Session b = table.create("admin", "admin", "192.0.2.1", kT0);
  for (const auto& token : {a.id, a.csrf, b.id, b.csrf}) {
    EXPECT_EQ(token.size(), 43u) << token;  // 32 bytes, base64url without padding
    EXPECT_TRUE(is_base64url(token)) << token;
  }
  EXPECT_EQ((std::set<std::string>{a.id, a.csrf, b.id, b.csrf}).size(), 4u);
  EXPECT_EQ(a.user, "admin");
  EXPECT_EQ(a.role, "admin");
  EXPECT_EQ(a.address, "192.0.2.1");
  EXPECT_EQ(a.created, kT0);
  EXPECT_EQ(a.last_seen, kT0);
  EXPECT_EQ(table.size(), 2u);
}

TEST(SessionTableTest, FindRefreshesLastSeen) {
  SessionTable table;
  const Session s = table.create("guard", "operator", "192.0.2.7", kT0);
  auto found = table.find(s.id, kT0 + minutes(10));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->csrf, s.csrf);
  EXPECT_EQ(found->created, kT0);
  EXPECT_EQ(found->last_seen, kT0 + minutes(10));
  // Each use restarts the idle timeout: 25 minutes after login, 15 after the last use.
  EXPECT_TRUE(table.find(s.id, kT0 + minutes(25)));
  EXPECT_FALSE(table.find("no-such-session", kT0));
  EXPECT_FALSE(table.find("", kT0));
}

TEST(SessionTableTest, AliveDoesNotKeepAnIdleSessionOn) {
  SessionTable table;
  const Session s = table.create("viewer", "viewer", "192.0.2.7", kT0);
  EXPECT_TRUE(table.alive(s.id, kT0 + minutes(10)));
  EXPECT_TRUE(table.alive(s.id, kT0 + minutes(15)));
  EXPECT_FALSE(table.alive(s.id, kT0 + minutes(16)));  // the checks above were not activity
  EXPECT_FALSE(table.alive("no-such-session", kT0));
}

TEST(SessionTableTest, IdleSessionsExpireAndAreForgotten) {
  SessionTable table;
  const Session s = table.create("guard", "operator", "192.0.2.7", kT0);
  EXPECT_TRUE(table.find(s.id, kT0 + minutes(15)));
  EXPECT_FALSE(table.find(s.id, kT0 + minutes(30) + seconds(1)));
  EXPECT_EQ(table.size(), 0u);
  EXPECT_FALSE(table.find(s.id, kT0 + minutes(15)));  // gone, not merely hidden
}

TEST(SessionTableTest, IdleTimeoutCanBeChanged) {
  SessionTable table;
  EXPECT_EQ(table.idle_timeout(), minutes(15));
  table.set_idle_timeout(minutes(2));
  const Session s = table.create("guard", "operator", "192.0.2.7", kT0);
  EXPECT_FALSE(table.find(s.id, kT0 + minutes(3)));
}

TEST(SessionTableTest, LastSeenNeverMovesBack) {
  SessionTable table;
  const Session s = table.create("guard", "operator", "192.0.2.7", kT0);
  ASSERT_TRUE(table.find(s.id, kT0 + minutes(10)));
  auto found = table.find(s.id, kT0 + minutes(5));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->last_seen, kT0 + minutes(10));
}

TEST(SessionTableTest, RemoveEndsOneSession) {
  SessionTable table;
  const Session a = table.create("guard", "operator", "192.0.2.7", kT0);
  const Session b = table.create("guard", "operator", "192.0.2.8", kT0);
  EXPECT_TRUE(table.remove(a.id));
  EXPECT_FALSE(table.remove(a.id));
  EXPECT_FALSE(table.find(a.id, kT0));
  EXPECT_TRUE(table.find(b.id, kT0));
}

TEST(SessionTableTest, RemoveUserEndsAllItsSessionsButTheKeptOne) {
  SessionTable table;
  const Session a = table.create("guard", "operator", "192.0.2.7", kT0);
  const Session b = table.create("guard", "operator", "192.0.2.8", kT0);
  const Session c = table.create("guard", "operator", "192.0.2.9", kT0);
  const Session other = table.create("admin", "admin", "192.0.2.1", kT0);
  EXPECT_EQ(table.remove_user("guard", c.id), 2u);
  EXPECT_FALSE(table.find(a.id, kT0));
  EXPECT_FALSE(table.find(b.id, kT0));
  EXPECT_TRUE(table.find(c.id, kT0));
  EXPECT_EQ(table.remove_user("guard"), 1u);
  EXPECT_EQ(table.remove_user("guard"), 0u);
  EXPECT_TRUE(table.find(other.id, kT0));
}

TEST(SessionTableTest, ListShowsLiveSessionsWithoutSecrets) {
  SessionTable table;
  table.create("viewer1", "viewer", "192.0.2.3", kT0);
  table.create("admin", "admin", "192.0.2.1", kT0 + minutes(1));
  table.create("admin", "admin", "192.0.2.2", kT0 + minutes(20));
  const auto live = table.list(kT0 + minutes(25));
  EXPECT_THAT(live, ElementsAre(SessionInfo{"admin", "admin", "192.0.2.2", kT0 + minutes(20),
                                            kT0 + minutes(20)}));
  EXPECT_EQ(table.size(), 1u);  // the expired ones were ended on the way
}

TEST(SessionTableTest, ListIsOrderedByUserThenLoginTime) {
  SessionTable table;
  table.create("bob", "viewer", "192.0.2.3", kT0 + minutes(2));
  table.create("alice", "admin", "192.0.2.1", kT0 + minutes(3));
  table.create("bob", "viewer", "192.0.2.4", kT0 + minutes(1));
  const auto live = table.list(kT0 + minutes(4));
  ASSERT_EQ(live.size(), 3u);
  EXPECT_EQ(live[0].user, "alice");
  EXPECT_EQ(live[1].address, "192.0.2.4");
  EXPECT_EQ(live[2].address, "192.0.2.3");
}

TEST(SessionTableTest, FullTableDropsExpiredSessionsFirst) {
  SessionTable table(3);
  const Session old = table.create("a", "viewer", "192.0.2.1", kT0);
  const Session b = table.create("b", "viewer", "192.0.2.2", kT0 + minutes(10));
  const Session c = table.create("c", "viewer", "192.0.2.3", kT0 + minutes(11));
  const Session d = table.create("d", "viewer", "192.0.2.4", kT0 + minutes(20));
  EXPECT_EQ(table.size(), 3u);
  EXPECT_FALSE(table.find(old.id, kT0 + minutes(20)));
  EXPECT_TRUE(table.find(b.id, kT0 + minutes(20)));
  EXPECT_TRUE(table.find(c.id, kT0 + minutes(20)));
  EXPECT_TRUE(table.find(d.id, kT0 + minutes(20)));
}

TEST(SessionTableTest, FullTableEvictsTheLeastRecentlySeen) {
  SessionTable table(3);
  const Session a = table.create("a", "viewer", "192.0.2.1", kT0);
  const Session b = table.create("b", "viewer", "192.0.2.2", kT0 + seconds(1));
  const Session c = table.create("c", "viewer", "192.0.2.3", kT0 + seconds(2));
  ASSERT_TRUE(table.find(a.id, kT0 + seconds(3)));  // a is now the most recently seen
  const Session d = table.create("d", "viewer", "192.0.2.4", kT0 + seconds(4));
  EXPECT_EQ(table.size(), 3u);
  EXPECT_FALSE(table.find(b.id, kT0 + seconds(5)));
  EXPECT_TRUE(table.find(a.id, kT0 + seconds(5)));
  EXPECT_TRUE(table.find(c.id, kT0 + seconds(5)));
  EXPECT_TRUE(table.find(d.id, kT0 + seconds(5)));
}

TEST(SessionTableTest, OneAccountsLoginsEndOnlyItsOwnSessions) {
  SessionTable table;
  const Session other = table.create("guard", "operator", "192.0.2.9", kT0);
  std::vector<Session> mine;
  for (int i = 0; i < 300; ++i) {
    mine.push_back(table.create("intruder", "viewer", "192.0.2.1", kT0 + seconds(i)));
  }
  EXPECT_EQ(table.size(), SessionTable::kMaxPerUser + 1);
  EXPECT_TRUE(table.find(other.id, kT0 + seconds(300)));
  EXPECT_TRUE(table.find(mine.back().id, kT0 + seconds(300)));
  EXPECT_FALSE(table.find(mine.front().id, kT0 + seconds(300)));
}

TEST(SessionTableTest, ABusySessionStillEndsTwelveHoursAfterItsLogin) {
  SessionTable table;
  const Session s = table.create("guard", "operator", "192.0.2.9", kT0);
  core::TimePoint t = kT0;
  while (t + minutes(10) < kT0 + SessionTable::kMaxLifetime) {
    t += minutes(10);
    ASSERT_TRUE(table.find(s.id, t));
  }
  EXPECT_FALSE(table.alive(s.id, kT0 + SessionTable::kMaxLifetime));
  EXPECT_FALSE(table.find(s.id, kT0 + SessionTable::kMaxLifetime));
}

TEST(SessionTableTest, DefaultCapHolds) {
  SessionTable table;
  for (int i = 0; i < 300; ++i) {
    table.create("u" + std::to_string(i), "viewer", "192.0.2.1", kT0 + seconds(i));
  }
  EXPECT_EQ(table.size(), SessionTable::kDefaultMaxSessions);
  const auto live = table.list(kT0 + seconds(300));
  ASSERT_EQ(live.size(), 256u);
  for (const auto& s : live) EXPECT_GE(s.created, kT0 + seconds(300 - 256)) << s.user;
}

TEST(ConstantTimeEqualTest, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_FALSE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  const std::string token = random_token();
  EXPECT_TRUE(constant_time_equal(token, std::string(token)));
}

}  // namespace
}  // namespace vto::accounts
