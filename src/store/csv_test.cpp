#include "store/csv.h"

#include <gtest/gtest.h>

namespace vto::store {
namespace {

TEST(CsvField, PlainFieldsStayAsTheyAre) {
  EXPECT_EQ(csv_field("101#1"), "101#1");
  EXPECT_EQ(csv_field(""), "");
}

TEST(CsvField, CommasQuotesAndLineBreaksAreQuoted) {
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\r"), "\"cr\r\"");
}

TEST(CsvField, FormulaLookingFieldsAreDefused) {
  EXPECT_EQ(csv_field("=1+1"), "'=1+1");
  EXPECT_EQ(csv_field("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_field("-2,3"), "\"'-2,3\"");
}

TEST(Csv, HeaderThenRowsWithCrlf) {
  Csv csv({"id", "name"});
  csv.number(1).text("a,b").end_row().number(-2).text("").end_row();
  EXPECT_EQ(csv.str(), "id,name\r\n1,\"a,b\"\r\n-2,\r\n");
  EXPECT_EQ(Csv({"only"}).str(), "only\r\n");
}

}  // namespace
}  // namespace vto::store
