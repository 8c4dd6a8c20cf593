#include "station/door_events.h"

#include <gtest/gtest.h>

namespace vto::station {
namespace {

using device::PanelState;
using device::PanelStatus;
using Kind = DoorEvent::Kind;

struct Heard {
  DoorEvents events{[] { return std::int64_t{1000}; }};
  std::vector<DoorEvent> heard;
  Heard() {
    events.add_listener([this](const DoorEvent& e) { heard.push_back(e); });
  }
  std::vector<Kind> kinds() const {
    std::vector<Kind> out;
    for (const auto& e : heard) out.push_back(e.kind);
    return out;
  }
};

TEST(DoorEvents, ACallThatIsAnsweredStartsIsAnsweredAndEnds) {
  Heard h;
  h.events.on_panel({PanelState::Dialling, "1", "", 0});
  h.events.on_panel({PanelState::Calling, "", "101", 7});
  h.events.on_panel({PanelState::Talking, "", "101", 7});
  h.events.on_panel({PanelState::Idle, "", "", 0});
  ASSERT_EQ(h.kinds(), (std::vector<Kind>{Kind::CallStarted, Kind::CallAnswered, Kind::CallEnded}));
  EXPECT_EQ(h.heard[0].number, "101");
  EXPECT_EQ(h.heard[0].call, 7u);
  EXPECT_TRUE(h.heard[0].keypad);  // digits were typed first
  EXPECT_TRUE(h.heard[2].answered);
  EXPECT_EQ(h.heard[2].at_ms, 1000);
}

TEST(DoorEvents, ACallNobodyTakesEndsUnanswered) {
  Heard h;
  h.events.on_panel({PanelState::Calling, "", "102", 3});
  h.events.on_panel({PanelState::Calling, "", "102", 3});  // the same state again: nothing
  h.events.on_panel({PanelState::Idle, "", "", 0});
  ASSERT_EQ(h.kinds(), (std::vector<Kind>{Kind::CallStarted, Kind::CallEnded}));
  EXPECT_FALSE(h.heard[0].keypad);  // a call button
  EXPECT_FALSE(h.heard[1].answered);
  EXPECT_EQ(h.heard[1].number, "102");
}

TEST(DoorEvents, ANewCallWhileOneRingsEndsTheFirst) {
  Heard h;
  h.events.on_panel({PanelState::Calling, "", "101", 1});
  h.events.on_panel({PanelState::Calling, "", "102", 2});
  ASSERT_EQ(h.kinds(), (std::vector<Kind>{Kind::CallStarted, Kind::CallEnded, Kind::CallStarted}));
  EXPECT_EQ(h.heard[2].number, "102");
}

TEST(DoorEvents, AlarmsOnlyWhenRaisedOrEnded) {
  Heard h;
  h.events.on_alarm({{"event", "alarm"}, {"state", "raised"}, {"type", "tamper"}, {"alarm", 4}});
  h.events.on_alarm({{"event", "alarm"}, {"state", "delivered"}, {"type", "tamper"}, {"alarm", 4}});
  h.events.on_alarm({{"event", "alarm"}, {"state", "ended"}, {"type", "tamper"}, {"alarm", 4}});
  ASSERT_EQ(h.kinds(), (std::vector<Kind>{Kind::AlarmStarted, Kind::AlarmEnded}));
  EXPECT_EQ(h.heard[0].alarm_type, "tamper");
  EXPECT_EQ(h.heard[0].alarm_id, 4);
}

TEST(DoorEvents, DoorUnlockAndRegistration) {
  Heard h;
  h.events.on_door(hal::DoorState::Open);
  h.events.on_door(hal::DoorState::Closed);
  records::UnlockRecord r;
  r.method = "card";
  r.credential = "****3C4D";
  h.events.on_unlock(r);
  h.events.on_registration(true);
  ASSERT_EQ(h.kinds(), (std::vector<Kind>{Kind::DoorOpened, Kind::DoorClosed, Kind::Unlock,
                                          Kind::Registration}));
  EXPECT_EQ(h.heard[2].unlock.credential, "****3C4D");
  EXPECT_TRUE(h.heard[3].ok);
}

}  // namespace
}  // namespace vto::station
