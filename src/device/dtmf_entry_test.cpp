#include "device/dtmf_entry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace std::chrono_literals;
using testing::ElementsAre;
using vto::core::ManualTimers;
using vto::device::DtmfEntry;

namespace {

class DtmfEntryTest : public ::testing::Test {
 protected:
  void keys(std::string_view ks) {
    for (char k : ks) entry.key(k);
  }
  ManualTimers timers;
  std::vector<std::string> entries;
  DtmfEntry entry{timers, 2s, [this](const std::string& e) { entries.push_back(e); }};
};

TEST_F(DtmfEntryTest, HashEndsAnEntry) {
  keys("1234#");
  EXPECT_THAT(entries, ElementsAre("1234"));
}

TEST_F(DtmfEntryTest, APauseEndsAnEntry) {
  keys("12");
  timers.advance(1900ms);
  keys("34");
  EXPECT_TRUE(entries.empty());
  timers.advance(2s);
  EXPECT_THAT(entries, ElementsAre("1234"));
}

TEST_F(DtmfEntryTest, AStreamOfDigitsIsOneEntryNotASlidingWindow) {
  // The De Bruijn trick: 0000 through 9999 in one stream holds "1234" somewhere.
  keys("9912345");
  timers.advance(2s);
  EXPECT_THAT(entries, ElementsAre("9912345"));
}

TEST_F(DtmfEntryTest, StarAndStrayKeysAreNotPartOfACodeAndEmptyEntriesAreDropped) {
  keys("#*#1*2#");
  EXPECT_THAT(entries, ElementsAre("12"));
}

TEST_F(DtmfEntryTest, AVeryLongEntryIsCut) {
  keys(std::string(100, '7') + "#");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].size(), DtmfEntry::kMaxLength + 1);
}

TEST_F(DtmfEntryTest, ClearDropsWhatWasGathered) {
  keys("12");
  entry.clear();
  timers.advance(5s);
  EXPECT_TRUE(entries.empty());
}

}  // namespace
