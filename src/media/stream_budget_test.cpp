#include "media/stream_budget.h"

#include <gtest/gtest.h>

#include <vector>

namespace vto::media {
namespace {

using Kind = StreamBudget::Kind;

TEST(StreamBudgetTest, TheSeventhViewerIsRefusedAndTheSixGoOn) {
  StreamBudget budget;
  std::vector<StreamBudget::Ticket> tickets;
  int evicted = 0;
  for (int i = 0; i < 6; ++i) {
    auto t = budget.acquire(i % 2 ? Kind::Rtsp : Kind::Monitor, [&] { ++evicted; });
    ASSERT_TRUE(t);
    tickets.push_back(*t);
  }
  EXPECT_FALSE(budget.acquire(Kind::Rtsp, [&] { ++evicted; }));
  EXPECT_FALSE(budget.acquire(Kind::Browser, [&] { ++evicted; }));
  EXPECT_EQ(budget.in_use(), 6u);
  EXPECT_EQ(evicted, 0);
  budget.release(tickets[2]);
  EXPECT_TRUE(budget.acquire(Kind::Browser, [] {}));
  EXPECT_EQ(budget.in_use(Kind::Browser), 1u);
}

TEST(StreamBudgetTest, AVisitorsCallEndsTheOldestViewerThatIsNotACall) {
  StreamBudget budget;
  const StreamBudget::Ticket first_call = budget.acquire_call();
  std::vector<int> evicted;
  std::vector<StreamBudget::Ticket> viewers;
  for (int i = 0; i < 5; ++i) {
    viewers.push_back(*budget.acquire(Kind::Rtsp, [&evicted, i] { evicted.push_back(i); }));
  }
  budget.acquire_call();
  ASSERT_EQ(evicted, std::vector<int>{0});
  EXPECT_EQ(budget.in_use(), 6u);
  EXPECT_EQ(budget.in_use(Kind::Call), 2u);
  budget.release(viewers[0]);  // the evicted viewer's own release later changes nothing
  EXPECT_EQ(budget.in_use(), 6u);
  budget.acquire_call();
  EXPECT_EQ(evicted, (std::vector<int>{0, 1}));
  budget.release(first_call);
  EXPECT_EQ(budget.in_use(), 5u);
}

TEST(StreamBudgetTest, CallsAreNeverRefused) {
  StreamBudget budget(2);
  budget.acquire_call();
  budget.acquire_call();
  budget.acquire_call();
  EXPECT_EQ(budget.in_use(), 3u);
  EXPECT_FALSE(budget.acquire(Kind::Monitor, [] {}));
}

}  // namespace
}  // namespace vto::media
