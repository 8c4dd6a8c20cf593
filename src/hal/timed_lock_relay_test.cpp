#include "hal/timed_lock_relay.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "hal/sim/sim_output.h"

namespace vto::hal {
namespace {

using namespace std::chrono_literals;

class TimedLockRelayTest : public ::testing::Test {
 protected:
  TimedLockRelayTest() {
    relay_.add_listener([this](bool open) { changes_.push_back(open); });
  }

  core::ManualTimers timers_;
  sim::SimOutput output_;
  TimedLockRelay relay_{timers_, output_};
  std::vector<bool> changes_;
};

TEST_F(TimedLockRelayTest, OpensForTheHoldTimeThenClosesByItself) {
  EXPECT_FALSE(relay_.is_open());
  relay_.open_for(3s);
  EXPECT_TRUE(relay_.is_open());
  EXPECT_TRUE(output_.on());
  timers_.advance(2999ms);
  EXPECT_TRUE(relay_.is_open());
  timers_.advance(1ms);
  EXPECT_FALSE(relay_.is_open());
  EXPECT_FALSE(output_.on());
  EXPECT_EQ(changes_, (std::vector<bool>{true, false}));
  EXPECT_EQ(timers_.pending(), 0u);
}

TEST_F(TimedLockRelayTest, ReopeningRestartsTheHoldTime) {
  relay_.open_for(3s);
  timers_.advance(2s);
  relay_.open_for(3s);  // now due at 5 s
  timers_.advance(2s);
  EXPECT_TRUE(relay_.is_open());
  timers_.advance(1s);
  EXPECT_FALSE(relay_.is_open());
  EXPECT_EQ(changes_, (std::vector<bool>{true, false}));  // no flicker in between
}

TEST_F(TimedLockRelayTest, CloseCancelsTheHoldTime) {
  relay_.open_for(3s);
  relay_.close();
  EXPECT_FALSE(relay_.is_open());
  EXPECT_FALSE(output_.on());
  EXPECT_EQ(timers_.pending(), 0u);
  relay_.close();  // already closed: no event
  timers_.advance(10s);
  EXPECT_EQ(changes_, (std::vector<bool>{true, false}));
}

TEST_F(TimedLockRelayTest, ANormallyClosedRelayHoldsItsLineOnWhileLocked) {
  relay_.set_normally_closed(true);
  EXPECT_TRUE(output_.on());  // locked: the line is on at once
  relay_.open_for(1s);
  EXPECT_TRUE(relay_.is_open());
  EXPECT_FALSE(output_.on());
  timers_.advance(1s);
  EXPECT_TRUE(output_.on());
  relay_.set_normally_closed(false);
  EXPECT_FALSE(output_.on());
  EXPECT_EQ(changes_, (std::vector<bool>{true, false}));  // the door's state, not the line's
}

TEST(TimedLockRelayLifetimeTest, DestroyingTheRelayCancelsItsTimer) {
  core::ManualTimers timers;
  sim::SimOutput output;
  {
    TimedLockRelay relay(timers, output);
    relay.open_for(1s);
    EXPECT_EQ(timers.pending(), 1u);
  }
  EXPECT_EQ(timers.pending(), 0u);
  timers.advance(2s);  // nothing fires into a dead relay
}

// Every level the relay writes, in order: a board must never see the door open by accident.
class RecordingOutput final : public BinaryOutput {
 public:
  void write(bool on) override { writes.push_back(on); }
  std::vector<bool> writes;
};

TEST(TimedLockRelayStartTest, ANormallyClosedRelayStartsWithItsLineOnAndNeverOff) {
  core::ManualTimers timers;
  RecordingOutput output;
  TimedLockRelay relay(timers, output, true);
  relay.set_normally_closed(true);  // what the station says once its settings are read
  EXPECT_EQ(output.writes, std::vector<bool>{true});
}

TEST(TimedLockRelayStartTest, WriteLockedWritesTheLockedLevelEvenWhenLocked) {
  core::ManualTimers timers;
  RecordingOutput output;
  TimedLockRelay relay(timers, output, true);
  relay.open_for(5s);
  relay.write_locked();
  relay.write_locked();
  EXPECT_FALSE(relay.is_open());
  EXPECT_EQ(output.writes, (std::vector<bool>{true, false, true, true}));
  EXPECT_EQ(timers.pending(), 0u);
}

}  // namespace
}  // namespace vto::hal
