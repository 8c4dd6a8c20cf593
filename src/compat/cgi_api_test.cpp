#include "compat/cgi_api.h"
#include "compat/cgi_query.h"

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

namespace vto::compat {
namespace {

TEST(CgiQuery, PairsAreDecodedInOrderWithoutTheAction) {
  const auto pairs =
      cgi_pairs("action=setConfig&Encode%5B0%5D.MainFormat%5B0%5D.Video.BitRate=1536&x=a+b%2&flag");
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(pairs[0].first, "Encode[0].MainFormat[0].Video.BitRate");
  EXPECT_EQ(pairs[0].second, "1536");
  EXPECT_EQ(pairs[1].second, "a b%2");  // a '%' without two hex digits stays
  EXPECT_EQ(pairs[2], (std::pair<std::string, std::string>{"flag", ""}));
}

TEST(CgiQuery, RecordTimesAreLocalYearsToSeconds) {
  EXPECT_TRUE(cgi_time("2026-12-07 08:00:00"));
  EXPECT_EQ(*cgi_time("2026-12-07 08:00:01") - *cgi_time("2026-12-07 08:00:00"), 1);
  EXPECT_FALSE(cgi_time("2026-12-07T08:00:00"));
  EXPECT_FALSE(cgi_time("2026-13-07 08:00:00"));
  EXPECT_FALSE(cgi_time("99999-12-07 08:00:0"));
  EXPECT_FALSE(cgi_time(""));
}

}  // namespace
}  // namespace vto::compat
