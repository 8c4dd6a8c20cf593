#include "station/alarm_centre.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hal/sim/sim_tamper_switch.h"
#include "store/temp_dir.h"

namespace vto::station {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class AlarmCentreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open(tmp_.sub("data"));
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    records_ = std::make_unique<records::AlarmRecords>(*db_);
    centre_ = make();
  }

  std::unique_ptr<AlarmCentre> make() {
    return std::make_unique<AlarmCentre>(
        *records_, timers_,
        AlarmCentre::Callbacks{[this](const std::string& body, std::function<void(int)> done) {
                             sent_.push_back(json::parse(body));
                             pending_ = std::move(done);
                           },
                           [this](const json& e) { events_.push_back(e); },
                           [] { return std::string("8001"); }, [this] { return now_ms_; },
                           [this] { ++sounds_; }});
  }

  void answer(int status) {
    ASSERT_TRUE(pending_);
    auto done = std::move(pending_);
    pending_ = nullptr;
    done(status);
  }

  store::testing::TempDir tmp_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<records::AlarmRecords> records_;
  core::ManualTimers timers_;
  std::int64_t now_ms_ = 1'800'000'000'000;
  std::vector<json> sent_;
  std::vector<json> events_;
  std::function<void(int)> pending_;
  int sounds_ = 0;
  std::unique_ptr<AlarmCentre> centre_;
};

TEST_F(AlarmCentreTest, AnAlarmIsRecordedPublishedAndDelivered) {
  const auto id = centre_->raise(access::AlarmType::Duress, "keypad", "the duress password");
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0]["type"], "duress");
  EXPECT_EQ(sent_[0]["device"], "8001");
  EXPECT_EQ(sent_[0]["alarm"], id);
  EXPECT_EQ(sent_[0]["time"], "2027-01-15T08:00:00.000Z");
  EXPECT_EQ(sent_[0]["details"], "the duress password");
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0]["state"], "raised");
  now_ms_ += 300;
  answer(200);
  EXPECT_EQ((*records_->get(static_cast<std::int64_t>(id)))->delivered_ms, now_ms_);
  EXPECT_EQ(events_.back()["state"], "delivered");
}

TEST_F(AlarmCentreTest, RefusedDeliveriesAreRetriedWithBackOffInOrder) {
  centre_->raise(access::AlarmType::ForcedOpen, "door sensor", "");
  centre_->raise(access::AlarmType::KeypadLocked, "keypad", "");
  ASSERT_EQ(sent_.size(), 1u);  // one at a time
  answer(480);
  timers_.advance(1999ms);
  EXPECT_EQ(sent_.size(), 1u);
  timers_.advance(1ms);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_[1]["type"], "forced_open");  // the same one again
  answer(408);
  timers_.advance(3999ms);
  EXPECT_EQ(sent_.size(), 2u);
  timers_.advance(1ms);
  ASSERT_EQ(sent_.size(), 3u);
  answer(200);
  ASSERT_EQ(sent_.size(), 4u);  // then the next, at once
  EXPECT_EQ(sent_[3]["type"], "keypad_locked");
  answer(202);
  records::AlarmQuery q;
  q.delivered = false;
  EXPECT_EQ(*records_->count(q), 0u);
}

TEST_F(AlarmCentreTest, WhatARunLeftUndeliveredIsSentAfterARestart) {
  centre_->raise(access::AlarmType::Tamper, "tamper switch", "");
  answer(503);
  centre_.reset();  // the daemon stops with the alarm undelivered
  sent_.clear();
  centre_ = make();
  centre_->start();
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0]["type"], "tamper");
  answer(200);
  records::AlarmQuery q;
  q.delivered = true;
  EXPECT_EQ(*records_->count(q), 1u);
}

TEST_F(AlarmCentreTest, TheTamperSwitchSoundsAndEndsItsAlarm) {
  hal::sim::SimTamperSwitch tamper;
  centre_->set_tamper_switch(&tamper);
  tamper.set_state(hal::TamperState::Detached);
  EXPECT_EQ(sounds_, 1);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0]["type"], "tamper");
  now_ms_ += 5000;
  tamper.set_state(hal::TamperState::Attached);
  auto r = records_->get(sent_[0]["alarm"].get<std::int64_t>());
  EXPECT_EQ((*r)->ended_ms, now_ms_);
  EXPECT_EQ(events_.back()["state"], "ended");
  centre_->set_tamper_switch(nullptr);
}

}  // namespace
}  // namespace vto::station
