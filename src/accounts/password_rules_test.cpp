#include "accounts/password_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

namespace vto::accounts {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kUser = "operator";

std::optional<PasswordRule> broken_rule(std::string_view password,
                                        std::string_view user_name = kUser) {
  auto violation = check_password(password, user_name);
  if (!violation) return std::nullopt;
  return violation->rule;
}

TEST(PasswordRulesTest, StrongPasswordsAreAccepted) {
  for (const char* good : {"Door-7kq2Lm", "wq8ze4tr", "Gate 42 Blue sky", "x9-x9-x9-x9",
                           "correct horse battery staple 7"}) {
    EXPECT_EQ(broken_rule(good), std::nullopt) << good;
  }
}

TEST(PasswordRulesTest, LengthIsEightToSixtyFourCharacters) {
  EXPECT_EQ(broken_rule("Dr7kq2L"), PasswordRule::Length);  // 7
  EXPECT_EQ(broken_rule("Dr7kq2Lm"), std::nullopt);         // 8
  EXPECT_EQ(broken_rule(""), PasswordRule::Length);
  std::string longest;
  while (longest.size() < kMaxPasswordLength) longest += "Dr7k";
  ASSERT_EQ(longest.size(), 64u);
  EXPECT_EQ(broken_rule(longest), std::nullopt);
  EXPECT_EQ(broken_rule(longest + "q"), PasswordRule::Length);
}

TEST(PasswordRulesTest, AtLeastTwoCharacterClasses) {
  for (const char* one_class : {"wqzetrkp", "WQZETRKP", "80264915", "!@#$%^&*", "- - - - "}) {
    EXPECT_EQ(broken_rule(one_class), PasswordRule::Classes) << one_class;
  }
  // Exactly two classes, each pair.
  for (const char* two_classes :
       {"wqzeTRKP", "wqze4915", "wqze!@#$", "WQZE4915", "WQZE!@#$", "8026!@#$", "wq ze tr"}) {
    EXPECT_EQ(broken_rule(two_classes), std::nullopt) << two_classes;
  }
}

TEST(PasswordRulesTest, NotTheUserNameNorItsReverse) {
  // The guide's example: too short for the length rule already, refused either way.
  EXPECT_TRUE(check_password("admin", "Admin"));
  EXPECT_TRUE(check_password("nimda", "Admin"));
  EXPECT_TRUE(check_password("ADMIN", "Admin"));

  EXPECT_EQ(broken_rule("concierge7", "Concierge7"), PasswordRule::UserName);
  EXPECT_EQ(broken_rule("CONCIERGE7", "Concierge7"), PasswordRule::UserName);
  EXPECT_EQ(broken_rule("7egreicnoc", "Concierge7"), PasswordRule::UserName);
  EXPECT_EQ(broken_rule("7EgReIcNoC", "Concierge7"), PasswordRule::UserName);
  // Only equality counts: containing the user name is allowed.
  EXPECT_EQ(broken_rule("concierge7!", "Concierge7"), std::nullopt);
  EXPECT_EQ(broken_rule("admin-Door7", "admin"), std::nullopt);
  EXPECT_EQ(broken_rule("nimda-Door7", "admin"), std::nullopt);
  // An empty user name matches nothing.
  EXPECT_EQ(broken_rule("Door-7kq2Lm", ""), std::nullopt);
}

TEST(PasswordRulesTest, NoCharacterThreeTimesInARow) {
  for (const char* bad : {"Door-111x", "aaaDoor-7", "Door-7zzz", "Door-7!!!", "Door   7x",
                          "Door-7aAa", "Door-7kkkk"}) {
    EXPECT_EQ(broken_rule(bad), PasswordRule::Repeat) << bad;
  }
  for (const char* good : {"Door-11x7", "aabDoor-7", "Door-7zz1", "aa11bb22cc"}) {
    EXPECT_EQ(broken_rule(good), std::nullopt) << good;
  }
}

TEST(PasswordRulesTest, NoAscendingOrDescendingRuns) {
  for (const char* bad : {"Door-123x", "Door-321x", "abcDoor-7", "Door-7cba", "Door-7XYZ",
                          "Door-7zyx", "Door-7xYz", "Door-7AbC", "Door-7890", "Door-9876"}) {
    EXPECT_EQ(broken_rule(bad), PasswordRule::Sequence) << bad;
  }
  for (const char* good : {"Door-12x7", "Door-7abd", "Door-7ab1", "Door-7a1b2c", "Door-7acb",
                           "Door-7yza", "Door-7901", "Door-7#$%", "Door-7z{|"}) {
    EXPECT_EQ(broken_rule(good), std::nullopt) << good;
  }
}

TEST(PasswordRulesTest, OnlyPrintableAscii) {
  EXPECT_EQ(broken_rule("Door-7k\tLm"), PasswordRule::Characters);
  EXPECT_EQ(broken_rule("Door-7k\nLm"), PasswordRule::Characters);
  EXPECT_EQ(broken_rule("Door-7k\x7fLm"), PasswordRule::Characters);
  EXPECT_EQ(broken_rule(std::string("Door-7k\0Lm", 10)), PasswordRule::Characters);
  EXPECT_EQ(broken_rule("Tür-7kq2Lm"), PasswordRule::Characters);                  // UTF-8 ü
  EXPECT_EQ(broken_rule("Door-7kq2L\xF0\x9F\x94\x91"), PasswordRule::Characters);  // emoji
  EXPECT_EQ(broken_rule("Door 7kq2Lm"), std::nullopt);  // space is printable
  EXPECT_EQ(broken_rule("~Door-7kq2Lm "), std::nullopt);
}

TEST(PasswordRulesTest, FirstBrokenRuleIsReportedInFixedOrder) {
  // Characters before length: short and with a control character.
  EXPECT_EQ(broken_rule("ab\x01"), PasswordRule::Characters);
  // Length before classes: short and one class.
  EXPECT_EQ(broken_rule("aaa"), PasswordRule::Length);
  // Classes before user name: one class and the user name.
  EXPECT_EQ(broken_rule("concierge", "concierge"), PasswordRule::Classes);
  // User name before repeat and sequence.
  EXPECT_EQ(broken_rule("abc111Zz", "abc111Zz"), PasswordRule::UserName);
  // Repeat before sequence.
  EXPECT_EQ(broken_rule("Door-111-abc"), PasswordRule::Repeat);
  EXPECT_EQ(broken_rule("Door-abc-111"), PasswordRule::Repeat);
}

TEST(PasswordRulesTest, MessagesNameTheRuleNotThePassword) {
  auto length = check_password("Dr7kq2L", kUser);
  ASSERT_TRUE(length);
  EXPECT_THAT(length->message, HasSubstr("at least 8 characters"));
  EXPECT_THAT(length->message, Not(HasSubstr("Dr7kq2L")));

  auto sequence = check_password("Door-123x", kUser);
  ASSERT_TRUE(sequence);
  EXPECT_THAT(sequence->message, HasSubstr("no runs like 123 or abc"));
  EXPECT_THAT(sequence->message, Not(HasSubstr("Door")));

  auto repeat = check_password("Door-111x", kUser);
  ASSERT_TRUE(repeat);
  EXPECT_THAT(repeat->message, HasSubstr("111"));

  const std::initializer_list<std::pair<const char*, const char*>> cases = {
      {"ab\x01", ""}, {"wqzetrkp", ""}, {"concierge7", "concierge7"}};
  for (auto [password, user] : cases) {
    auto v = check_password(password, user);
    ASSERT_TRUE(v) << password;
    EXPECT_FALSE(v->message.empty());
    EXPECT_THAT(v->message, Not(HasSubstr(password)));
  }
}

TEST(PasswordRulesTest, RuleIdsAreStable) {
  EXPECT_EQ(rule_id(PasswordRule::Length), "length");
  EXPECT_EQ(rule_id(PasswordRule::Classes), "classes");
  EXPECT_EQ(rule_id(PasswordRule::UserName), "user_name");
  EXPECT_EQ(rule_id(PasswordRule::Sequence), "sequence");
  EXPECT_EQ(rule_id(PasswordRule::Repeat), "repeat");
  EXPECT_EQ(rule_id(PasswordRule::Characters), "characters");
}

}  // namespace
}  // namespace vto::accounts
