#include "records/alarm_records.h"

#include <gtest/gtest.h>

#include "store/temp_dir.h"

namespace vto::records {
namespace {

class AlarmRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open(tmp_.sub("data"));
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
  }
  store::testing::TempDir tmp_;
  std::unique_ptr<store::Database> db_;
};

TEST_F(AlarmRecordsTest, AnAlarmFromStartToEndAndDelivery) {
  AlarmRecords alarms(*db_);
  auto id = alarms.add("held_open", "door sensor", "open longer than 60 s", 1000);
  ASSERT_TRUE(id) << id.error().message;
  auto undelivered = alarms.undelivered(10);
  ASSERT_EQ(undelivered->size(), 1u);
  EXPECT_EQ((*undelivered)[0].type, "held_open");
  ASSERT_TRUE(alarms.end(*id, 5000));
  ASSERT_TRUE(alarms.end(*id, 9000));  // the first end stays
  ASSERT_TRUE(alarms.delivered(*id, 1200));
  auto r = alarms.get(*id);
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->ended_ms, 5000);
  EXPECT_EQ((*r)->delivered_ms, 1200);
  EXPECT_TRUE(alarms.undelivered(10)->empty());
  EXPECT_EQ(alarms.add("fire", "x", "", 1).error().errc, Errc::Invalid);
}

TEST_F(AlarmRecordsTest, SearchFiltersAndCap) {
  AlarmRecords alarms(*db_, 5);
  const char* types[] = {"tamper", "duress", "forced_open"};
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(alarms.add(types[i % 3], "s", "", 100 + i));
  ASSERT_TRUE(alarms.delivered(8, 200));
  AlarmQuery q;
  EXPECT_EQ(*alarms.count(q), 5u);  // the newest five
  q.oldest_first = true;
  EXPECT_EQ((*alarms.search(q))[0].started_ms, 103);
  q = {};
  q.type = "duress";
  EXPECT_EQ(*alarms.count(q), 2u);  // 104 and 107
  q = {};
  q.delivered = false;
  EXPECT_EQ(*alarms.count(q), 4u);
  q = {};
  q.from_ms = 105;
  q.to_ms = 106;
  EXPECT_EQ(*alarms.count(q), 2u);
  q = {};
  q.type = "flood";
  EXPECT_FALSE(alarms.search(q));
}

}  // namespace
}  // namespace vto::records
