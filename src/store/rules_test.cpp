#include "store/rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vto::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RulesTest, VtoNumberIsOneToFiveDigits) {
  EXPECT_TRUE(check_vto_number("1"));
  EXPECT_TRUE(check_vto_number("8001"));
  EXPECT_TRUE(check_vto_number("99999"));
  for (const char* bad : {"", "123456", "80a1", " 801", "-1", "8001#0"}) {
    auto r = check_vto_number(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().errc, Errc::Invalid);
    EXPECT_THAT(r.error().message, HasSubstr("VTO No."));
    EXPECT_THAT(r.error().message, HasSubstr("1-5 digits"));
  }
}

TEST(RulesTest, RoomNumberIsOneToSixLettersOrDigits) {
  EXPECT_TRUE(check_room_number("1"));
  EXPECT_TRUE(check_room_number("101"));
  EXPECT_TRUE(check_room_number("A12b"));
  EXPECT_TRUE(check_room_number("999999"));
  for (const char* bad : {"", "1234567", "101#0", "10 1", "10-1", "é1"}) {
    auto r = check_room_number(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_THAT(r.error().message, HasSubstr("room number"));
    EXPECT_THAT(r.error().message, HasSubstr("1-6 letters or digits"));
  }
  auto r = check_room_number("12345678");
  EXPECT_EQ(r.error().message, "room number \"12345678\": 1-6 letters or digits");
}

TEST(RulesTest, CentreNumberIsReserved) {
  auto r = check_room_number("888888");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("reserved for the management centre"));
}

TEST(RulesTest, PasswordRules) {
  EXPECT_TRUE(check_password("register password", "abc123"));
  EXPECT_TRUE(check_password("register password", "P@ss#word!{}~'"));
  EXPECT_TRUE(check_password("register password", std::string(32, 'x')));
  for (const std::string& bad : std::vector<std::string>{
           "", "abc12", std::string(33, 'x'), std::string("abc 123"), std::string("abc\"123"),
           std::string("abc\\123"), std::string("abc\t123"), std::string("abcé123")}) {
    auto r = check_password("register password", bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().errc, Errc::Invalid);
    EXPECT_THAT(r.error().message, HasSubstr("register password"));
    EXPECT_THAT(r.error().message, HasSubstr("6-32 printable ASCII characters"));
  }
}

TEST(RulesTest, PasswordIsNeverEchoed) {
  auto r = check_password("register password", "secret 1");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, Not(HasSubstr("secret")));
}

TEST(RulesTest, MissingPasswordSaysRequired) {
  auto r = check_password("centre password", "");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("centre password: required"));
}

TEST(RulesTest, NamesAreShortTextWithoutControls) {
  EXPECT_TRUE(check_name("first name", ""));
  EXPECT_TRUE(check_name("first name", "Zoë Müller-Łukasz"));
  EXPECT_TRUE(check_name("first name", std::string(32, 'a')));
  std::string thirty_two_umlauts;
  for (int i = 0; i < 32; ++i) thirty_two_umlauts += "ü";
  EXPECT_TRUE(check_name("nick name", thirty_two_umlauts));
  for (const std::string& bad :
       {std::string(33, 'a'), std::string("a\nb"), std::string("a\x7f"), std::string("\xc3"),
        std::string("\xc0\xaf"), std::string("\xed\xa0\x80")}) {
    auto r = check_name("last name", bad);
    ASSERT_FALSE(r);
    EXPECT_THAT(r.error().message, HasSubstr("last name"));
  }
  EXPECT_THAT(check_name("last name", std::string(33, 'a')).error().message,
              HasSubstr("at most 32 characters"));
}

TEST(RulesTest, RegisterTypeIsPublicOrLocal) {
  EXPECT_TRUE(check_register_type("public"));
  EXPECT_TRUE(check_register_type("local"));
  auto r = check_register_type("Public");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "register type \"Public\": public or local");
}

TEST(RulesTest, BuildingAndUnitAreEmptyOrThreeDigits) {
  EXPECT_TRUE(check_building_or_unit("building number", ""));
  EXPECT_TRUE(check_building_or_unit("building number", "1"));
  EXPECT_TRUE(check_building_or_unit("unit number", "999"));
  for (const char* bad : {"1000", "a", "1 "}) {
    auto r = check_building_or_unit("unit number", bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_THAT(r.error().message, HasSubstr("unit number"));
    EXPECT_THAT(r.error().message, HasSubstr("empty or 1-3 digits"));
  }
}

TEST(RulesTest, IpIsEmptyOrALiteral) {
  EXPECT_TRUE(check_ip(""));
  EXPECT_TRUE(check_ip("192.168.1.110"));
  EXPECT_TRUE(check_ip("fe80::1"));
  EXPECT_TRUE(check_ip("::1"));
  for (const char* bad : {"192.168.1", "256.1.1.1", "host.example", "1.2.3.4:5060", " 1.2.3.4"}) {
    auto r = check_ip(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_THAT(r.error().message, HasSubstr("IP address"));
  }
}

TEST(RulesTest, UnprintableValuesAreShownSafely) {
  auto r = check_room_number("a\x1b[2J");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, Not(HasSubstr("\x1b")));
}

}  // namespace
}  // namespace vto::store
