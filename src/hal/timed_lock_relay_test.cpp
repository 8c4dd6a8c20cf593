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

}  // namespace
}  // namespace vto::hal
