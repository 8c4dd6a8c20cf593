#include "mqtt/outbox.h"

#include <gtest/gtest.h>

namespace vto::mqtt {
namespace {

TEST(Outbox, HandsOverOldestFirstAndForgetsWhatTheBrokerHas) {
  Outbox box(10);
  std::vector<std::int64_t> dropped;
  box.add(1, "a", "1", false, dropped);
  box.add(2, "b", "2", true, dropped);
  OutMessage* m = box.next_unsent();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->topic, "a");
  box.handed(m->id, 7);
  m = box.next_unsent();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->topic, "b");
  EXPECT_TRUE(m->ring);
  box.handed(m->id, 8);
  EXPECT_EQ(box.next_unsent(), nullptr);
  EXPECT_EQ(box.remove_mid(7), 1);
  EXPECT_EQ(box.remove_mid(7), std::nullopt);
  EXPECT_EQ(box.size(), 1u);
}

TEST(Outbox, WhatWasInFlightGoesAgainAfterTheConnectionIsLost) {
  Outbox box(10);
  std::vector<std::int64_t> dropped;
  box.add(1, "a", "1", false, dropped);
  box.add(2, "b", "2", false, dropped);
  box.handed(1, 1);
  box.handed(2, 2);
  box.connection_lost();
  ASSERT_NE(box.next_unsent(), nullptr);
  EXPECT_EQ(box.next_unsent()->id, 1);
  // A late acknowledgement of the old copy changes nothing.
  EXPECT_EQ(box.remove_mid(1), std::nullopt);
  EXPECT_EQ(box.size(), 2u);
}

TEST(Outbox, TheOldestGoWhenFull) {
  Outbox box(3);
  std::vector<std::int64_t> dropped;
  for (int i = 0; i < 5; ++i) box.add(i, "t", std::to_string(i), false, dropped);
  EXPECT_EQ(dropped, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(box.size(), 3u);
  EXPECT_EQ(box.dropped_total(), 2u);
  EXPECT_EQ(box.next_unsent()->payload, "2");
}

TEST(Outbox, SavedMessagesComeFirstAndNewIdsFollowThem) {
  Outbox box(10);
  box.load({OutMessage{41, 5, "x", "old", false}, OutMessage{42, 6, "y", "older?", true}});
  EXPECT_EQ(box.next_id(), 43);
  std::vector<std::int64_t> dropped;
  EXPECT_EQ(box.add(7, "z", "new", false, dropped).id, 43);
  EXPECT_EQ(box.next_unsent()->id, 41);
}

}  // namespace
}  // namespace vto::mqtt
