#include "records/call_csv.h"

#include <gtest/gtest.h>

namespace vto::records {
namespace {

TEST(CallCsvTest, PlainFieldsStayAsTheyAre) {
  EXPECT_EQ(csv_field("101#1"), "101#1");
  EXPECT_EQ(csv_field(""), "");
}

TEST(CallCsvTest, CommasQuotesAndLineBreaksAreQuoted) {
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\r"), "\"cr\r\"");
}

TEST(CallCsvTest, FormulaLookingFieldsAreDefused) {
  EXPECT_EQ(csv_field("=1+1"), "'=1+1");
  EXPECT_EQ(csv_field("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_field("-2,3"), "\"'-2,3\"");
}

TEST(CallCsvTest, HeaderThenOneRowPerRecord) {
  CallRecord answered{7, 1000, 46000, "8001", "101", "101#1", "answered", 42, std::nullopt};
  CallRecord odd{8, 2000, 0, "8001", "1,2", "x\"y", "ongoing", 0, std::string("/s/8.jpg")};
  EXPECT_EQ(calls_csv({answered, odd}),
            "id,started_ms,ended_ms,caller,called,answered_by,result,duration_s,snapshot_path\r\n"
            "7,1000,46000,8001,101,101#1,answered,42,\r\n"
            "8,2000,0,8001,\"1,2\",\"x\"\"y\",ongoing,0,/s/8.jpg\r\n");
  EXPECT_EQ(calls_csv({}), std::string(calls_csv_header()) + "\r\n");
}

}  // namespace
}  // namespace vto::records
