#include "records/call_records.h"

#include <SQLiteCpp/Database.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>

#include "store/temp_dir.h"

namespace vto::records {
namespace {

using store::Database;
using store::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class CallRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Database::open(tmp_.sub("data"));
    ASSERT_TRUE(opened) << opened.error().message;
    db_ = std::move(*opened);
  }

  // A finished record started at `at`; returns its id.
  std::int64_t add(CallRecords& records, std::int64_t at, std::string_view result,
                   const std::string& called = "101") {
    auto id = records.start("8001", called, at);
    EXPECT_TRUE(id) << id.error().message;
    if (result != kOngoing) {
      EXPECT_TRUE(records.finish(id->id, result, at + 1000));
    }
    return id->id;
  }

  std::vector<std::int64_t> ids(CallRecords& records, const CallQuery& q) {
    auto found = records.search(q);
    EXPECT_TRUE(found) << found.error().message;
    std::vector<std::int64_t> out;
    if (found) {
      for (const auto& r : *found) out.push_back(r.id);
    }
    return out;
  }

  TempDir tmp_;
  std::unique_ptr<Database> db_;
};

TEST(CallRecordsMigrationTest, AppliesOnAnExistingVersion1Database) {
  TempDir tmp;
  // A database left at schema version 1 (the building directory) with data in it.
  const std::array<std::string_view, 1> v1 = {
      "CREATE TABLE rooms (number TEXT PRIMARY KEY NOT NULL, password TEXT NOT NULL);"
      "CREATE TABLE vtos (number TEXT PRIMARY KEY NOT NULL, password TEXT NOT NULL);"
      "CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)"};
  {
    auto db = Database::open_with_migrations(tmp.sub("data"), v1);
    ASSERT_TRUE(db) << db.error().message;
    (*db)->connection().exec("INSERT INTO rooms VALUES ('101', 'pw')");
    ASSERT_FALSE((*db)->connection().tableExists("call_records"));
  }
  auto db = Database::open(tmp.sub("data"));
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ(*(*db)->schema_version(), Database::latest_schema_version());
  EXPECT_GE(Database::latest_schema_version(), 2);
  EXPECT_TRUE((*db)->connection().tableExists("call_records"));
  EXPECT_EQ((*db)->connection().execAndGet("SELECT count(*) FROM rooms").getInt(), 1);
  EXPECT_EQ((*db)
                ->connection()
                .execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                            "name = 'call_records_started'")
                .getInt(),
            1);
  CallRecords records(**db);
  EXPECT_TRUE(records.start("8001", "101", 1000));
}

TEST_F(CallRecordsTest, StartAnswerFinishRecordsTheWholeCall) {
  CallRecords records(*db_);
  auto id = records.start("8001", "101", 1'700'000'000'000);
  ASSERT_TRUE(id) << id.error().message;
  auto found = records.search({});
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  CallRecord r = found->front();
  EXPECT_EQ(r.id, id->id);
  EXPECT_EQ(r.result, "ongoing");
  EXPECT_EQ(r.ended_ms, 0);
  EXPECT_EQ(r.caller, "8001");
  EXPECT_EQ(r.called, "101");
  EXPECT_EQ(r.answered_by, "");
  EXPECT_FALSE(r.snapshot_path);

  ASSERT_TRUE(records.answered(id->id, "101#1", 1'700'000'003'000));
  ASSERT_TRUE(records.finish(id->id, kAnswered, 1'700'000'045'900));
  r = records.search({})->front();
  EXPECT_EQ(r.result, "answered");
  EXPECT_EQ(r.answered_by, "101#1");
  EXPECT_EQ(r.started_ms, 1'700'000'000'000);
  EXPECT_EQ(r.ended_ms, 1'700'000'045'900);
  EXPECT_EQ(r.duration_s, 42);  // talk time, whole seconds
  EXPECT_FALSE(r.encrypted);

  auto secure = records.start("8001", "102", 1'700'000'100'000);
  ASSERT_TRUE(records.answered(secure->id, "102#0", 1'700'000'101'000, true));
  EXPECT_TRUE(records.get(secure->id)->encrypted);
}

TEST_F(CallRecordsTest, UnansweredCallHasNoTalkTime) {
  CallRecords records(*db_);
  auto id = records.start("8001", "102", 5000);
  ASSERT_TRUE(records.finish(id->id, kNoAnswer, 35000));
  auto r = records.search({})->front();
  EXPECT_EQ(r.result, "no_answer");
  EXPECT_EQ(r.duration_s, 0);
  EXPECT_EQ(r.ended_ms, 35000);
}

TEST_F(CallRecordsTest, CallsCutByACrashAreClosedAtTheNextStart) {
  {
    CallRecords before(*db_);
    auto talking = before.start("8001", "101", 10'000);
    ASSERT_TRUE(before.answered(talking->id, "101#0", 12'000));
    auto ringing = before.start("8001", "102", 20'000);
    auto done = before.start("8001", "103", 1'000);
    ASSERT_TRUE(talking && ringing && done);
    ASSERT_TRUE(before.finish(done->id, kBusy, 5'000));
  }
  CallRecords after(*db_);  // vtod started again
  auto closed = after.close_interrupted(72'000);
  ASSERT_TRUE(closed);
  EXPECT_EQ(*closed, 2u);
  auto all = after.search({});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].called, "102");  // newest first
  EXPECT_EQ((*all)[0].result, "failed");
  EXPECT_EQ((*all)[0].ended_ms, 72'000);
  EXPECT_EQ((*all)[1].called, "101");
  EXPECT_EQ((*all)[1].result, "answered");
  EXPECT_EQ((*all)[1].duration_s, 60);
  EXPECT_EQ((*all)[2].result, "busy");  // finished records are left alone
  EXPECT_EQ((*all)[2].ended_ms, 5'000);
  EXPECT_EQ(*after.close_interrupted(80'000), 0u);
}

TEST_F(CallRecordsTest, FinishIsRefusedTwiceForUnknownIdsAndBadResults) {
  CallRecords records(*db_);
  auto id = records.start("8001", "101", 1000);
  ASSERT_TRUE(records.finish(id->id, kBusy, 2000));
  auto again = records.finish(id->id, kFailed, 3000);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().errc, Errc::Conflict);
  EXPECT_EQ(records.search({})->front().result, "busy");

  auto unknown = records.finish(999, kFailed, 3000);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().errc, Errc::NotFound);
  EXPECT_EQ(records.answered(999, "101#0", 3000).error().errc, Errc::NotFound);

  auto id2 = records.start("8001", "101", 1000);
  EXPECT_EQ(records.finish(id2->id, "ongoing", 2000).error().errc, Errc::Invalid);
  EXPECT_EQ(records.finish(id2->id, "exploded", 2000).error().errc, Errc::Invalid);
}

TEST_F(CallRecordsTest, SnapshotPathIsSetEvenAfterTheCallEnded) {
  CallRecords records(*db_);
  auto ongoing = records.start("8001", "101", 1000);
  auto finished = records.start("8001", "102", 2000);
  ASSERT_TRUE(ongoing && finished);
  ASSERT_TRUE(records.finish(finished->id, kNoAnswer, 3000));
  ASSERT_TRUE(records.set_snapshot(ongoing->id, "/data/snapshots/call-1.jpg"));
  ASSERT_TRUE(records.set_snapshot(finished->id, "/data/snapshots/call-2.jpg"));

  auto one = records.get(ongoing->id);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(one->snapshot_path, "/data/snapshots/call-1.jpg");
  EXPECT_EQ(one->result, "ongoing");
  auto two = records.get(finished->id);
  ASSERT_TRUE(two) << two.error().message;
  EXPECT_EQ(two->snapshot_path, "/data/snapshots/call-2.jpg");
  EXPECT_EQ(two->result, "no_answer");
  EXPECT_EQ(two->ended_ms, 3000);
  EXPECT_EQ(records.search({})->front().snapshot_path, "/data/snapshots/call-2.jpg");

  EXPECT_EQ(records.set_snapshot(999, "/x.jpg").error().errc, Errc::NotFound);
  EXPECT_EQ(records.get(999).error().errc, Errc::NotFound);
}

TEST_F(CallRecordsTest, EveryChangeIsVisibleToAnotherConnectionAtOnce) {
  CallRecords records(*db_);
  auto id = records.start("8001", "101", 1000);
  ASSERT_TRUE(id);
  ASSERT_TRUE(records.answered(id->id, "101#0", 2000));
  // A second connection (as vtoctl or a restarted vtod) sees it without any close.
  SQLite::Database other(db_->path(), SQLite::OPEN_READONLY);
  EXPECT_EQ(other.execAndGet("SELECT answered_by FROM call_records").getString(), "101#0");
}

TEST_F(CallRecordsTest, SearchIsNewestFirstWithPaging) {
  CallRecords records(*db_);
  std::vector<std::int64_t> made;
  for (int i = 0; i < 7; ++i) made.push_back(add(records, 1000 * (i + 1), kAnswered));
  EXPECT_THAT(ids(records, {}),
              ElementsAre(made[6], made[5], made[4], made[3], made[2], made[1], made[0]));
  CallQuery page;
  page.offset = 2;
  page.limit = 3;
  EXPECT_THAT(ids(records, page), ElementsAre(made[4], made[3], made[2]));
  page.offset = 6;
  EXPECT_THAT(ids(records, page), ElementsAre(made[0]));
  page.offset = 7;
  EXPECT_TRUE(ids(records, page).empty());
  EXPECT_EQ(*records.count(page), 7u);  // paging does not change the count
}

TEST_F(CallRecordsTest, SearchAndCountFilterByTimeAndResult) {
  CallRecords records(*db_);
  const auto a = add(records, 1000, kAnswered);
  const auto b = add(records, 2000, kBusy);
  const auto c = add(records, 3000, kAnswered);
  const auto d = add(records, 4000, kFailed);
  const auto e = add(records, 5000, kOngoing);

  CallQuery q;
  q.from_ms = 2000;
  q.to_ms = 4000;  // both ends inclusive
  EXPECT_THAT(ids(records, q), ElementsAre(d, c, b));
  EXPECT_EQ(*records.count(q), 3u);

  q.result = "answered";
  EXPECT_THAT(ids(records, q), ElementsAre(c));
  EXPECT_EQ(*records.count(q), 1u);

  CallQuery answered;
  answered.result = "answered";
  EXPECT_THAT(ids(records, answered), ElementsAre(c, a));

  CallQuery ongoing;
  ongoing.result = "ongoing";
  EXPECT_THAT(ids(records, ongoing), ElementsAre(e));

  CallQuery from;
  from.from_ms = 4500;
  EXPECT_THAT(ids(records, from), ElementsAre(e));
  CallQuery to;
  to.to_ms = 1999;
  EXPECT_THAT(ids(records, to), ElementsAre(a));
  EXPECT_EQ(*records.count({}), 5u);
}

TEST_F(CallRecordsTest, SearchByTheRoomCalledEitherWay) {
  CallRecords records(*db_);
  const auto a = add(records, 1000, kAnswered, "101");
  add(records, 2000, kAnswered, "102");
  const auto c = add(records, 3000, kNoAnswer, "101");
  CallQuery q;
  q.called = "101";
  EXPECT_THAT(ids(records, q), ElementsAre(c, a));
  EXPECT_EQ(*records.count(q), 2u);
  q.oldest_first = true;
  EXPECT_THAT(ids(records, q), ElementsAre(a, c));
  q.result = "no_answer";
  EXPECT_THAT(ids(records, q), ElementsAre(c));
}

TEST_F(CallRecordsTest, BadQueriesNameTheField) {
  CallRecords records(*db_);
  CallQuery q;
  q.limit = 0;
  auto r = records.search(q);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().errc, Errc::Invalid);
  EXPECT_THAT(r.error().message, HasSubstr("limit"));
  q.limit = 501;
  EXPECT_THAT(records.search(q).error().message, HasSubstr("limit"));
  q.limit = 500;
  EXPECT_TRUE(records.search(q));

  CallQuery bad_result;
  bad_result.result = "ok";
  EXPECT_THAT(records.search(bad_result).error().message, HasSubstr("result"));
  EXPECT_THAT(records.count(bad_result).error().message, HasSubstr("result"));

  CallQuery backwards;
  backwards.from_ms = 5;
  backwards.to_ms = 4;
  EXPECT_THAT(records.count(backwards).error().message, HasSubstr("from"));
  CallQuery negative;
  negative.to_ms = -1;
  EXPECT_THAT(records.search(negative).error().message, HasSubstr("to"));
}

TEST_F(CallRecordsTest, CapDropsTheOldestInTheInsertTransaction) {
  CallRecords records(*db_, 3);
  // Started out of id order: the oldest by start time goes first.
  const auto late = add(records, 9000, kAnswered);
  const auto early = add(records, 1000, kAnswered);
  const auto mid = add(records, 5000, kAnswered);
  EXPECT_EQ(*records.count({}), 3u);
  const auto newest = add(records, 10000, kBusy);
  EXPECT_EQ(*records.count({}), 3u);
  EXPECT_THAT(ids(records, {}), ElementsAre(newest, late, mid));
  (void)early;
  for (int i = 0; i < 10; ++i) add(records, 20000 + i, kFailed);
  EXPECT_EQ(*records.count({}), 3u);
  auto kept = records.search({});
  EXPECT_EQ(kept->back().started_ms, 20007);
}

TEST_F(CallRecordsTest, CapNamesTheSnapshotsOfTheRecordsItDrops) {
  CallRecords records(*db_, 3);
  const auto a = add(records, 1000, kAnswered);
  const auto b = add(records, 2000, kBusy);
  add(records, 3000, kFailed);  // no snapshot
  ASSERT_TRUE(records.set_snapshot(a, "/data/snapshots/call-1.jpg"));
  ASSERT_TRUE(records.set_snapshot(b, "/data/snapshots/call-2.jpg"));

  auto d = records.start("8001", "101", 4000);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_THAT(d->dropped_snapshots, ElementsAre("/data/snapshots/call-1.jpg"));
  auto e = records.start("8001", "101", 5000);
  ASSERT_TRUE(e);
  EXPECT_THAT(e->dropped_snapshots, ElementsAre("/data/snapshots/call-2.jpg"));
  auto f = records.start("8001", "101", 6000);  // drops the record without a snapshot
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->dropped_snapshots.empty());
  EXPECT_EQ(*records.count({}), 3u);

  // A lower cap drops many at the next start, naming every snapshot among them.
  ASSERT_TRUE(records.set_snapshot(d->id, "/data/snapshots/call-4.jpg"));
  ASSERT_TRUE(records.set_snapshot(e->id, "/data/snapshots/call-5.jpg"));
  CallRecords smaller(*db_, 1);
  auto g = smaller.start("8001", "101", 7000);
  ASSERT_TRUE(g);
  EXPECT_THAT(g->dropped_snapshots,
              ElementsAre("/data/snapshots/call-5.jpg", "/data/snapshots/call-4.jpg"));
  EXPECT_THAT(ids(smaller, {}), ElementsAre(g->id));
}

TEST_F(CallRecordsTest, CapNeverDropsTheRecordJustStartedNorReusesItsId) {
  CallRecords records(*db_, 2);
  add(records, 50'000, kAnswered);
  const auto newer = add(records, 60'000, kAnswered);
  // The clock was set back: the new call is the oldest by start time, yet it stays.
  auto back = records.start("8001", "101", 1000);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_THAT(ids(records, {}), ElementsAre(newer, back->id));
  ASSERT_TRUE(records.finish(back->id, kBusy, 2000));
  auto next = records.start("8001", "102", 3000);
  ASSERT_TRUE(next);
  EXPECT_GT(next->id, back->id);
  EXPECT_THAT(ids(records, {}), ElementsAre(newer, next->id));
}

TEST_F(CallRecordsTest, SnapshotLinksListEveryRecordById) {
  CallRecords records(*db_);
  const auto a = add(records, 3000, kAnswered);
  const auto b = add(records, 1000, kBusy);
  const auto c = add(records, 2000, kOngoing);
  ASSERT_TRUE(records.set_snapshot(b, "/data/snapshots/call-2.jpg"));
  auto links = records.snapshot_links();
  ASSERT_TRUE(links) << links.error().message;
  EXPECT_THAT(*links,
              ElementsAre(SnapshotLink{a, false}, SnapshotLink{b, true}, SnapshotLink{c, false}));
}

TEST_F(CallRecordsTest, ADatabaseFaultIsAnError) {
  CallRecords records(*db_);
  db_->connection().exec("DROP TABLE call_records");
  auto id = records.start("8001", "101", 1000);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().errc, Errc::Io);
  EXPECT_EQ(records.search({}).error().errc, Errc::Io);
  EXPECT_EQ(records.get(1).error().errc, Errc::Io);
  EXPECT_EQ(records.set_snapshot(1, "/x.jpg").error().errc, Errc::Io);
  EXPECT_EQ(records.snapshot_links().error().errc, Errc::Io);
}

}  // namespace
}  // namespace vto::records
