#include "media/tone_player.h"
#include "media/test_support.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace vto::media {
namespace {

using test_support::open_fd_count;
using test_support::wait_until;

using namespace std::chrono_literals;

TEST(TonePlayerTest, FollowsTheCadenceAndRestsAfterTheLastRepeat) {
  core::ManualTimers timers;  // the cadence; GStreamer plays in real time
  TonePlayer::Config config;
  config.on_error = [](std::string message) { ADD_FAILURE() << message; };
  auto player = TonePlayer::create(timers, config);
  ASSERT_TRUE(player.ok()) << player.error().message;
  TonePlayer& p = **player;
  EXPECT_FALSE(p.playing());
  EXPECT_EQ(p.level_db(), -127);

  ASSERT_TRUE(p.play({"busy", {{425, 500}, {0, 500}}, 2}).ok());
  EXPECT_TRUE(p.playing());
  EXPECT_EQ(p.current(), "busy");
  EXPECT_TRUE(wait_until([&] { return p.level_db() > -15; }, 2000ms)) << p.level_db();
  timers.advance(500ms);  // the pause
  EXPECT_TRUE(wait_until([&] { return p.level_db() < -60; }, 2000ms)) << p.level_db();
  timers.advance(500ms);  // the second time
  EXPECT_TRUE(p.playing());
  EXPECT_TRUE(wait_until([&] { return p.level_db() > -15; }, 2000ms)) << p.level_db();
  timers.advance(1000ms);
  EXPECT_FALSE(p.playing());
  EXPECT_EQ(p.current(), "");
  EXPECT_EQ(p.level_db(), -127);
  EXPECT_EQ(timers.pending(), 0u);
}

TEST(TonePlayerTest, RepeatsUntilStoppedByName) {
  core::ManualTimers timers;
  auto player = TonePlayer::create(timers, {});
  ASSERT_TRUE(player.ok());
  TonePlayer& p = **player;
  ASSERT_TRUE(p.play({"ringback", {{425, 1000}, {0, 4000}}, 0}).ok());
  timers.advance(60s);
  EXPECT_TRUE(p.playing());
  p.stop("busy");  // not the one playing
  EXPECT_TRUE(p.playing());
  p.stop("ringback");
  EXPECT_FALSE(p.playing());
  EXPECT_EQ(timers.pending(), 0u);
  // A new tone cuts the old one.
  ASSERT_TRUE(p.play({"ringback", {{425, 1000}, {0, 4000}}, 0}).ok());
  ASSERT_TRUE(p.play({"unlock", {{1200, 100}}, 1}).ok());
  EXPECT_EQ(p.current(), "unlock");
  EXPECT_EQ(timers.pending(), 1u);
  timers.advance(100ms);
  EXPECT_FALSE(p.playing());
}

TEST(TonePlayerTest, RefusesBadPatternsAndDevices) {
  core::ManualTimers timers;
  TonePlayer::Config config;
  config.speaker_device = "hw:0 ! filesink location=/etc/passwd";
  EXPECT_FALSE(TonePlayer::create(timers, config).ok());
  auto player = TonePlayer::create(timers, {});
  ASSERT_TRUE(player.ok());
  EXPECT_FALSE((*player)->play({"x", {}, 1}).ok());
  EXPECT_FALSE((*player)->play({"x", {{440, 0}}, 1}).ok());
  EXPECT_FALSE((*player)->play({"x", {{-1, 10}}, 1}).ok());
  EXPECT_FALSE((*player)->playing());
}

}  // namespace
}  // namespace vto::media
