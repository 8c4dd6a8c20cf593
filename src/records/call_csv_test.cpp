#include "records/call_csv.h"

#include <gtest/gtest.h>

namespace vto::records {
namespace {

TEST(CallCsvTest, HeaderThenOneRowPerRecord) {
  CallRecord answered{7,          1000, 46000,        "8001", "101", "101#1",
                      "answered", 42,   std::nullopt, true,   true};
  CallRecord odd{8,     2000, 0, "8001", "1,2", "x\"y", "ongoing", 0, std::string("/s/8.jpg"),
                 false, false};
  const std::string header =
      "id,started_ms,ended_ms,caller,called,answered_by,result,duration_s,snapshot_path,"
      "encrypted,door_opened\r\n";
  EXPECT_EQ(calls_csv({answered, odd}),
            header +
                "7,1000,46000,8001,101,101#1,answered,42,,1,1\r\n"
                "8,2000,0,8001,\"1,2\",\"x\"\"y\",ongoing,0,/s/8.jpg,0,0\r\n");
  EXPECT_EQ(calls_csv({}), header);
}

}  // namespace
}  // namespace vto::records
