#include "device/panel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "hal/sim/sim_panel.h"

namespace vto::device {
namespace {

using namespace std::chrono_literals;
using hal::Indicator;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Records what the panel asks of the SIP side; ids count up from 1.
class RecordingCalls final : public CallControl {
 public:
  CallHandle place(const std::string& number) override {
    log.push_back("place " + number);
    return refuse ? kNoCall : next++;
  }
  void hang_up(CallHandle call) override { log.push_back("hang_up " + std::to_string(call)); }

  std::vector<std::string> log;
  CallHandle next = 1;
  bool refuse = false;
};

class RecordingFeedback final : public Feedback {
 public:
  void tone(Tone t) override { tones.push_back(t); }
  std::vector<Tone> tones;
};

// Camera, buttons x2, keypad, indicators, display, card reader, fingerprint.
hal::sim::SimPanelConfig layout() {
  hal::sim::SimPanelConfig config;
  config.modules = {{hal::ModuleKind::Buttons, 2}, {hal::ModuleKind::Keypad},
                    {hal::ModuleKind::Indicators}, {hal::ModuleKind::Display},
                    {hal::ModuleKind::CardReader}, {hal::ModuleKind::Fingerprint}};
  return config;
}

class PanelTest : public ::testing::Test {
 protected:
  PanelTest() {
    config_.buttons = {{0, "101"}, {1, "102"}};
    start();
  }

  void start() {
    panel_.reset();
    panel_ =
        std::make_unique<Panel>(config_,
                                PanelDevices{.key_sources = {&sim_.call_buttons(), sim_.keypad()},
                                             .lock = sim_.lock(),
                                             .indicators = sim_.indicators(),
                                             .display = sim_.display(),
                                             .feedback = &feedback_,
                                             .card_reader = sim_.card_reader(),
                                             .fingerprint = sim_.fingerprint_reader(),
                                             .access = access_},
                                calls_, timers_);
  }

  void press(std::string_view keys) {
    for (char c : keys) ASSERT_TRUE(sim_.press(std::string(1, c))) << c;
  }
  void press_key(std::string_view key) { ASSERT_TRUE(sim_.press(key)) << key; }
  bool lit(Indicator indicator) { return sim_.indicators()->get(indicator); }
  std::string text() { return sim_.display()->lines().empty() ? "" : sim_.display()->lines()[0]; }
  PanelState state() const { return panel_->state().state; }

  // Button 1 rings room 101 (call 1), which answers.
  void talk_to_101() {
    press_key("button1");
    panel_->on_ringing(1);
    panel_->on_answered(1);
    ASSERT_EQ(state(), PanelState::Talking);
  }

  core::ManualTimers timers_;
  hal::sim::SimPanel sim_{timers_, layout()};
  RecordingCalls calls_;
  RecordingFeedback feedback_;
  PanelConfig config_;
  Access* access_ = nullptr;  // the panel's, from the next start()
  std::unique_ptr<Panel> panel_;
};

TEST_F(PanelTest, StartsIdleWithTheIdleText) {
  EXPECT_EQ(state(), PanelState::Idle);
  EXPECT_EQ(text(), config_.idle_text);
  EXPECT_FALSE(lit(Indicator::Call) || lit(Indicator::Talk) || lit(Indicator::Unlock));
}

TEST_F(PanelTest, CallButtonCallsItsRoomAndLightsCallWhileRinging) {
  press_key("button2");
  EXPECT_THAT(calls_.log, ElementsAre("place 102"));
  EXPECT_EQ(panel_->state(), (PanelStatus{PanelState::Calling, "", "102", 1}));
  EXPECT_TRUE(lit(Indicator::Call));
  EXPECT_FALSE(lit(Indicator::Talk));
  EXPECT_EQ(text(), "Calling 102");
  panel_->on_ringing(1);
  EXPECT_THAT(feedback_.tones, ElementsAre(Tone::Ringback));
}

TEST_F(PanelTest, CardsAreRefusedOnTheDisplayAndTheLockStaysShut) {
  ASSERT_TRUE(sim_.present_card("1a2b3c4d"));
  EXPECT_EQ(text(), "Card not valid");
  EXPECT_THAT(feedback_.tones, ElementsAre(Tone::Error));
  EXPECT_FALSE(sim_.lock().is_open());
  EXPECT_FALSE(lit(Indicator::Unlock));
  EXPECT_EQ(state(), PanelState::Idle);
  timers_.advance(config_.message_time);
  EXPECT_EQ(text(), config_.idle_text);
}

TEST_F(PanelTest, FingersAreRefusedWithWhatTheModuleSaw) {
  ASSERT_TRUE(sim_.touch_finger("Anna, right index"));
  EXPECT_EQ(text(), "Fingerprint not recognised");
  sim_.fingerprint_reader()->set_enrolled({{5, hal::sim::sim_template("Anna, right index"), ""}});
  ASSERT_TRUE(sim_.touch_finger("Anna, right index"));
  EXPECT_EQ(text(), "Fingerprint not valid");
  EXPECT_THAT(feedback_.tones, ElementsAre(Tone::Error, Tone::Error));
  EXPECT_FALSE(sim_.lock().is_open());
}

TEST_F(PanelTest, ACardDuringACallLeavesTheCallAlone) {
  talk_to_101();
  ASSERT_TRUE(sim_.present_card("0042"));
  EXPECT_EQ(text(), "Card not valid");
  EXPECT_EQ(state(), PanelState::Talking);
  EXPECT_TRUE(lit(Indicator::Talk));
  timers_.advance(config_.message_time);
  EXPECT_EQ(text(), "Talking to 101");
  EXPECT_THAT(calls_.log, ElementsAre("place 101"));
}

TEST_F(PanelTest, AnsweredLightsTalkAndPutsCallOut) {
  talk_to_101();
  EXPECT_TRUE(lit(Indicator::Talk));
  EXPECT_FALSE(lit(Indicator::Call));
  EXPECT_EQ(text(), "Talking to 101");
}

TEST_F(PanelTest, TalkLimitEndsTheCall) {
  talk_to_101();
  timers_.advance(119s);
  EXPECT_EQ(state(), PanelState::Talking);
  timers_.advance(1s);
  EXPECT_THAT(calls_.log, ElementsAre("place 101", "hang_up 1"));
  EXPECT_EQ(state(), PanelState::Idle);
  EXPECT_FALSE(lit(Indicator::Talk));
  EXPECT_EQ(text(), config_.idle_text);
}

TEST_F(PanelTest, RingTimeoutHangsUpAndSaysNoAnswer) {
  press_key("button1");
  timers_.advance(29s);
  EXPECT_EQ(state(), PanelState::Calling);
  timers_.advance(1s);
  EXPECT_THAT(calls_.log, ElementsAre("place 101", "hang_up 1"));
  EXPECT_EQ(state(), PanelState::Idle);
  EXPECT_FALSE(lit(Indicator::Call));
  EXPECT_EQ(text(), "No answer");
  timers_.advance(config_.message_time);
  EXPECT_EQ(text(), config_.idle_text);
}

TEST_F(PanelTest, AnswerAfterTheRingTimeoutIsIgnored) {
  press_key("button1");
  timers_.advance(30s);
  panel_->on_answered(1);
  EXPECT_EQ(state(), PanelState::Idle);
}

TEST_F(PanelTest, KeypadDigitsAndCallKeyPlaceTheCall) {
  press("102");
  EXPECT_EQ(panel_->state(), (PanelStatus{PanelState::Dialling, "102", "", kNoCall}));
  EXPECT_EQ(text(), "Room: 102");
  EXPECT_THAT(calls_.log, IsEmpty());
  press_key("call");
  EXPECT_THAT(calls_.log, ElementsAre("place 102"));
  EXPECT_EQ(panel_->state(), (PanelStatus{PanelState::Calling, "", "102", 1}));
  EXPECT_THAT(feedback_.tones, ElementsAre(Tone::KeyClick, Tone::KeyClick, Tone::KeyClick));
}

TEST_F(PanelTest, DigitsAreClearedAfterThePauseSinceTheLastKey) {
  press("10");
  timers_.advance(4s);
  press("2");
  timers_.advance(4s);
  EXPECT_EQ(panel_->state().dialled, "102");
  timers_.advance(1s);
  EXPECT_EQ(panel_->state(), PanelStatus{});
  EXPECT_EQ(text(), config_.idle_text);
  press_key("call");
  EXPECT_THAT(calls_.log, IsEmpty());
}

TEST_F(PanelTest, StarAndPrevDeleteTheLastDigit) {
  press("123*");
  EXPECT_EQ(panel_->state().dialled, "12");
  press_key("prev");
  EXPECT_EQ(panel_->state().dialled, "1");
  press("*");
  EXPECT_EQ(state(), PanelState::Idle);
  press("*");  // nothing left to delete
  EXPECT_EQ(state(), PanelState::Idle);
}

TEST_F(PanelTest, DialledNumberStopsAtTheMaximumLength) {
  press("1234567");
  EXPECT_EQ(panel_->state().dialled, "123456");
  EXPECT_EQ(feedback_.tones.back(), Tone::Error);
}

TEST_F(PanelTest, HashPasswordIsNeitherDialledNorShown) {
  press("#47");
  EXPECT_EQ(text(), "Password: **");
  EXPECT_EQ(state(), PanelState::Idle);
  press("*");  // deletes the last digit
  EXPECT_EQ(text(), "Password: *");
  press("11#");
  EXPECT_EQ(state(), PanelState::Idle);
  EXPECT_EQ(text(), "Wrong password");  // no access control here: every password is wrong
  EXPECT_EQ(panel_->state().dialled, "");
  press("12");
  EXPECT_EQ(panel_->state().dialled, "12");
}

TEST_F(PanelTest, AnUnfinishedPasswordIsForgottenAfterThePause) {
  press("#47");
  timers_.advance(config_.dial_pause);
  EXPECT_EQ(text(), config_.idle_text);
  press("12");
  EXPECT_EQ(panel_->state().dialled, "12");
}

// Answers as told; records what the panel asked.
class ScriptedAccess final : public Access {
 public:
  AccessAnswer card(const std::string& number) override {
    asked.push_back("card " + number);
    return answer;
  }
  AccessAnswer finger(const hal::FingerScan& scan) override {
    asked.push_back("finger " + (scan.match ? std::to_string(*scan.match) : std::string("?")));
    return answer;
  }
  void password(const std::string& code, std::function<void(AccessAnswer)> done) override {
    asked.push_back("password " + code);
    pending = std::move(done);  // answered later, as a hash off the core thread would be
  }
  AccessAnswer monitor_code(const std::string& device, std::uint64_t call,
                            const std::string& entry) override {
    asked.push_back("monitor " + device + " " + std::to_string(call) + " " + entry);
    return answer;
  }
  void call_ended(std::uint64_t call) override { asked.push_back("ended " + std::to_string(call)); }

  AccessAnswer answer{true, "Door open"};
  std::vector<std::string> asked;
  std::function<void(AccessAnswer)> pending;
};

class PanelAccessTest : public PanelTest {
 protected:
  PanelAccessTest() {
    config_.unlock_code = "1234";
    access_ = &scripted_;
    start();
  }
  ScriptedAccess scripted_;
};

TEST_F(PanelAccessTest, TheAccessAnswersCardsAndFingers) {
  ASSERT_TRUE(sim_.present_card("1a2b"));
  EXPECT_EQ(text(), "Door open");
  EXPECT_EQ(feedback_.tones.back(), Tone::Unlock);
  scripted_.answer = {false, "Card expired"};
  ASSERT_TRUE(sim_.present_card("0042"));
  EXPECT_EQ(text(), "Card expired");
  EXPECT_EQ(feedback_.tones.back(), Tone::Error);
  ASSERT_TRUE(sim_.touch_finger("Anna"));
  EXPECT_THAT(scripted_.asked, ElementsAre("card 1A2B", "card 0042", "finger ?"));
  timers_.advance(config_.message_time);
  EXPECT_EQ(text(), config_.idle_text);
}

TEST_F(PanelAccessTest, APasswordIsHandedOverAndItsLateAnswerShown) {
  press("#123456#");
  EXPECT_THAT(scripted_.asked, ElementsAre("password 123456"));
  ASSERT_TRUE(scripted_.pending);
  EXPECT_EQ(text(), config_.idle_text);
  scripted_.pending({true, "Door open"});
  EXPECT_EQ(text(), "Door open");
  EXPECT_EQ(feedback_.tones.back(), Tone::Unlock);
  // An answer that comes after the panel is gone is dropped.
  press("#9999#");
  auto late = std::move(scripted_.pending);
  panel_.reset();
  late({false, "Wrong password"});
}

TEST_F(PanelAccessTest, TheMonitorsUnlockCodeGoesThroughTheAccessAsWholeEntries) {
  talk_to_101();
  panel_->on_dtmf(1, "1234#");
  EXPECT_THAT(scripted_.asked, ElementsAre("monitor 101 1 1234"));
  EXPECT_EQ(feedback_.tones.back(), Tone::Unlock);
  EXPECT_FALSE(sim_.lock().is_open());  // the access opens the lock, not the panel
  scripted_.answer = {false, "Wrong code"};
  const auto tones = feedback_.tones.size();
  panel_->on_dtmf(1, "991234");  // a stream: one entry, after the pause
  timers_.advance(config_.dtmf_pause);
  EXPECT_EQ(feedback_.tones.size(), tones);  // refused: no unlock tone
  panel_->on_ended(1);
  EXPECT_THAT(scripted_.asked,
              ElementsAre("monitor 101 1 1234", "monitor 101 1 991234", "ended 1"));
}

struct FailureCase {
  int status;
  std::string text;
  Tone tone;
};

class PanelFailureTest : public PanelTest, public ::testing::WithParamInterface<FailureCase> {};

TEST_P(PanelFailureTest, FailureShowsAShortTextThenTheIdleText) {
  press_key("button1");
  panel_->on_failed(1, GetParam().status, "reason");
  EXPECT_EQ(state(), PanelState::Idle);
  EXPECT_FALSE(lit(Indicator::Call));
  EXPECT_EQ(text(), GetParam().text);
  EXPECT_EQ(feedback_.tones.back(), GetParam().tone);
  timers_.advance(config_.message_time - 1ms);
  EXPECT_EQ(text(), GetParam().text);
  timers_.advance(1ms);
  EXPECT_EQ(text(), config_.idle_text);
}

INSTANTIATE_TEST_SUITE_P(Statuses, PanelFailureTest,
                         ::testing::Values(FailureCase{486, "Busy", Tone::Busy},
                                           FailureCase{480, "Nobody home", Tone::Error},
                                           FailureCase{404, "Unknown number", Tone::Error},
                                           FailureCase{503, "Call failed", Tone::Error}));

TEST_F(PanelTest, AKeyDismissesAFailureText) {
  press_key("button1");
  panel_->on_failed(1, 486, "Busy Here");
  press("1");
  EXPECT_EQ(text(), "Room: 1");
}

TEST_F(PanelTest, CallThatCannotStartSaysCallFailed) {
  calls_.refuse = true;
  press_key("button1");
  EXPECT_EQ(state(), PanelState::Idle);
  EXPECT_EQ(text(), "Call failed");
}

TEST_F(PanelTest, CentreKeyWhileCallingHangsUpThenCallsTheCentre) {
  press_key("button1");
  press_key("centre");
  EXPECT_THAT(calls_.log, ElementsAre("place 101", "hang_up 1", "place 888888"));
  EXPECT_EQ(panel_->state(), (PanelStatus{PanelState::Calling, "", "888888", 2}));
  EXPECT_EQ(text(), "Calling centre");
  panel_->on_failed(1, 487, "Request Terminated");  // the old call's late answer
  EXPECT_EQ(state(), PanelState::Calling);
  EXPECT_TRUE(lit(Indicator::Call));
}

TEST_F(PanelTest, CentreKeyWhileIdleOrDiallingCallsTheCentre) {
  press_key("centre");
  EXPECT_THAT(calls_.log, ElementsAre("place 888888"));
  panel_->on_ended(1);
  press("10");
  press_key("centre");
  EXPECT_THAT(calls_.log, ElementsAre("place 888888", "place 888888"));
  EXPECT_EQ(panel_->state().dialled, "");
}

TEST_F(PanelTest, CentreKeyWhileTalkingEndsTheCallFirst) {
  talk_to_101();
  press_key("centre");
  EXPECT_THAT(calls_.log, ElementsAre("place 101", "hang_up 1", "place 888888"));
  EXPECT_FALSE(lit(Indicator::Talk));
  EXPECT_TRUE(lit(Indicator::Call));
}

TEST_F(PanelTest, CentreKeyAgainDoesNotRestartTheCentreCall) {
  press_key("centre");
  press_key("centre");
  EXPECT_THAT(calls_.log, ElementsAre("place 888888"));
}

TEST_F(PanelTest, CallButtonsAreIgnoredDuringACall) {
  press_key("button1");
  press_key("button2");
  press("5");
  EXPECT_THAT(calls_.log, ElementsAre("place 101"));
  EXPECT_EQ(panel_->state().number, "101");
}

TEST_F(PanelTest, UnmappedButtonGivesAnErrorTone) {
  config_.buttons = {{0, "101"}};
  start();
  press_key("button2");
  EXPECT_THAT(calls_.log, IsEmpty());
  EXPECT_THAT(feedback_.tones, ElementsAre(Tone::Error));
}

TEST_F(PanelTest, RemoteByeGoesIdle) {
  talk_to_101();
  panel_->on_ended(1);
  EXPECT_EQ(panel_->state(), PanelStatus{});
  EXPECT_FALSE(lit(Indicator::Talk));
  EXPECT_EQ(text(), config_.idle_text);
  timers_.advance(200s);  // no talk limit left behind
  EXPECT_THAT(calls_.log, ElementsAre("place 101"));
}

TEST_F(PanelTest, DtmfCodeWhileTalkingOpensTheLockForTheHoldTime) {
  config_.unlock_code = "1234";
  start();
  talk_to_101();
  panel_->on_dtmf(1, "12");
  EXPECT_FALSE(sim_.lock().is_open());
  panel_->on_dtmf(1, "34#");
  EXPECT_TRUE(sim_.lock().is_open());
  EXPECT_TRUE(lit(Indicator::Unlock));
  EXPECT_EQ(feedback_.tones.back(), Tone::Unlock);
  timers_.advance(5s);
  EXPECT_FALSE(sim_.lock().is_open());
  EXPECT_FALSE(lit(Indicator::Unlock));
  EXPECT_EQ(state(), PanelState::Talking);
}

TEST_F(PanelTest, DtmfCodeIsAWholeEntryNeverASlidingWindow) {
  config_.unlock_code = "1234";
  start();
  talk_to_101();
  panel_->on_dtmf(1, "91234#");  // the code at the end of other digits: wrong
  EXPECT_FALSE(sim_.lock().is_open());
  panel_->on_dtmf(1, "12");
  timers_.advance(config_.dtmf_pause);  // a pause ends the entry "12"
  panel_->on_dtmf(1, "34#");
  EXPECT_FALSE(sim_.lock().is_open());
  panel_->on_dtmf(1, "1234");
  EXPECT_FALSE(sim_.lock().is_open());
  timers_.advance(config_.dtmf_pause);  // ... and ends "1234", the code
  EXPECT_TRUE(sim_.lock().is_open());
}

TEST_F(PanelTest, DtmfIsIgnoredWithoutACode) {
  talk_to_101();
  panel_->on_dtmf(1, "#");
  panel_->on_dtmf(1, "1234#");
  EXPECT_FALSE(sim_.lock().is_open());
}

TEST_F(PanelTest, DtmfIsIgnoredWhenNotTalkingOrFromAnotherCall) {
  config_.unlock_code = "1234";
  start();
  panel_->on_dtmf(1, "1234#");  // idle
  press_key("button1");
  panel_->on_dtmf(1, "1234#");  // calling
  panel_->on_answered(1);
  panel_->on_dtmf(7, "1234#");  // not the current call
  EXPECT_FALSE(sim_.lock().is_open());
}

TEST_F(PanelTest, UnlockIndicatorFollowsTheLockWhoeverOpensIt) {
  sim_.lock().open_for(2s);
  EXPECT_TRUE(lit(Indicator::Unlock));
  timers_.advance(2s);
  EXPECT_FALSE(lit(Indicator::Unlock));
}

TEST_F(PanelTest, StateListenerHearsEveryChange) {
  std::vector<std::string> seen;
  panel_->add_state_listener([&](const PanelStatus& s) {
    seen.push_back(std::string(state_name(s.state)) + ":" + s.dialled + ":" + s.number);
  });
  press("1");
  press_key("call");
  panel_->on_answered(1);
  panel_->on_ended(1);
  EXPECT_THAT(seen, ElementsAre("dialling:1:", "calling::1", "talking::1", "idle::"));
}

TEST(PanelCreateTest, WorksWithoutOptionalModulesAndRejectsBadConfig) {
  core::ManualTimers timers;
  hal::sim::SimPanelConfig no_keypad;
  no_keypad.modules = {{hal::ModuleKind::Buttons, 1}};
  hal::sim::SimPanel sim{timers, no_keypad};
  RecordingCalls calls;
  PanelConfig config;
  config.buttons = {{0, "101"}};
  auto panel =
      Panel::create(config, PanelDevices{{&sim.call_buttons()}, sim.lock()}, calls, timers);
  ASSERT_TRUE(panel);
  ASSERT_TRUE(sim.press("button1"));
  EXPECT_THAT(calls.log, ElementsAre("place 101"));
  (*panel)->on_answered(1);
  timers.advance(120s);
  EXPECT_EQ((*panel)->state().state, PanelState::Idle);

  config.max_dialled = 9;
  EXPECT_FALSE(Panel::create(config, PanelDevices{{}, sim.lock()}, calls, timers));
}

}  // namespace
}  // namespace vto::device
