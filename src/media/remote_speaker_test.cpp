#include "media/remote_speaker.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>

namespace vto::media {
namespace {

TEST(RemoteSpeaker, DecodesG711) {
  EXPECT_EQ(g711_decode(G711::Alaw, 0xD5), 8);
  EXPECT_EQ(g711_decode(G711::Alaw, 0x55), -8);
  EXPECT_EQ(g711_decode(G711::Alaw, 0xAA), 32256);
  EXPECT_EQ(g711_decode(G711::Alaw, 0x2A), -32256);
  EXPECT_EQ(g711_decode(G711::Ulaw, 0xFF), 0);
  EXPECT_EQ(g711_decode(G711::Ulaw, 0x80), 32124);
  EXPECT_EQ(g711_decode(G711::Ulaw, 0x00), -32124);
}

// A loud A-law 440 Hz tone (what 0xAA / 0x2A alternate to is a square wave at full scale).
std::string loud(std::size_t bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) out += static_cast<char>((i / 9) % 2 ? 0xAA : 0x2A);
  return out;
}

TEST(RemoteSpeaker, OneTalkerAtATimeAndACallWins) {
  auto made = RemoteSpeaker::create({});
  ASSERT_TRUE(made);
  RemoteSpeaker& s = **made;
  EXPECT_EQ(s.holder(), 0u);
  EXPECT_TRUE(s.play(1, G711::Alaw, loud(800)));
  EXPECT_EQ(s.holder(), 1u);
  EXPECT_FALSE(s.play(2, G711::Alaw, loud(800)));  // the first one has it
  EXPECT_TRUE(s.play(1, G711::Alaw, loud(800)));
  s.release(1);
  EXPECT_TRUE(s.play(2, G711::Alaw, loud(800)));  // free once released
  s.set_call_active(true);
  EXPECT_FALSE(s.play(2, G711::Alaw, loud(800)));
  s.set_call_active(false);
  EXPECT_EQ(s.bytes_played(), 2400u);
  EXPECT_EQ(s.bytes_dropped(), 1600u);
  // What was played is heard: the meter rises.
  for (int i = 0; i < 50 && s.peak_db() < -20; ++i) {
    s.play(2, G711::Alaw, loud(400));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GT(s.peak_db(), -20);
}

}  // namespace
}  // namespace vto::media

namespace vto::media {
namespace {

// With a device (ALSA's "null" sink): opened for a talk, closed when it ends or a call comes.
TEST(RemoteSpeaker, PlaysOnADeviceOnlyWhileATalkLasts) {
  RemoteSpeaker::Config c;
  c.speaker_device = "null";
  std::string errors;
  c.on_error = [&errors](std::string e) { errors += e + "\n"; };
  auto made = RemoteSpeaker::create(c);
  ASSERT_TRUE(made);
  RemoteSpeaker& s = **made;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(s.play(7, G711::Ulaw, loud(160)));
  s.release(7);
  EXPECT_TRUE(s.play(8, G711::Alaw, loud(160)));
  s.set_call_active(true);
  EXPECT_FALSE(s.play(8, G711::Alaw, loud(160)));
  EXPECT_EQ(errors, "");
}

}  // namespace
}  // namespace vto::media
