#include "accounts/login_guard.h"

#include <gtest/gtest.h>

#include <string>

namespace vto::accounts {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const core::TimePoint kT0 = core::TimePoint{} + std::chrono::hours(1);
constexpr const char* kAddr = "192.0.2.10";

// `n` failures of admin from kAddr, one second apart from `at`; whether the last one locked.
bool fail_times(LoginGuard& guard, int n, core::TimePoint at) {
  bool locked_now = false;
  for (int i = 0; i < n; ++i) locked_now = guard.failure("admin", kAddr, at + seconds(i));
  return locked_now;
}

TEST(LoginGuardTest, FourFailuresDoNotLockTheFifthDoes) {
  LoginGuard guard;
  EXPECT_FALSE(fail_times(guard, 4, kT0));
  EXPECT_FALSE(guard.locked("admin", kAddr, kT0 + seconds(4)));
  EXPECT_TRUE(guard.failure("admin", kAddr, kT0 + seconds(4)));
  auto left = guard.locked("admin", kAddr, kT0 + seconds(4));
  ASSERT_TRUE(left);
  EXPECT_EQ(*left, minutes(5));
}

TEST(LoginGuardTest, LockLastsFiveMinutesThenLoginsMayBeTriedAgain) {
  LoginGuard guard;
  ASSERT_TRUE(fail_times(guard, 5, kT0));
  const auto locked_at = kT0 + seconds(4);
  EXPECT_EQ(guard.locked("admin", kAddr, locked_at + minutes(1)), minutes(4));
  EXPECT_EQ(guard.locked("admin", kAddr, locked_at + minutes(5) - seconds(1)), seconds(1));
  EXPECT_FALSE(guard.locked("admin", kAddr, locked_at + minutes(5)));
  // The count starts afresh after a lock: one more failure does not lock again.
  EXPECT_FALSE(guard.failure("admin", kAddr, locked_at + minutes(5)));
  EXPECT_FALSE(guard.locked("admin", kAddr, locked_at + minutes(5)));
}

TEST(LoginGuardTest, FailuresWhileLockedNeitherLockAgainNorExtendTheLock) {
  LoginGuard guard;
  ASSERT_TRUE(fail_times(guard, 5, kT0));
  const auto locked_at = kT0 + seconds(4);
  EXPECT_FALSE(guard.failure("admin", kAddr, locked_at + minutes(1)));
  EXPECT_EQ(guard.locked("admin", kAddr, locked_at + minutes(1)), minutes(4));
}

TEST(LoginGuardTest, AnotherAddressOrUserIsNotLocked) {
  LoginGuard guard;
  ASSERT_TRUE(fail_times(guard, 5, kT0));
  EXPECT_TRUE(guard.locked("admin", kAddr, kT0 + seconds(5)));
  EXPECT_FALSE(guard.locked("admin", "192.0.2.11", kT0 + seconds(5)));
  EXPECT_FALSE(guard.locked("guard", kAddr, kT0 + seconds(5)));
  EXPECT_FALSE(guard.failure("admin", "192.0.2.11", kT0 + seconds(5)));
}

TEST(LoginGuardTest, SuccessResetsTheCount) {
  LoginGuard guard;
  ASSERT_FALSE(fail_times(guard, 4, kT0));
  guard.success("admin", kAddr);
  EXPECT_EQ(guard.size(), 0u);
  EXPECT_FALSE(fail_times(guard, 4, kT0 + seconds(10)));
  EXPECT_FALSE(guard.locked("admin", kAddr, kT0 + seconds(14)));
}

TEST(LoginGuardTest, FailuresOlderThanTheLockTimeAreForgotten) {
  LoginGuard guard;
  ASSERT_FALSE(fail_times(guard, 4, kT0));  // at 0..3 s
  // At 5 min + 1 s the failures at 0 and 1 s no longer count: with this one, 3 do.
  const auto later = kT0 + minutes(5) + seconds(1);
  EXPECT_FALSE(guard.failure("admin", kAddr, later));
  EXPECT_FALSE(guard.failure("admin", kAddr, later));
  EXPECT_FALSE(guard.locked("admin", kAddr, later));
  EXPECT_TRUE(guard.failure("admin", kAddr, later));
}

TEST(LoginGuardTest, ConfigIsHonoured) {
  LoginGuard guard(LoginGuardConfig{3, minutes(1), 16});
  EXPECT_FALSE(guard.failure("admin", kAddr, kT0));
  EXPECT_FALSE(guard.failure("admin", kAddr, kT0));
  EXPECT_TRUE(guard.failure("admin", kAddr, kT0));
  EXPECT_EQ(guard.locked("admin", kAddr, kT0), minutes(1));
}

TEST(LoginGuardTest, TheNumberOfKeysIsBounded) {
  LoginGuard guard;
  for (int i = 0; i < 10000; ++i) {
    guard.failure("user" + std::to_string(i), kAddr, kT0 + std::chrono::milliseconds(i));
    ASSERT_LE(guard.size(), 4096u);
  }
  EXPECT_EQ(guard.size(), 4096u);
  // The newest are kept.
  EXPECT_FALSE(guard.failure("user9999", kAddr, kT0 + seconds(11)));
  EXPECT_EQ(guard.size(), 4096u);
}

TEST(LoginGuardTest, ExpiredEntriesGoFirstWhenFull) {
  LoginGuard guard(LoginGuardConfig{5, minutes(5), 4});
  guard.failure("a", kAddr, kT0);
  guard.failure("b", kAddr, kT0 + minutes(1));
  guard.failure("c", kAddr, kT0 + minutes(2));
  guard.failure("d", kAddr, kT0 + minutes(3));
  // At 6 min, a's failure and b's (at exactly 5 minutes old) no longer count.
  guard.failure("e", kAddr, kT0 + minutes(6));
  EXPECT_EQ(guard.size(), 3u);
}

TEST(LoginGuardTest, AFloodOfNewKeysDoesNotLiftALock) {
  LoginGuard guard(LoginGuardConfig{5, minutes(5), 8});
  ASSERT_TRUE(fail_times(guard, 5, kT0));
  for (int i = 0; i < 100; ++i) {
    guard.failure("x" + std::to_string(i), "198.51.100.1", kT0 + seconds(10 + i));
  }
  EXPECT_EQ(guard.size(), 8u);
  EXPECT_TRUE(guard.locked("admin", kAddr, kT0 + seconds(200)));
}

TEST(LoginGuardTest, WhenEveryEntryIsLockedTheFirstToEndGoes) {
  LoginGuard guard(LoginGuardConfig{1, minutes(5), 2});
  EXPECT_TRUE(guard.failure("a", kAddr, kT0));
  EXPECT_TRUE(guard.failure("b", kAddr, kT0 + seconds(1)));
  EXPECT_TRUE(guard.failure("c", kAddr, kT0 + seconds(2)));
  EXPECT_EQ(guard.size(), 2u);
  EXPECT_FALSE(guard.locked("a", kAddr, kT0 + seconds(3)));
  EXPECT_TRUE(guard.locked("b", kAddr, kT0 + seconds(3)));
  EXPECT_TRUE(guard.locked("c", kAddr, kT0 + seconds(3)));
}

}  // namespace
}  // namespace vto::accounts
