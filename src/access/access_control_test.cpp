#include "access/access_control.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "hal/sim/sim_door_sensor.h"
#include "hal/sim/sim_output.h"
#include "hal/timed_lock_relay.h"
#include "store/directory.h"
#include "store/temp_dir.h"

namespace vto::access {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

struct Alarm {
  AlarmType type;
  std::string source;
  std::string details;
  bool ended = false;
};

class RecordingAlarms final : public AlarmSink {
 public:
  AlarmId raise(AlarmType type, const std::string& source, const std::string& details) override {
    alarms.push_back({type, source, details, false});
    return alarms.size();
  }
  void end(AlarmId id) override { alarms.at(id - 1).ended = true; }
  std::vector<Alarm> alarms;
};

constexpr std::int64_t kNow = 1'800'000'000'000;  // unix ms, the tests' "now"

class AccessControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open(tmp_.sub("data"));
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(store::Directory(*db_).add_room({"101", "", "", "", "public", "Room-pass1"}));
    auto writer = records::RecordWriter::open(tmp_.sub("data"));
    ASSERT_TRUE(writer) << writer.error().message;
    writer_ = std::move(*writer);
    records_ = std::make_unique<records::UnlockRecords>(*db_, *writer_);
    cards_ = std::make_unique<Cards>(*db_);
    prints_ = std::make_unique<Fingerprints>(*db_);
    codes_ = std::make_unique<KeypadCodes>(*db_);
    ASSERT_TRUE(codes_->set({CodeKind::Public, ""}, hasher_.hash("123456"), kNow));
    ASSERT_TRUE(codes_->set({CodeKind::Room, "101"}, hasher_.hash("1010"), kNow));
    ASSERT_TRUE(codes_->set({CodeKind::Duress, ""}, hasher_.hash("9110"), kNow));
    make(LockSettings{});
  }

  void make(LockSettings settings) {
    access_.reset();
    access_ = std::make_unique<AccessControl>(
        AccessControl::Stores{*cards_, *prints_, *codes_, hasher_, *records_}, timers_,
        [this] { return now_ms_; },
        [](std::function<std::string()> hash, std::function<void(std::string)> done) {
          done(hash());  // synchronous here; a worker thread in vtod
        },
        &alarms_, settings);
    access_->set_devices(&lock_, &door_);
  }

  device::AccessAnswer type(const std::string& code) {
    device::AccessAnswer answer;
    access_->password(code, [&](device::AccessAnswer a) { answer = std::move(a); });
    return answer;
  }

  std::vector<records::UnlockRecord> records() {
    records_->flush();
    records::UnlockQuery q;
    q.oldest_first = true;
    q.limit = 500;
    return *records_->search(q);
  }

  store::testing::TempDir tmp_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<records::RecordWriter> writer_;
  std::unique_ptr<records::UnlockRecords> records_;
  std::unique_ptr<Cards> cards_;
  std::unique_ptr<Fingerprints> prints_;
  std::unique_ptr<KeypadCodes> codes_;
  KeypadHasher hasher_{std::array<std::uint8_t, 16>{4, 2}};
  core::ManualTimers timers_;
  hal::sim::SimOutput line_;
  hal::TimedLockRelay lock_{timers_, line_};
  hal::sim::SimDoorSensor door_;
  RecordingAlarms alarms_;
  std::int64_t now_ms_ = kNow;
  std::unique_ptr<AccessControl> access_;
};

TEST_F(AccessControlTest, AValidCardOpensTheLockForTheUnlockTime) {
  ASSERT_TRUE(cards_->add({"1A2B3C4D", "101", "Anna", 0, 0, CardStatus::Normal}));
  auto answer = access_->card("1A2B3C4D");
  EXPECT_TRUE(answer.granted);
  EXPECT_EQ(answer.text, "Door open");
  EXPECT_TRUE(lock_.is_open());
  timers_.advance(4999ms);
  EXPECT_TRUE(lock_.is_open());
  timers_.advance(1ms);
  EXPECT_FALSE(lock_.is_open());
  const auto r = records();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].method, "card");
  EXPECT_EQ(r[0].credential, "****3C4D");
  EXPECT_EQ(r[0].person, "Anna");
  EXPECT_EQ(r[0].room, "101");
  EXPECT_EQ(r[0].result, "granted");
  EXPECT_EQ(r[0].at_ms, kNow);
}

TEST_F(AccessControlTest, CardsAreRefusedWithTheirReason) {
  ASSERT_TRUE(cards_->add({"AAAA", "101", "", 0, 0, CardStatus::Frozen}));
  ASSERT_TRUE(cards_->add({"BBBB", "101", "", 0, 0, CardStatus::Lost}));
  ASSERT_TRUE(cards_->add({"CCCC", "101", "", 0, kNow - 1, CardStatus::Normal}));
  ASSERT_TRUE(cards_->add({"DDDD", "101", "", kNow + 1, 0, CardStatus::Normal}));
  ASSERT_TRUE(cards_->add({"EEEE", "101", "", kNow - 1, kNow, CardStatus::Normal}));
  EXPECT_EQ(access_->card("AAAA").text, "Card frozen");
  EXPECT_EQ(access_->card("BBBB").text, "Card not valid");
  EXPECT_EQ(access_->card("CCCC").text, "Card expired");
  EXPECT_EQ(access_->card("DDDD").text, "Card not valid yet");
  EXPECT_EQ(access_->card("9999").text, "Card not valid");
  EXPECT_FALSE(lock_.is_open());
  EXPECT_TRUE(access_->card("EEEE").granted);  // valid_to is inclusive
  std::vector<std::string> reasons;
  for (const auto& r : records()) reasons.push_back(r.reason);
  EXPECT_THAT(reasons, ElementsAre("card frozen", "card lost", "card expired", "card not valid yet",
                                   "unknown card", ""));
}

TEST_F(AccessControlTest, KeypadPasswordsOpenAndNameTheirOwner) {
  EXPECT_TRUE(type("123456").granted);
  EXPECT_TRUE(type("1010").granted);
  const auto r = records();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].credential, "public password");
  EXPECT_EQ(r[1].credential, "room password");
  EXPECT_EQ(r[1].room, "101");
  EXPECT_TRUE(alarms_.alarms.empty());
}

TEST_F(AccessControlTest, TheDuressPasswordOpensAsUsualAndRaisesASilentAlarm) {
  const auto answer = type("9110");
  EXPECT_TRUE(answer.granted);
  EXPECT_EQ(answer.text, "Door open");  // what the door shows: nothing special
  EXPECT_TRUE(lock_.is_open());
  ASSERT_EQ(alarms_.alarms.size(), 1u);
  EXPECT_EQ(alarms_.alarms[0].type, AlarmType::Duress);
  EXPECT_EQ(records()[0].credential, "duress password");
}

TEST_F(AccessControlTest, WrongPasswordsLockTheKeypadForAWhile) {
  for (int i = 0; i < 4; ++i) EXPECT_EQ(type("000000").text, "Wrong password");
  EXPECT_EQ(type("12").text, "Keypad locked");  // too short: wrong too, the fifth
  EXPECT_TRUE(alarms_.alarms.size() == 1 && alarms_.alarms[0].type == AlarmType::KeypadLocked);
  EXPECT_EQ(access_->keypad_locked_seconds(), 60);
  EXPECT_EQ(type("123456").text, "Keypad locked");  // even the right one
  EXPECT_FALSE(lock_.is_open());
  timers_.advance(59s);
  EXPECT_EQ(access_->keypad_locked_seconds(), 1);
  timers_.advance(1s);
  EXPECT_EQ(access_->keypad_locked_seconds(), 0);
  EXPECT_TRUE(type("123456").granted);
  // A right password starts the count afresh.
  for (int i = 0; i < 4; ++i) type("000000");
  EXPECT_TRUE(type("123456").granted);
  EXPECT_EQ(type("000000").text, "Wrong password");
  EXPECT_EQ(alarms_.alarms.size(), 1u);
  const auto r = records();
  EXPECT_EQ(r[4].reason, "wrong password; keypad locked");
  EXPECT_EQ(r[5].reason, "keypad locked");
}

TEST_F(AccessControlTest, TheMinimumIntervalSpacesUnlocks) {
  LockSettings s;
  s.unlock_seconds = 2;
  s.interval_seconds = 10;
  make(s);
  EXPECT_TRUE(access_->exit_button().granted);
  EXPECT_TRUE(access_->exit_button().granted);  // while open: kept open
  timers_.advance(3s);
  EXPECT_FALSE(lock_.is_open());
  const auto soon = access_->remote("admin");
  EXPECT_FALSE(soon.granted);
  EXPECT_EQ(soon.text, "Please wait");
  timers_.advance(7s);
  EXPECT_TRUE(access_->remote("admin").granted);
  const auto r = records();
  EXPECT_EQ(r[2].reason, "too soon after the last unlock");
  EXPECT_EQ(r[3].method, "remote");
  EXPECT_EQ(r[3].credential, "admin");
}

TEST_F(AccessControlTest, FingersOpenForTheirEnrolledOwner) {
  auto id = prints_->add({0, "101", "Ben", "left thumb", {7, 7}, kNow});
  ASSERT_TRUE(id);
  EXPECT_TRUE(access_->finger({*id}).granted);
  EXPECT_EQ(access_->finger({std::nullopt}).text, "Fingerprint not recognised");
  EXPECT_FALSE(access_->finger({*id + 5}).granted);
  const auto r = records();
  EXPECT_EQ(r[0].credential, "left thumb");
  EXPECT_EQ(r[0].person, "Ben");
  EXPECT_EQ(r[1].reason, "fingerprint not recognised");
  EXPECT_EQ(r[2].reason, "fingerprint no longer enrolled");
}

TEST_F(AccessControlTest, AMonitorsUnlockNamesTheMonitorAndItsRoom) {
  access_->set_monitor_code("1234");
  EXPECT_TRUE(access_->monitor_code("101#1", 1, "1234").granted);
  EXPECT_EQ(records()[0].credential, "101#1");
  EXPECT_EQ(records()[0].room, "101");
  EXPECT_EQ(records()[0].method, "monitor");
}

TEST_F(AccessControlTest, WithoutACodeRemoteUnlockIsOff) {
  EXPECT_FALSE(access_->monitor_code("101#1", 1, "").granted);
  EXPECT_FALSE(access_->monitor_code("101#1", 1, "1234").granted);
}

TEST_F(AccessControlTest, AWrongCodeIsARefusedRecordAndThreeEndTheCallsUnlock) {
  access_->set_monitor_code("1234");
  EXPECT_EQ(access_->monitor_code("101#0", 7, "1111").text, "Wrong code");
  timers_.advance(10s);  // past the minimum interval, if any
  access_->monitor_code("101#0", 7, "2222");
  access_->monitor_code("101#0", 7, "3333");
  // The right code, too late in this call.
  EXPECT_FALSE(access_->monitor_code("101#0", 7, "1234").granted);
  const auto r = records();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].result, "refused");
  EXPECT_EQ(r[0].method, "monitor");
  EXPECT_EQ(r[0].reason, "wrong code");
  EXPECT_EQ(r[3].reason, "too many wrong codes in this call");
  // The next call of the same monitor may open (2 of 5 device failures left).
  access_->call_ended(7);
  EXPECT_TRUE(access_->monitor_code("101#0", 8, "1234").granted);
}

TEST_F(AccessControlTest, FiveWrongCodesInTenMinutesLockTheDeviceWithAnAlarm) {
  access_->set_monitor_code("1234");
  for (int call = 1; call <= 5; ++call) {
    access_->monitor_code("101#0", call, "0000");
    access_->call_ended(call);
    timers_.advance(60s);
  }
  ASSERT_EQ(alarms_.alarms.size(), 1u);
  EXPECT_EQ(alarms_.alarms[0].type, AlarmType::RemoteUnlockLocked);
  EXPECT_EQ(alarms_.alarms[0].source, "101#0");
  EXPECT_EQ(access_->monitor_code("101#0", 9, "1234").text, "Remote unlock locked");
  EXPECT_TRUE(access_->monitor_code("102#0", 10, "1234").granted);  // other devices are not
  auto locks = access_->remote_locks();
  ASSERT_EQ(locks.size(), 1u);
  EXPECT_EQ(locks[0].device, "101#0");
  EXPECT_GT(locks[0].seconds_left, 25 * 60);
  timers_.advance(31min);
  EXPECT_TRUE(access_->remote_locks().empty());
  EXPECT_TRUE(access_->monitor_code("101#0", 11, "1234").granted);
}

TEST_F(AccessControlTest, AnAdministratorLiftsARemoteLock) {
  access_->set_monitor_code("1234");
  for (int i = 0; i < 5; ++i) access_->monitor_code("101#0", 100 + i, "0000");
  EXPECT_TRUE(access_->clear_remote_lock("101#0"));
  EXPECT_FALSE(access_->clear_remote_lock("101#0"));
  EXPECT_TRUE(access_->monitor_code("101#0", 200, "1234").granted);
}

TEST_F(AccessControlTest, TheDoorOpenedWhileLockedIsForced) {
  door_.set_state(hal::DoorState::Open);
  ASSERT_EQ(alarms_.alarms.size(), 1u);
  EXPECT_EQ(alarms_.alarms[0].type, AlarmType::ForcedOpen);
  EXPECT_FALSE(alarms_.alarms[0].ended);
  door_.set_state(hal::DoorState::Closed);
  EXPECT_TRUE(alarms_.alarms[0].ended);  // the record gets its end when the door closes
  // Opened after an unlock: no alarm, even a moment after the lock closed again.
  access_->exit_button();
  timers_.advance(5s);
  timers_.advance(500ms);
  door_.set_state(hal::DoorState::Open);
  door_.set_state(hal::DoorState::Closed);
  timers_.advance(2s);
  door_.set_state(hal::DoorState::Open);
  EXPECT_EQ(alarms_.alarms.size(), 2u);
}

TEST_F(AccessControlTest, TheDoorHeldOpenRaisesAnAlarmThatEndsWhenItCloses) {
  access_->exit_button();
  door_.set_state(hal::DoorState::Open);
  timers_.advance(59s);
  EXPECT_TRUE(alarms_.alarms.empty());
  timers_.advance(1s);
  ASSERT_EQ(alarms_.alarms.size(), 1u);
  EXPECT_EQ(alarms_.alarms[0].type, AlarmType::HeldOpen);
  EXPECT_FALSE(alarms_.alarms[0].ended);
  door_.set_state(hal::DoorState::Closed);
  EXPECT_TRUE(alarms_.alarms[0].ended);
  // Without a door sensor wired, no door alarms at all.
  LockSettings s;
  s.door_sensor = false;
  make(s);
  door_.set_state(hal::DoorState::Open);
  timers_.advance(120s);
  EXPECT_EQ(alarms_.alarms.size(), 1u);
}

TEST(LockSettingsTest, FiguresAreChecked) {
  EXPECT_TRUE(check_lock_settings({}));
  LockSettings s;
  s.unlock_seconds = 0;
  EXPECT_EQ(check_lock_settings(s).error().message, "unlock_seconds: 1 to 60");
  s = {};
  s.interval_seconds = 61;
  EXPECT_FALSE(check_lock_settings(s));
  s = {};
  s.held_open_seconds = 4;
  EXPECT_FALSE(check_lock_settings(s));
  s = {};
  s.keypad_max_failures = 2;
  EXPECT_FALSE(check_lock_settings(s));
  s = {};
  s.keypad_lock_seconds = 3601;
  EXPECT_FALSE(check_lock_settings(s));
}

}  // namespace
}  // namespace vto::access
