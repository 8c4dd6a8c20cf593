#include "compat/cgi_api.h"

#include <gtest/gtest.h>

namespace vto::compat {
namespace {

TEST(CgiApi, FlattensTablesAsTheFamilyWritesThem) {
  std::vector<std::pair<std::string, std::string>> lines;
  flatten(
      {{"MainFormat", {{{"Video", {{"Width", 640}, {"Compression", "H.264"}}}}}}, {"Enable", true}},
      "table.Encode[0]", lines);
  EXPECT_EQ(key_value_body(lines),
            "table.Encode[0].Enable=true\r\n"
            "table.Encode[0].MainFormat[0].Video.Compression=H.264\r\n"
            "table.Encode[0].MainFormat[0].Video.Width=640\r\n");
}

TEST(CgiApi, MultipartPartsAreFramedWithLfAndAnExactLength) {
  EXPECT_EQ(multipart_part("Code=DoorStatus;action=Pulse;index=0"),
            "--myboundary\nContent-Type: text/plain\nContent-Length: 36\n\n"
            "Code=DoorStatus;action=Pulse;index=0\n\n");
}

}  // namespace
}  // namespace vto::compat
