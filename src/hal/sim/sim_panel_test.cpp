#include "hal/sim/sim_panel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace vto::hal::sim {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Camera (0), buttons x2 (1), keypad (2), buttons x5 (3), indicators (4), display (5).
SimPanelConfig full_layout() {
  SimPanelConfig config;
  config.modules = {{ModuleKind::Buttons, 2},
                    {ModuleKind::Keypad},
                    {ModuleKind::Buttons, 5},
                    {ModuleKind::Indicators},
                    {ModuleKind::Display}};
  config.display = DisplayTraits{3, 20};
  return config;
}

class SimPanelTest : public ::testing::Test {
 protected:
  SimPanelTest() {
    auto listen = [this](const KeyEvent& e) { keys_.push_back(e); };
    panel_.call_buttons().add_key_listener(listen);
    panel_.keypad()->add_key_listener(listen);
  }

  core::ManualTimers timers_;
  SimPanel panel_{timers_, full_layout()};
  std::vector<KeyEvent> keys_;
};

TEST_F(SimPanelTest, TraitsFollowTheLayout) {
  EXPECT_EQ(panel_.call_buttons().traits().count, 7u);
  EXPECT_NE(panel_.keypad(), nullptr);
  EXPECT_NE(panel_.display(), nullptr);
  EXPECT_NE(panel_.indicators(), nullptr);
}

TEST_F(SimPanelTest, KeyPressesReachListenersInOrder) {
  for (const char* key : {"1", "0", "#", "button7", "centre"}) {
    ASSERT_TRUE(panel_.press(key)) << key;
  }
  using enum Key;
  using enum KeyAction;
  EXPECT_EQ(keys_, (std::vector<KeyEvent>{
                       {Digit1, Pressed, 0},
                       {Digit1, Released, 0},
                       {Digit0, Pressed, 0},
                       {Digit0, Released, 0},
                       {Hash, Pressed, 0},
                       {Hash, Released, 0},
                       {CallButton, Pressed, 6},
                       {CallButton, Released, 6},
                       {Centre, Pressed, 0},
                       {Centre, Released, 0},
                   }));
}

TEST_F(SimPanelTest, EveryKeypadKeyIsAccepted) {
  for (const char* key : {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#", "call",
                          "centre", "prev", "next"}) {
    ASSERT_TRUE(panel_.press(key)) << key;
  }
  EXPECT_EQ(keys_.size(), 32u);
  EXPECT_EQ(keys_[30].key, Key::Next);
}

TEST_F(SimPanelTest, UnknownKeysAreRefusedByName) {
  for (const char* key :
       {"", "10", "a", "CALL", "center", "button", "buttonx", "button1x", "button-1"}) {
    auto r = panel_.press(key);
    ASSERT_FALSE(r) << key;
    EXPECT_EQ(r.error().errc, Errc::Invalid) << key;
    EXPECT_THAT(r.error().message, HasSubstr(std::string("\"") + key + "\"")) << key;
  }
  EXPECT_EQ(panel_.press("door").error().message,
            "unknown key \"door\": expected button1-buttonN, 0-9, *, #, call, centre, prev, next "
            "or exit");
  EXPECT_TRUE(keys_.empty());
}

TEST_F(SimPanelTest, ButtonNumbersOutOfRangeAreRefused) {
  for (const char* key : {"button0", "button8", "button99999999999999999999"}) {
    auto r = panel_.press(key);
    ASSERT_FALSE(r) << key;
    EXPECT_EQ(r.error().errc, Errc::Invalid);
  }
  EXPECT_EQ(panel_.press("button8").error().message,
            "key \"button8\": button number out of range 1-7");
  EXPECT_TRUE(keys_.empty());
}

TEST_F(SimPanelTest, ExitButtonIsAKeyOfTheVirtualPanel) {
  int exits = 0;
  panel_.exit_button().add_listener([&] { ++exits; });
  ASSERT_TRUE(panel_.press("exit"));
  EXPECT_EQ(exits, 1);
  EXPECT_TRUE(keys_.empty());
}

TEST_F(SimPanelTest, LockFollowsTheInjectedClock) {
  panel_.lock().open_for(2s);
  EXPECT_TRUE(panel_.state().lock_open);
  timers_.advance(2s);
  EXPECT_FALSE(panel_.state().lock_open);
}

TEST_F(SimPanelTest, IndicatorsAndDisplayShowInState) {
  panel_.indicators()->set(Indicator::Call, true);
  panel_.indicators()->set(Indicator::Unlock, true);
  panel_.display()->show({"Room 101", "Smith"});
  const SimPanelState s = panel_.state();
  EXPECT_TRUE(s.call_lit);
  EXPECT_FALSE(s.talk_lit);
  EXPECT_TRUE(s.unlock_lit);
  EXPECT_EQ(s.display_lines, (std::vector<std::string>{"Room 101", "Smith"}));

  const nlohmann::json j = to_json(s);
  EXPECT_EQ(j["indicators"], (nlohmann::json{{"call", true}, {"talk", false}, {"unlock", true}}));
  EXPECT_EQ(j["display"]["lines"], (nlohmann::json{"Room 101", "Smith"}));
  EXPECT_EQ(j["lock"]["open"], false);
  EXPECT_EQ(j["door"], "closed");
  EXPECT_EQ(j["tamper"], "attached");
  ASSERT_EQ(j["modules"].size(), 6u);
  EXPECT_EQ(j["modules"][2],
            (nlohmann::json{{"position", 2}, {"kind", "keypad"}, {"presence", "found"}}));
}

TEST_F(SimPanelTest, DoorAndTamperEventsFireOnChangesOnly) {
  std::vector<DoorState> doors;
  std::vector<TamperState> tampers;
  panel_.door_sensor().add_listener([&](DoorState s) { doors.push_back(s); });
  panel_.tamper_switch().add_listener([&](TamperState s) { tampers.push_back(s); });
  panel_.set_door_open(false);
  panel_.set_door_open(true);
  panel_.set_door_open(true);
  panel_.set_tamper_detached(true);
  panel_.set_tamper_detached(true);
  panel_.set_tamper_detached(false);
  EXPECT_EQ(doors, (std::vector<DoorState>{DoorState::Open}));
  EXPECT_EQ(tampers, (std::vector<TamperState>{TamperState::Detached, TamperState::Attached}));
  EXPECT_EQ(to_json(panel_.state())["door"], "open");
}

TEST_F(SimPanelTest, MissingModuleIsReportedWhileOthersKeepWorking) {
  std::vector<ModuleStatus> changes;
  panel_.module_bus().add_listener([&](const ModuleStatus& m) { changes.push_back(m); });
  ASSERT_TRUE(panel_.set_module_present(2, false));  // the keypad

  auto r = panel_.press("5");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().errc, Errc::Unavailable);
  EXPECT_EQ(r.error().message, "key \"5\": keypad module at position 2 is missing");
  ASSERT_TRUE(panel_.press("button1"));  // buttons of module 1
  ASSERT_TRUE(panel_.press("button3"));  // first button of module 3
  EXPECT_EQ(keys_.size(), 4u);

  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0], (ModuleStatus{2, ModuleKind::Keypad, Presence::Missing}));
  const auto modules = panel_.state().modules;
  EXPECT_EQ(modules[1].presence, Presence::Found);
  EXPECT_EQ(modules[2].presence, Presence::Missing);
  EXPECT_EQ(to_json(panel_.state())["modules"][2]["presence"], "missing");

  ASSERT_TRUE(panel_.set_module_present(3, false));
  EXPECT_EQ(panel_.press("button3").error().errc, Errc::Unavailable);
  EXPECT_TRUE(panel_.press("button2"));
  ASSERT_TRUE(panel_.set_module_present(2, true));
  EXPECT_TRUE(panel_.press("5"));
  EXPECT_FALSE(panel_.set_module_present(6, true));
}

TEST(SimPanelConfigTest, ModulesMayStartMissing) {
  core::ManualTimers timers;
  SimPanelConfig config;
  config.modules = {{ModuleKind::Buttons, 1, Presence::Missing}};
  SimPanel panel(timers, config);
  EXPECT_EQ(panel.press("button1").error().errc, Errc::Unavailable);
  EXPECT_EQ(panel.state().modules[1].presence, Presence::Missing);
}

TEST(SimPanelConfigTest, KeysOfModulesNotConfiguredAreRefused) {
  core::ManualTimers timers;
  SimPanel panel(timers, SimPanelConfig{});
  EXPECT_EQ(panel.keypad(), nullptr);
  EXPECT_EQ(panel.display(), nullptr);
  EXPECT_EQ(panel.indicators(), nullptr);
  EXPECT_EQ(panel.press("1").error().message, "key \"1\": no keypad module configured");
  EXPECT_EQ(panel.press("button1").error().errc, Errc::NotFound);
  EXPECT_TRUE(panel.press("exit"));
  EXPECT_EQ(panel.state().modules.size(), 1u);  // the camera module alone
}

// Camera (0), card reader (1), fingerprint (2).
SimPanelConfig reader_layout() {
  SimPanelConfig config;
  config.modules = {{ModuleKind::CardReader}, {ModuleKind::Fingerprint}};
  return config;
}

TEST(SimPanelReadersTest, CardsAreReadInTheirStoredForm) {
  core::ManualTimers timers;
  SimPanel panel(timers, reader_layout());
  std::vector<std::string> cards;
  ASSERT_NE(panel.card_reader(), nullptr);
  panel.card_reader()->add_listener([&](const std::string& n) { cards.push_back(n); });
  ASSERT_TRUE(panel.present_card("1a2b3c4d"));
  ASSERT_TRUE(panel.present_card("0042"));
  ASSERT_TRUE(panel.present_card("FFFFFFFFFFFFFFFF"));
  EXPECT_EQ(cards, (std::vector<std::string>{"1A2B3C4D", "0042", "FFFFFFFFFFFFFFFF"}));
}

TEST(SimPanelReadersTest, MalformedCardNumbersAreRefusedWithTheRule) {
  core::ManualTimers timers;
  SimPanel panel(timers, reader_layout());
  int reads = 0;
  panel.card_reader()->add_listener([&](const std::string&) { ++reads; });
  for (const char* bad : {"", "123", "12345678901234567", "12 34", "0x1234", "12G4", "-123"}) {
    auto r = panel.present_card(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().errc, Errc::Invalid) << bad;
  }
  EXPECT_EQ(panel.present_card("123").error().message, "card number: 4 to 16 hexadecimal digits");
  EXPECT_EQ(panel.present_card("12G4").error().message,
            "card number: only hexadecimal digits (0-9, A-F)");
  EXPECT_EQ(reads, 0);
}

TEST(SimPanelReadersTest, FingersMatchOnlyTheirEnrolledPrint) {
  core::ManualTimers timers;
  SimPanel panel(timers, reader_layout());
  std::vector<FingerScan> scans;
  ASSERT_NE(panel.fingerprint_reader(), nullptr);
  panel.fingerprint_reader()->add_listener([&](const FingerScan& s) { scans.push_back(s); });
  ASSERT_TRUE(panel.touch_finger("Anna, right index"));  // nothing enrolled yet
  panel.fingerprint_reader()->set_enrolled(
      {{7, sim_template("Anna, right index"), ""}, {9, sim_template("Ben, left thumb"), ""}});
  ASSERT_TRUE(panel.touch_finger("Ben, left thumb"));
  ASSERT_TRUE(panel.touch_finger("Anna, right index"));
  ASSERT_TRUE(panel.touch_finger("Anna, left index"));
  EXPECT_EQ(scans, (std::vector<FingerScan>{{std::nullopt}, {9}, {7}, {std::nullopt}}));
  EXPECT_EQ(panel.state().enrolled_fingers,
            (std::vector<std::string>{"Anna, right index", "Ben, left thumb"}));
  EXPECT_EQ(to_json(panel.state())["fingers"],
            (nlohmann::json{"Anna, right index", "Ben, left thumb"}));

  EXPECT_EQ(panel.touch_finger("").error().message, "finger: 1 to 100 characters");
  EXPECT_EQ(panel.touch_finger(std::string(101, 'x')).error().errc, Errc::Invalid);
  EXPECT_EQ(panel.touch_finger("a\nb").error().message, "finger: no control characters");
  EXPECT_EQ(scans.size(), 4u);
}

// The virtual panel lists prints by the core's label, a touch by label is that finger, and a
// new finger is never one enrolled, even while its name is taken by an enrolled template.
TEST(SimPanelReadersTest, LabelledPrintsAndNewFingers) {
  core::ManualTimers timers;
  SimPanel panel(timers, reader_layout());
  std::vector<FingerScan> scans;
  panel.fingerprint_reader()->add_listener([&](const FingerScan& s) { scans.push_back(s); });
  std::vector<std::uint8_t> made;
  panel.fingerprint_reader()->enrol([&](auto r) { made = *r; });
  EXPECT_TRUE(panel.state().enrolling);
  EXPECT_TRUE(to_json(panel.state())["enrolling"].get<bool>());
  auto first = panel.touch_new_finger();
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, "new finger 1");
  EXPECT_EQ(made, sim_template("new finger 1"));
  EXPECT_FALSE(panel.state().enrolling);
  panel.fingerprint_reader()->set_enrolled(
      {{3, made, "print 3: Bob, room 102, right index"}, {4, sim_template("new finger 2"), ""}});
  EXPECT_EQ(panel.state().enrolled_fingers,
            (std::vector<std::string>{"print 3: Bob, room 102, right index", "new finger 2"}));
  ASSERT_TRUE(panel.touch_finger("print 3: Bob, room 102, right index"));
  auto unknown = panel.touch_new_finger();
  ASSERT_TRUE(unknown);
  EXPECT_EQ(*unknown, "new finger 3");  // "new finger 2" is enrolled
  ASSERT_TRUE(panel.touch_finger("new finger 2"));
  EXPECT_EQ(scans, (std::vector<FingerScan>{{3}, {std::nullopt}, {4}}));
}

TEST(SimPanelReadersTest, WhileEnrollingTheNextFingerBecomesATemplate) {
  core::ManualTimers timers;
  SimPanel panel(timers, reader_layout());
  int scans = 0;
  panel.fingerprint_reader()->add_listener([&](const FingerScan&) { ++scans; });
  std::vector<Result<std::vector<std::uint8_t>>> enrolled;
  panel.fingerprint_reader()->enrol([&](auto r) { enrolled.push_back(std::move(r)); });
  panel.fingerprint_reader()->enrol([&](auto r) { enrolled.push_back(std::move(r)); });
  ASSERT_EQ(enrolled.size(), 1u);  // the first enrolment ended by the second
  EXPECT_FALSE(enrolled[0]);
  ASSERT_TRUE(panel.touch_finger("Anna, right index"));
  ASSERT_EQ(enrolled.size(), 2u);
  ASSERT_TRUE(enrolled[1]);
  EXPECT_EQ(*enrolled[1], sim_template("Anna, right index"));
  EXPECT_EQ(scans, 0);  // not compared, not heard by the panel
  ASSERT_TRUE(panel.touch_finger("Anna, right index"));
  EXPECT_EQ(scans, 1);
  panel.fingerprint_reader()->enrol([&](auto r) { enrolled.push_back(std::move(r)); });
  panel.fingerprint_reader()->cancel_enrol();
  EXPECT_FALSE(enrolled.back());
}

TEST(SimPanelReadersTest, ReadersNotConfiguredOrMissingAreRefused) {
  core::ManualTimers timers;
  SimPanel none(timers, SimPanelConfig{});
  EXPECT_EQ(none.card_reader(), nullptr);
  EXPECT_EQ(none.fingerprint_reader(), nullptr);
  EXPECT_EQ(none.present_card("1234").error().message, "card: no card_reader module configured");
  EXPECT_EQ(none.touch_finger("x").error().errc, Errc::NotFound);

  SimPanel panel(timers, reader_layout());
  int events = 0;
  panel.card_reader()->add_listener([&](const std::string&) { ++events; });
  panel.fingerprint_reader()->add_listener([&](const FingerScan&) { ++events; });
  ASSERT_TRUE(panel.set_module_present(1, false));
  EXPECT_EQ(panel.present_card("1234").error().message,
            "card: card_reader module at position 1 is missing");
  EXPECT_TRUE(panel.touch_finger("x"));
  ASSERT_TRUE(panel.set_module_present(2, false));
  EXPECT_EQ(panel.touch_finger("x").error().errc, Errc::Unavailable);
  EXPECT_EQ(events, 1);
  EXPECT_TRUE(to_json(SimPanel(timers, SimPanelConfig{}).state())["fingers"].empty());
}

TEST(SimPanelConfigTest, BadLayoutsAreRefused) {
  core::ManualTimers timers;
  auto with = [](std::vector<SimModuleSpec> modules) {
    SimPanelConfig c;
    c.modules = std::move(modules);
    return c;
  };
  EXPECT_THAT(check_config(with({{ModuleKind::Buttons, 3}})).error().message,
              HasSubstr("1, 2 or 5"));
  EXPECT_FALSE(check_config(with({{ModuleKind::Keypad, 1}})));
  EXPECT_FALSE(check_config(with({{ModuleKind::Camera}})));
  EXPECT_THAT(check_config(with({{ModuleKind::Keypad}, {ModuleKind::Keypad}})).error().message,
              HasSubstr("at most one keypad"));
  EXPECT_TRUE(check_config(full_layout()));

  auto bad = SimPanel::create(timers, with({{ModuleKind::Buttons, 4}}));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().errc, Errc::Invalid);
  EXPECT_THROW(SimPanel(timers, with({{ModuleKind::Buttons, 4}})), std::invalid_argument);
  auto good = SimPanel::create(timers, full_layout());
  ASSERT_TRUE(good);
  EXPECT_EQ((*good)->call_buttons().traits().count, 7u);
}

}  // namespace
}  // namespace vto::hal::sim
