#include "records/unlock_records.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "store/temp_dir.h"

namespace vto::records {
namespace {

class UnlockRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open(tmp_.sub("data"));
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    auto writer = RecordWriter::open(tmp_.sub("data"));
    ASSERT_TRUE(writer) << writer.error().message;
    writer_ = std::move(*writer);
    records_ = std::make_unique<UnlockRecords>(*db_, *writer_);
  }

  // Record i: at 1000 + i ms; methods, rooms and results cycle.
  void add(int n) {
    static const char* methods[] = {"card", "password", "exit_button"};
    for (int i = 0; i < n; ++i) {
      records_->add({0, 1000 + i, methods[i % 3], "", "", i % 2 ? "101" : "102",
                     i % 4 == 0 ? "refused" : "granted", i % 4 == 0 ? "unknown card" : ""});
    }
    records_->flush();
  }

  store::testing::TempDir tmp_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<RecordWriter> writer_;
  std::unique_ptr<UnlockRecords> records_;
};

TEST_F(UnlockRecordsTest, NewestFirstByDefaultAndPaged) {
  add(12);
  UnlockQuery q;
  q.limit = 5;
  auto page = records_->search(q);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->size(), 5u);
  EXPECT_EQ((*page)[0].at_ms, 1011);
  EXPECT_EQ((*page)[4].at_ms, 1007);
  q.offset = 10;
  EXPECT_EQ(records_->search(q)->size(), 2u);
  q.offset = 0;
  q.oldest_first = true;
  EXPECT_EQ((*records_->search(q))[0].at_ms, 1000);
  EXPECT_EQ(*records_->count(q), 12u);
}

TEST_F(UnlockRecordsTest, FiltersGiveExactlyTheirRows) {
  add(24);
  UnlockQuery q;
  q.limit = 500;
  q.method = "password";
  EXPECT_EQ(*records_->count(q), 8u);
  const auto passwords = records_->search(q);
  ASSERT_TRUE(passwords);
  for (const auto& r : *passwords) EXPECT_EQ(r.method, "password");
  q = {};
  q.room = "101";
  q.result = "refused";
  EXPECT_EQ(*records_->count(q), 0u);  // refused ones are even: room 102
  q.room = "102";
  EXPECT_EQ(*records_->count(q), 6u);
  q = {};
  q.from_ms = 1005;
  q.to_ms = 1009;
  EXPECT_EQ(*records_->count(q), 5u);
  q.method = "card";  // 1005 (5 % 3 = 2: exit) ... card at 1006, 1009
  auto found = records_->search(q);
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].at_ms, 1009);
}

TEST_F(UnlockRecordsTest, BadQueriesNameTheField) {
  UnlockQuery q;
  q.method = "teleport";
  EXPECT_THAT(records_->search(q).error().message, ::testing::StartsWith("method:"));
  q = {};
  q.result = "maybe";
  EXPECT_EQ(records_->count(q).error().errc, Errc::Invalid);
  q = {};
  q.from_ms = 5;
  q.to_ms = 4;
  EXPECT_EQ(records_->search(q).error().message, "from: later than to");
  q = {};
  q.limit = 0;
  EXPECT_FALSE(records_->search(q));
}

TEST_F(UnlockRecordsTest, TheOldestGoBeyondTheCap) {
  writer_->set_cap(std::string(UnlockRecords::kTable), 10);
  add(25);
  UnlockQuery q;
  EXPECT_EQ(*records_->count(q), 10u);
  q.oldest_first = true;
  EXPECT_EQ((*records_->search(q))[0].at_ms, 1015);
}

TEST_F(UnlockRecordsTest, ManyRecordsShareACommit) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 500; ++i)
        records_->add({0, t * 1000 + i, "card", "", "", "", "granted", ""});
    });
  }
  for (auto& th : threads) th.join();
  records_->flush();
  EXPECT_EQ(*records_->count({}), 2000u);
  EXPECT_LT(writer_->commits(), 2000u);
}

TEST(MaskedCard, ShowsTheLastFourDigits) {
  EXPECT_EQ(masked_card("1A2B3C4D"), "****3C4D");
  EXPECT_EQ(masked_card("1234"), "1234");
  EXPECT_EQ(masked_card(""), "");
}

}  // namespace
}  // namespace vto::records
