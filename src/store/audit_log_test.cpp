#include "store/audit_log.h"

#include <SQLiteCpp/Transaction.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/temp_dir.h"

namespace vto::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::open(tmp_.sub("data"));
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    log_ = std::make_unique<AuditLog>(*db_);
  }

  void add(std::int64_t at_ms, const std::string& action, const std::string& user = "admin",
           const std::string& detail = "") {
    auto added = log_->add(AuditEntry{0, at_ms, user, "192.0.2.1", action, detail});
    EXPECT_TRUE(added) << added.error().message;
  }

  // The at_ms of the page's entries, and its total.
  std::pair<std::vector<std::int64_t>, std::size_t> times(const AuditQuery& q) {
    auto page = log_->query(q);
    EXPECT_TRUE(page) << page.error().message;
    std::vector<std::int64_t> out;
    if (!page) return {out, 0};
    for (const auto& e : page->entries) out.push_back(e.at_ms);
    return {out, page->total};
  }

  testing::TempDir tmp_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditLogTest, EntriesComeBackNewestFirstWithTheirFields) {
  add(1000, "login");
  add(3000, "user.add", "admin", "added guard (operator)");
  add(2000, "login_failed", "guard");
  auto page = log_->query({});
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->total, 3u);
  ASSERT_EQ(page->entries.size(), 3u);
  const AuditEntry& newest = page->entries[0];
  EXPECT_GT(newest.id, 0);
  EXPECT_EQ(newest.at_ms, 3000);
  EXPECT_EQ(newest.user, "admin");
  EXPECT_EQ(newest.address, "192.0.2.1");
  EXPECT_EQ(newest.action, "user.add");
  EXPECT_EQ(newest.detail, "added guard (operator)");
  EXPECT_EQ(page->entries[1].action, "login_failed");
  EXPECT_EQ(page->entries[2].action, "login");
}

TEST_F(AuditLogTest, EqualTimesAreOrderedByInsertion) {
  add(1000, "a");
  add(1000, "b");
  auto page = log_->query({});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_EQ(page->entries[0].action, "b");
  EXPECT_EQ(page->entries[1].action, "a");
}

TEST_F(AuditLogTest, FiltersAndPagesWithATotal) {
  for (int i = 1; i <= 10; ++i) add(i * 1000, i % 2 ? "login" : "door.open", i <= 5 ? "a" : "b");
  AuditQuery q;
  q.from_ms = 3000;
  q.to_ms = 8000;  // both inclusive
  EXPECT_EQ(times(q), std::make_pair(std::vector<std::int64_t>{8000, 7000, 6000, 5000, 4000, 3000},
                                     std::size_t{6}));
  q.action = "login";
  EXPECT_EQ(times(q), std::make_pair(std::vector<std::int64_t>{7000, 5000, 3000}, std::size_t{3}));
  q.user = "b";
  EXPECT_EQ(times(q), std::make_pair(std::vector<std::int64_t>{7000}, std::size_t{1}));

  AuditQuery paged;
  paged.limit = 3;
  paged.offset = 3;
  EXPECT_EQ(times(paged),
            std::make_pair(std::vector<std::int64_t>{7000, 6000, 5000}, std::size_t{10}));
  paged.offset = 9;
  EXPECT_EQ(times(paged), std::make_pair(std::vector<std::int64_t>{1000}, std::size_t{10}));
  paged.offset = 50;
  EXPECT_EQ(times(paged), std::make_pair(std::vector<std::int64_t>{}, std::size_t{10}));

  AuditQuery none;
  none.action = "nothing";
  EXPECT_EQ(times(none), std::make_pair(std::vector<std::int64_t>{}, std::size_t{0}));

  // A part of the detail, the user or the address, in any case; '%' is itself.
  AuditQuery text;
  text.text = "B";
  EXPECT_EQ(times(text).second, 5u);
  text.text = "%";
  EXPECT_EQ(times(text).second, 0u);
}

TEST_F(AuditLogTest, BadQueriesAreRefusedNamingTheField) {
  auto refused = [this](const AuditQuery& q, const char* field) {
    auto page = log_->query(q);
    ASSERT_FALSE(page) << field;
    EXPECT_EQ(page.error().errc, Errc::Invalid);
    EXPECT_THAT(page.error().message, HasSubstr(field));
  };
  AuditQuery q;
  q.limit = 0;
  refused(q, "limit");
  q.limit = 501;
  refused(q, "limit");
  q = {};
  q.from_ms = -1;
  refused(q, "from");
  q = {};
  q.from_ms = 2000;
  q.to_ms = 1000;
  refused(q, "from");
  q = {};
  q.to_ms = -5;
  refused(q, "to");
  q = {};
  q.limit = 500;
  EXPECT_TRUE(log_->query(q));
}

TEST_F(AuditLogTest, QueryAllReadsEveryMatchPastOnePage) {
  {
    SQLite::Transaction tx(db_->connection());
    for (int i = 1; i <= 520; ++i) add(i * 1000, i % 2 ? "login" : "logout");
    tx.commit();
  }
  AuditQuery q;
  q.limit = 3;  // the size of a page, no cap on the export
  auto all = log_->query_all(q);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->total, 520u);
  ASSERT_EQ(all->entries.size(), 520u);
  EXPECT_EQ(all->entries.front().at_ms, 520000);
  EXPECT_EQ(all->entries[500].at_ms, 20000);
  EXPECT_EQ(all->entries.back().at_ms, 1000);

  // from and to (both inclusive) with the other filters and an offset.
  q.from_ms = 10000;
  q.to_ms = 20000;
  q.action = "logout";
  q.offset = 2;
  all = log_->query_all(q);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->total, 6u);  // 10000, 12000, ... 20000
  std::vector<std::int64_t> at;
  for (const auto& e : all->entries) at.push_back(e.at_ms);
  EXPECT_THAT(at, ElementsAre(16000, 14000, 12000, 10000));

  AuditQuery backwards;
  backwards.from_ms = 2000;
  backwards.to_ms = 1000;
  auto refused = log_->query_all(backwards);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().errc, Errc::Invalid);
  EXPECT_THAT(refused.error().message, HasSubstr("from"));
  backwards.from_ms = 1000;  // one instant is a range
  auto one = log_->query_all(backwards);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(one->total, 1u);
}

TEST(AuditCsvTest, AHeaderThenARowPerEntryWithTheTimeInUtc) {
  const std::vector<AuditEntry> entries{
      {45, 1795611512132, "token:vtoctl", "127.0.0.1", "settings_changed",
       R"(facade: {"modules":["camera","keypad"]})"},
      {44, 0, "", "local", "login_failed", "=HYPERLINK(\"x\")"},
  };
  EXPECT_EQ(audit_csv(entries),
            "id,at_ms,time,user,address,action,detail\r\n"
            "45,1795611512132,2026-11-25T12:58:32.132Z,token:vtoctl,127.0.0.1,settings_changed,"
            "\"facade: {\"\"modules\"\":[\"\"camera\"\",\"\"keypad\"\"]}\"\r\n"
            // A formula is defused with a leading ' (store::Csv).
            "44,0,1970-01-01T00:00:00.000Z,,local,login_failed,\"'=HYPERLINK(\"\"x\"\")\"\r\n");
  EXPECT_EQ(audit_csv({}), "id,at_ms,time,user,address,action,detail\r\n");
}

TEST_F(AuditLogTest, EntryFieldsAreChecked) {
  auto refused = [this](const AuditEntry& e, const char* field) {
    auto added = log_->add(e);
    ASSERT_FALSE(added) << field;
    EXPECT_EQ(added.error().errc, Errc::Invalid);
    EXPECT_THAT(added.error().message, HasSubstr(field));
  };
  const AuditEntry good{0, 1000, "admin", "192.0.2.1", "login", ""};
  AuditEntry e = good;
  e.action = "";
  refused(e, "action");
  e.action = std::string(65, 'a');
  refused(e, "action");
  e = good;
  e.detail = std::string(1025, 'd');
  refused(e, "detail");
  e = good;
  e.user = std::string(65, 'u');
  refused(e, "user");
  e = good;
  e.address = std::string(65, '1');
  refused(e, "address");
  e = good;
  e.at_ms = -1;
  refused(e, "at");

  e = good;
  e.user = "";  // nobody logged in
  e.action = std::string(64, 'a');
  e.detail = std::string(1024, 'd');
  e.address = std::string(64, '1');
  EXPECT_TRUE(log_->add(e));
  auto page = log_->query({});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 1u);
}

TEST_F(AuditLogTest, TrimKeepsTheNewest) {
  for (int i = 1; i <= 10; ++i) add(i * 1000, "login");
  add(500, "late");  // written last, but the oldest by time
  auto dropped = log_->trim(4);
  ASSERT_TRUE(dropped) << dropped.error().message;
  EXPECT_EQ(*dropped, 7u);
  AuditQuery all;
  EXPECT_EQ(times(all),
            std::make_pair(std::vector<std::int64_t>{10000, 9000, 8000, 7000}, std::size_t{4}));
  EXPECT_EQ(*log_->trim(4), 0u);
  EXPECT_EQ(*log_->trim(10), 0u);
  add(11000, "login");
  EXPECT_EQ(*log_->trim(4), 1u);
  EXPECT_EQ(*log_->trim(0), 4u);
  EXPECT_EQ(times(all).second, 0u);
}

TEST_F(AuditLogTest, TrimByDefaultKeepsTheCap) {
  for (int i = 0; i < 5; ++i) add(i, "login");
  EXPECT_EQ(*log_->trim(), 0u);
  EXPECT_EQ(AuditLog::kDefaultMaxEntries, 100000u);
}

}  // namespace
}  // namespace vto::store
