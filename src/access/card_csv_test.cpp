#include "access/card_csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vto::access {
namespace {

using ::testing::HasSubstr;

TEST(CardCsv, ExportThenImportGivesTheSameCards) {
  std::vector<Card> cards{
      {"1A2B3C4D", "101", "Anna, \"Annie\" Berg", 1767225600000, 1798761599999, CardStatus::Normal},
      {"0042", "", "=cmd|' /C calc'!A0", 0, 0, CardStatus::Frozen},
      {"FFFFFFFFFFFFFFFF", "102", "", 0, 1798761599999, CardStatus::Lost},
  };
  const std::string csv = cards_csv(cards);
  EXPECT_THAT(csv, ::testing::StartsWith("number,room,person,valid_from,valid_to,status\r\n"
                                         "1A2B3C4D,101,\"Anna, \"\"Annie\"\" Berg\","
                                         "2026-01-01T00:00:00.000Z,2026-12-31T23:59:59.999Z,"
                                         "normal\r\n"));
  EXPECT_THAT(csv, HasSubstr("0042,,'=cmd|' /C calc'!A0,,,frozen"));  // no formula
  auto back = parse_cards_csv(csv);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, cards);
}

TEST(CardCsv, ColumnsByNameDatesAndDefaults) {
  auto cards = parse_cards_csv(
      "status,number,valid_to,room\n"
      "lost,aa11,2026-12-31,101\n"
      "\n"
      ",bb22,,102\n");
  ASSERT_TRUE(cards) << cards.error().message;
  ASSERT_EQ(cards->size(), 2u);
  EXPECT_EQ((*cards)[0].number, "AA11");
  EXPECT_EQ((*cards)[0].status, CardStatus::Lost);
  EXPECT_EQ((*cards)[0].valid_to_ms, 1798761599999);  // the end of that day
  EXPECT_EQ((*cards)[1].status, CardStatus::Normal);
  EXPECT_EQ((*cards)[1].valid_to_ms, 0);
}

TEST(CardCsv, ProblemsNameTheLine) {
  const std::pair<std::string, std::string> bad[] = {
      {"", "line 1: no header row"},
      {"number,colour\n1234,red\n", "line 1: unknown column \"colour\""},
      {"room\n101\n", "line 1: no number column"},
      {"number,number\n", "line 1: column number twice"},
      {"number,room\n1234\n", "line 2: 1 fields, the header has 2"},
      {"number,room\n1234,101\n12G4,101\n", "line 3: number: only hexadecimal digits"},
      {"number,valid_from\n1234,31/12/2026\n", "line 2: valid_from: a UTC time"},
      {"number,valid_to\n1234,2026-02-30\n", "line 2: valid_to: a UTC time"},
      {"number,status\n1234,stolen\n", "line 2: status: normal, lost or frozen"},
      {"number\n1234\n", "line 2: card: give the owner's room, name, or both"},
      {"number,person\n1234,\"open\n", "line 2: a quoted field is not closed"},
      {"number,person\n1234,a\"b\n", "line 2: a quote inside a field"},
  };
  for (const auto& [text, message] : bad) {
    auto r = parse_cards_csv(text);
    ASSERT_FALSE(r) << text;
    EXPECT_THAT(r.error().message, HasSubstr(message)) << text;
  }
}

TEST(CardCsv, UtcTimes) {
  EXPECT_EQ(utc_time(0), "");
  EXPECT_EQ(utc_time(1767225600123), "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(parse_utc_time("2026-01-01T00:00:00Z", false), 1767225600000);
  EXPECT_EQ(parse_utc_time("2026-01-01 00:00:00.123Z", false), 1767225600123);
  EXPECT_EQ(parse_utc_time("2026-01-01", false), 1767225600000);
  for (const char* bad : {"2026-1-01", "2026-13-01", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00",
                          "2026-01-01T00:00:00+01:00", "1969-12-31", "x"}) {
    EXPECT_FALSE(parse_utc_time(bad, false)) << bad;
  }
}

}  // namespace
}  // namespace vto::access
