#include "store/record_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/temp_dir.h"

namespace vto::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Thing {
  std::int64_t id = 0;
  std::int64_t at_ms = 0;
  std::string kind;
};

Thing thing_from(SQLite::Statement& st) {
  return {st.getColumn(0).getInt64(), st.getColumn(1).getInt64(), st.getColumn(2).getString()};
}

class RecordTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::open(tmp_.sub("data"));
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    db_->connection().exec(
        "CREATE TABLE things (id INTEGER PRIMARY KEY, at_ms INTEGER, kind TEXT)");
    // Two at the same time: the id breaks the tie.
    for (auto [at, kind] : std::vector<std::pair<int, const char*>>{
             {100, "a"}, {300, "b"}, {200, "a"}, {200, "b"}, {500, "a"}}) {
      SQLite::Statement ins(db_->connection(), "INSERT INTO things (at_ms, kind) VALUES (?, ?)");
      ins.bind(1, at);
      ins.bind(2, kind);
      ins.exec();
    }
    table_ = std::make_unique<RecordTable>(*db_, "things", "id, at_ms, kind", "at_ms");
  }

  std::vector<std::int64_t> ids(const Filters& f, const Paging& p) {
    auto page = table_->page(f, p, thing_from);
    EXPECT_TRUE(page) << page.error().message;
    std::vector<std::int64_t> out;
    if (page) {
      for (const Thing& t : *page) out.push_back(t.id);
    }
    return out;
  }

  testing::TempDir tmp_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<RecordTable> table_;
};

TEST_F(RecordTableTest, PagesGoNewestFirstOrOldestFirst) {
  EXPECT_THAT(ids({}, {}), ElementsAre(5, 2, 4, 3, 1));
  EXPECT_THAT(ids({}, {.oldest_first = true}), ElementsAre(1, 3, 4, 2, 5));
  EXPECT_THAT(ids({}, {.offset = 1, .limit = 2}), ElementsAre(2, 4));
  EXPECT_THAT(ids({}, {.offset = 9}), ElementsAre());
}

TEST_F(RecordTableTest, FiltersBindInTheirOrder) {
  Filters f;
  f.add("at_ms >= ?", std::optional<std::int64_t>(200))
      .add("at_ms <= ?", std::optional<std::int64_t>())  // not given: no condition
      .add("kind = ?", std::optional<std::string>("a"));
  EXPECT_EQ(f.where(), " WHERE at_ms >= ? AND kind = ?");
  EXPECT_THAT(ids(f, {}), ElementsAre(5, 3));
  EXPECT_EQ(*table_->count(f), 2u);
  Filters none;
  none.add_if(false, "kind = 'b'");
  EXPECT_EQ(none.where(), "");
  Filters only_b;
  only_b.add_if(true, "kind = 'b'");
  EXPECT_THAT(ids(only_b, {}), ElementsAre(2, 4));
}

TEST_F(RecordTableTest, ACountStopsAtItsCap) {
  EXPECT_EQ(*table_->count({}), 5u);
  EXPECT_EQ(*table_->count({}, 3), 3u);
  EXPECT_EQ(*table_->count({}, 10), 5u);
}

TEST_F(RecordTableTest, FindsOneRowById) {
  auto found = table_->find(3, thing_from);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->at_ms, 200);
  auto missing = table_->find(42, thing_from);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
}

TEST_F(RecordTableTest, ADatabaseFailureIsIoNamingTheFile) {
  RecordTable gone(*db_, "no_such_table", "id, at_ms, kind", "at_ms");
  auto page = gone.page({}, {}, thing_from);
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().errc, Errc::Io);
  EXPECT_THAT(page.error().message, HasSubstr("no_such_table"));
  EXPECT_EQ(gone.count({}).error().errc, Errc::Io);
}

TEST(RecordQueryChecks, NameTheField) {
  EXPECT_TRUE(check_time_range(std::nullopt, std::nullopt));
  EXPECT_TRUE(check_time_range(5, 5));
  EXPECT_THAT(check_time_range(-1, std::nullopt).error().message, HasSubstr("from:"));
  EXPECT_THAT(check_time_range(std::nullopt, -1).error().message, HasSubstr("to:"));
  EXPECT_EQ(check_time_range(6, 5).error().message, "from: later than to");
  EXPECT_EQ(check_time_range(6, 5).error().errc, Errc::Invalid);
  EXPECT_TRUE(check_paging({.limit = 500}, 500));
  EXPECT_EQ(check_paging({.limit = 0}, 500).error().message, "limit: 1-500");
  EXPECT_EQ(check_paging({.limit = 501}, 500).error().message, "limit: 1-500");
  EXPECT_EQ(check_paging({.offset = ~std::size_t{0}}, 500).error().message, "offset: too large");
}

}  // namespace
}  // namespace vto::store
