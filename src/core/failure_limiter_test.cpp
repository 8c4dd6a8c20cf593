#include "core/failure_limiter.h"

#include <gtest/gtest.h>

namespace vto::core {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

FailurePolicy policy() {
  FailurePolicy p;
  p.max_failures = 3;
  p.window = minutes(10);
  p.block = minutes(1);
  p.max_block = minutes(4);
  p.max_keys = 4;
  return p;
}

TEST(FailureLimiter, TheFailureThatReachesTheThresholdBlocks) {
  FailureLimiter limiter(policy());
  TimePoint t{};
  EXPECT_FALSE(limiter.failure("ip:10.0.0.1", t));
  EXPECT_FALSE(limiter.failure("ip:10.0.0.1", t + seconds(1)));
  EXPECT_FALSE(limiter.blocked("ip:10.0.0.1", t + seconds(1)));
  auto block = limiter.failure("ip:10.0.0.1", t + seconds(2));
  ASSERT_TRUE(block);
  EXPECT_EQ(*block, minutes(1));
  EXPECT_EQ(*limiter.blocked("ip:10.0.0.1", t + seconds(32)), seconds(30));
  EXPECT_FALSE(limiter.blocked("ip:10.0.0.2", t + seconds(32)));  // others are not
  EXPECT_FALSE(limiter.blocked("ip:10.0.0.1", t + seconds(62)));  // over
}

TEST(FailureLimiter, FailuresOutsideTheWindowAreForgotten) {
  FailureLimiter limiter(policy());
  TimePoint t{};
  limiter.failure("u", t);
  limiter.failure("u", t + minutes(1));
  EXPECT_EQ(limiter.failures("u", t + minutes(9)), 2);
  EXPECT_FALSE(limiter.failure("u", t + minutes(11)));  // the first two are too old
  EXPECT_EQ(limiter.failures("u", t + minutes(11)), 1);
}

TEST(FailureLimiter, ARecidiveBlockDoublesUpToTheCap) {
  FailureLimiter limiter(policy());
  TimePoint t{};
  std::vector<Duration> blocks;
  for (int round = 0; round < 5; ++round) {
    std::optional<Duration> b;
    while (!b) {
      if (auto left = limiter.blocked("k", t)) t += *left;
      b = limiter.failure("k", t);
      t += seconds(1);
    }
    blocks.push_back(*b);
  }
  EXPECT_EQ(blocks,
            (std::vector<Duration>{minutes(1), minutes(2), minutes(4), minutes(4), minutes(4)}));
  // A whole window of peace: the next block is the first one again.
  t += minutes(20);
  limiter.failure("k", t);
  limiter.failure("k", t);
  EXPECT_EQ(*limiter.failure("k", t), minutes(1));
}

TEST(FailureLimiter, AFailureWhileBlockedChangesNothing) {
  FailureLimiter limiter(policy());
  TimePoint t{};
  for (int i = 0; i < 3; ++i) limiter.failure("k", t);
  EXPECT_FALSE(limiter.failure("k", t + seconds(10)));
  EXPECT_EQ(*limiter.blocked("k", t + seconds(10)), seconds(50));
}

TEST(FailureLimiter, ClearForgetsCountAndBlock) {
  FailureLimiter limiter(policy());
  TimePoint t{};
  for (int i = 0; i < 3; ++i) limiter.failure("k", t);
  limiter.clear("k");
  EXPECT_FALSE(limiter.blocked("k", t));
  EXPECT_EQ(limiter.failures("k", t), 0);
}

TEST(FailureLimiter, AFloodOfNewKeysDoesNotFreeABlockedOne) {
  FailureLimiter limiter(policy());
  TimePoint t{};
  for (int i = 0; i < 3; ++i) limiter.failure("attacker", t);
  for (int i = 0; i < 100; ++i) limiter.failure("made-up-" + std::to_string(i), t);
  EXPECT_LE(limiter.size(), 4U);
  EXPECT_TRUE(limiter.blocked("attacker", t + seconds(1)));
}

}  // namespace
}  // namespace vto::core
