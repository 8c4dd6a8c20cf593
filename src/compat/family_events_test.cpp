#include "compat/family_events.h"

#include <gtest/gtest.h>

namespace vto::compat {
namespace {

using station::DoorEvent;
using Kind = DoorEvent::Kind;

std::string fixed_time(std::int64_t) {
  return "2026-12-07 08:00:00";
}

std::vector<std::string> codes_actions(const std::vector<FamilyEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    std::string s = e.code + "/" + e.action;
    if (e.data.contains("State")) s += "/" + std::to_string(e.data["State"].get<int>());
    out.push_back(s);
  }
  return out;
}

TEST(FamilyEvents, ACallRingsThenEndsWithTheDoorbellIdleAgain) {
  DoorEvent start{.kind = Kind::CallStarted, .at_ms = 1765094400000, .call = 5, .number = "101"};
  auto ring = translate(start, fixed_time);
  EXPECT_EQ(codes_actions(ring), (std::vector<std::string>{"BackKeyLight/Pulse/1", "Invite/Start",
                                                           "CallNoAnswered/Start"}));
  EXPECT_EQ(ring[0].data["UTC"], 1765094400);
  EXPECT_EQ(ring[0].data["LocaleTime"], "2026-12-07 08:00:00");
  EXPECT_EQ(ring[1].data["UserID"], "101");

  DoorEvent answered{.kind = Kind::CallAnswered, .call = 5, .number = "101"};
  EXPECT_EQ(codes_actions(translate(answered, fixed_time)),
            (std::vector<std::string>{"BackKeyLight/Pulse/5", "CallNoAnswered/Stop"}));

  DoorEvent missed{.kind = Kind::CallEnded, .call = 5, .number = "101", .answered = false};
  EXPECT_EQ(codes_actions(translate(missed, fixed_time)),
            (std::vector<std::string>{"BackKeyLight/Pulse/6", "CallNoAnswered/Stop",
                                      "PassiveHungup/Start", "PassiveHungup/Stop", "Invite/Stop",
                                      "BackKeyLight/Pulse/0"}));
  DoorEvent ended{.kind = Kind::CallEnded, .call = 5, .number = "101", .answered = true};
  EXPECT_EQ(codes_actions(translate(ended, fixed_time)).back(), "BackKeyLight/Pulse/0");
}

TEST(FamilyEvents, CardUnlockCarriesTheMaskedCardAndTheMethod) {
  DoorEvent e{.kind = Kind::Unlock};
  e.unlock.method = "card";
  e.unlock.credential = "****3C4D";
  e.unlock.person = "Ann";
  e.unlock.room = "101";
  e.unlock.result = "granted";
  auto out = translate(e, fixed_time);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].code, "AccessControl");
  EXPECT_EQ(out[0].data["CardNo"], "****3C4D");
  EXPECT_EQ(out[0].data["Method"], 1);
  EXPECT_EQ(out[0].data["Status"], 1);
  EXPECT_EQ(out[0].data["UserID"], "101");
}

TEST(FamilyEvents, DoorAlarmAndRegistration) {
  EXPECT_EQ(translate({.kind = Kind::DoorOpened}, fixed_time)[0].data["Status"], "Open");
  EXPECT_EQ(translate({.kind = Kind::DoorClosed}, fixed_time)[0].data["Status"], "Close");
  DoorEvent alarm{.kind = Kind::AlarmStarted};
  alarm.alarm_type = "tamper";
  auto a = translate(alarm, fixed_time);
  EXPECT_EQ(a[0].code, "AlarmLocal");
  EXPECT_EQ(a[0].action, "Start");
  EXPECT_EQ(a[0].data["Name"], "tamper");
  EXPECT_EQ(translate({.kind = Kind::Registration, .ok = true}, fixed_time)[0].code,
            "SIPRegisterResult");
}

TEST(FamilyEvents, TextIsPlainAsciiWithoutTheClientsSeparators) {
  EXPECT_EQ(safe_text("Zoë \"x\"; a=b \\ 'q'\n"), "Zo_ _x__ a_b _ _q__");
  const nlohmann::json j = safe_json({{"Name", "a;b"}, {"List", {"é", 1.5}}});
  EXPECT_EQ(j.dump(), R"({"List":["_",1],"Name":"a_b"})");
  EXPECT_EQ(safe_text(std::string(300, 'x')).size(), 128u);
}

TEST(FamilyEvents, CgiBodyHasNoSpacesAroundSeparators) {
  FamilyEvent e{"DoorStatus", "Pulse", 0, {{"Status", "Open"}}};
  EXPECT_EQ(cgi_body(e), R"(Code=DoorStatus;action=Pulse;index=0;data={"Status":"Open"})");
  EXPECT_EQ(dhip_entry(e).dump(),
            R"({"Action":"Pulse","Code":"DoorStatus","Data":{"Status":"Open"},"Index":0})");
}

TEST(FamilyEvents, CodesFilter) {
  EXPECT_TRUE(parse_codes("[All]").empty());
  EXPECT_TRUE(parse_codes("").empty());
  const auto some = parse_codes("[VideoMotion, DoorStatus]");
  EXPECT_EQ(some.size(), 2u);
  EXPECT_TRUE(wanted(some, "DoorStatus"));
  EXPECT_FALSE(wanted(some, "BackKeyLight"));
  EXPECT_TRUE(wanted(parse_codes("[All]"), "BackKeyLight"));
}

}  // namespace
}  // namespace vto::compat
