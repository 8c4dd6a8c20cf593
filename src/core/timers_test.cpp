#include "core/timers.h"

#include <gtest/gtest.h>

#include <vector>

using namespace std::chrono_literals;
using vto::core::ManualTimers;

TEST(ManualTimers, FiresInTimeOrderOnlyWhenDue) {
  ManualTimers timers;
  std::vector<int> fired;
  timers.start(500ms, [&] { fired.push_back(2); });
  timers.start(100ms, [&] { fired.push_back(1); });
  timers.advance(99ms);
  EXPECT_TRUE(fired.empty());
  timers.advance(1ms);
  EXPECT_EQ(fired, std::vector<int>({1}));
  timers.advance(1s);
  EXPECT_EQ(fired, std::vector<int>({1, 2}));
}

TEST(ManualTimers, CancelledTimerNeverFires) {
  ManualTimers timers;
  bool fired = false;
  auto id = timers.start(10ms, [&] { fired = true; });
  timers.cancel(id);
  timers.advance(1s);
  EXPECT_FALSE(fired);
  EXPECT_EQ(timers.pending(), 0u);
}

TEST(ManualTimers, TimerStartedByCallbackFiresWithinSameAdvance) {
  ManualTimers timers;
  int count = 0;
  timers.start(100ms, [&] {
    ++count;
    timers.start(100ms, [&] { ++count; });
  });
  timers.advance(250ms);
  EXPECT_EQ(count, 2);
}
