#include "app/records_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vto::app {
namespace {

using ::testing::HasSubstr;

TEST(ParseCallQuery, DefaultsWhenEmpty) {
  auto q = parse_call_query("");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_FALSE(q->from_ms);
  EXPECT_FALSE(q->to_ms);
  EXPECT_FALSE(q->result);
  EXPECT_EQ(q->offset, 0u);
  EXPECT_EQ(q->limit, 50u);
}

TEST(ParseCallQuery, ReadsEveryParameter) {
  auto q =
      parse_call_query("from=1700000000000&to=1700000999000&result=no_answer&offset=20&limit=10");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(*q->from_ms, 1700000000000);
  EXPECT_EQ(*q->to_ms, 1700000999000);
  EXPECT_EQ(*q->result, "no_answer");
  EXPECT_EQ(q->offset, 20u);
  EXPECT_EQ(q->limit, 10u);
}

TEST(ParseCallQuery, BadParametersAreNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {"from=yesterday", "from"}, {"from=-5", "from"},
      {"to=1e3", "to"},           {"to=", "to"},
      {"from=9&to=3", "from"},    {"offset=x", "offset"},
      {"limit=0", "limit"},       {"limit=501", "limit"},
      {"limit=5x", "limit"},      {"result=ok", "result"},
      {"result=%zz", "result"},   {"from=99999999999999999999", "from"},
  };
  for (const auto& [query, name] : cases) {
    auto q = parse_call_query(query);
    ASSERT_FALSE(q) << query;
    EXPECT_EQ(q.error().code, 400) << query;
    EXPECT_THAT(q.error().message, HasSubstr(name)) << query;
  }
}

TEST(CallRecordJson, HasEveryField) {
  records::CallRecord r{3, 1000, 5000, "8001", "101", "101#0", "answered", 4, std::nullopt};
  auto j = to_json(r);
  EXPECT_EQ(j["id"], 3);
  EXPECT_EQ(j["answered_by"], "101#0");
  EXPECT_EQ(j["duration_s"], 4);
  EXPECT_TRUE(j["snapshot_path"].is_null());
  r.snapshot_path = "/var/lib/openvto/snapshots/3.jpg";
  EXPECT_EQ(to_json(r)["snapshot_path"], "/var/lib/openvto/snapshots/3.jpg");
}

}  // namespace
}  // namespace vto::app
