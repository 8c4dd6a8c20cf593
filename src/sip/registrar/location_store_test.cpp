// MemoryLocationStore: replace by contact or +sip.instance, prefix lookups, expiry on the
// injected clock, and the online/offline transitions its observer hears.
#include "sip/registrar/location_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using namespace vto::sip;
using vto::core::ManualTimers;

namespace {

class LocationStoreTest : public ::testing::Test {
 protected:
  LocationStoreTest() {
    store.set_observer([this](std::string_view aor, bool online) {
      events.emplace_back(std::string(aor), online);
    });
  }

  Binding binding(std::string aor, std::string contact, vto::core::Duration lifetime = 60s) {
    Binding b;
    b.aor = std::move(aor);
    b.contact = std::move(contact);
    b.call_id = "c-" + b.contact;
    b.cseq = 1;
    b.expires_at = timers.now() + lifetime;
    b.source = Peer{Transport::Udp, "192.168.1.50", 5060, 0};
    return b;
  }

  static std::vector<std::string> contacts_of(const std::vector<Binding>& list) {
    std::vector<std::string> out;
    for (const auto& b : list) out.push_back(b.contact);
    return out;
  }

  using Event = std::pair<std::string, bool>;
  ManualTimers timers;
  MemoryLocationStore store{timers};
  std::vector<Event> events;
};

}  // namespace

TEST_F(LocationStoreTest, SaveAddsAndTheSameContactReplaces) {
  store.save(binding("101#0", "sip:a@10.0.0.1"));
  store.save(binding("101#0", "sip:b@10.0.0.2"));
  EXPECT_EQ(store.size(), 2U);

  Binding refreshed = binding("101#0", "sip:a@10.0.0.1", 300s);
  refreshed.cseq = 2;
  store.save(std::move(refreshed));
  auto list = store.lookup("101#0");
  ASSERT_EQ(list.size(), 2U);
  EXPECT_EQ(store.size(), 2U);
  EXPECT_EQ(contacts_of(list), (std::vector<std::string>{"sip:a@10.0.0.1", "sip:b@10.0.0.2"}));
  EXPECT_EQ(list[0].cseq, 2U);
  EXPECT_EQ(list[0].expires_at, timers.now() + 300s);
  EXPECT_TRUE(store.lookup("101#1").empty());
}

TEST_F(LocationStoreTest, SameInstanceReplacesAnotherContact) {
  Binding first = binding("101#0", "sip:a@10.0.0.1");
  first.instance = "<urn:uuid:0001>";
  store.save(std::move(first));
  Binding moved = binding("101#0", "sip:a@10.0.0.9");  // the phone got a new address
  moved.instance = "<urn:uuid:0001>";
  store.save(std::move(moved));
  EXPECT_EQ(contacts_of(store.lookup("101#0")), std::vector<std::string>{"sip:a@10.0.0.9"});
}

TEST_F(LocationStoreTest, LookupOrdersByQ) {
  Binding low = binding("101#0", "sip:low@10.0.0.1");
  low.q = 0.1F;
  Binding high = binding("101#0", "sip:high@10.0.0.2");
  high.q = 0.9F;
  store.save(std::move(low));
  store.save(std::move(high));
  store.save(binding("101#0", "sip:plain@10.0.0.3"));
  EXPECT_EQ(
      contacts_of(store.lookup("101#0")),
      (std::vector<std::string>{"sip:plain@10.0.0.3", "sip:high@10.0.0.2", "sip:low@10.0.0.1"}));
}

TEST_F(LocationStoreTest, LookupPrefixFindsOneRoomOnly) {
  store.save(binding("101#0", "sip:m@10.0.0.1"));
  store.save(binding("101#1", "sip:e1@10.0.0.2"));
  store.save(binding("101#10", "sip:e10@10.0.0.3"));
  store.save(binding("1010#0", "sip:other@10.0.0.4"));
  store.save(binding("102#0", "sip:next@10.0.0.5"));
  store.save(binding("100#0", "sip:before@10.0.0.6"));
  store.save(binding("101#2", "sip:short@10.0.0.7", 10s));

  auto room = contacts_of(store.lookup_prefix("101#"));
  std::sort(room.begin(), room.end());
  EXPECT_EQ(room, (std::vector<std::string>{"sip:e10@10.0.0.3", "sip:e1@10.0.0.2", "sip:m@10.0.0.1",
                                            "sip:short@10.0.0.7"}));
  timers.advance(10s);  // expired bindings are left out even before a purge
  EXPECT_EQ(store.lookup_prefix("101#").size(), 3U);
  EXPECT_EQ(store.lookup_prefix("").size(), 6U);
  EXPECT_TRUE(store.lookup_prefix("103#").empty());
}

TEST_F(LocationStoreTest, BindingsExpireAndArePurgedOnTheClock) {
  store.save(binding("101#0", "sip:a@10.0.0.1", 30s));
  store.save(binding("101#0", "sip:b@10.0.0.2", 120s));
  store.save(binding("102#0", "sip:c@10.0.0.3", 30s));
  EXPECT_EQ(store.size(), 3U);

  timers.advance(30s);
  EXPECT_EQ(store.size(), 1U);
  EXPECT_EQ(contacts_of(store.lookup("101#0")), std::vector<std::string>{"sip:b@10.0.0.2"});
  EXPECT_TRUE(store.lookup("102#0").empty());
  timers.advance(5s);  // a purge has run by now
  EXPECT_EQ(events.back(), Event("102#0", false));

  timers.advance(90s);
  EXPECT_EQ(store.size(), 0U);
  EXPECT_EQ(events.back(), Event("101#0", false));
}

TEST_F(LocationStoreTest, PurgeDropsExpiredBindingsAtOnce) {
  store.save(binding("101#0", "sip:a@10.0.0.1", 1s));
  events.clear();
  timers.advance(1s);  // expired, but the periodic purge has not run yet
  store.purge();
  EXPECT_EQ(events, std::vector<Event>{Event("101#0", false)});
  EXPECT_EQ(store.size(), 0U);
}

TEST_F(LocationStoreTest, ObserverHearsOnlyTransitions) {
  store.save(binding("101#0", "sip:a@10.0.0.1"));
  store.save(binding("101#0", "sip:b@10.0.0.2"));  // already online
  store.save(binding("101#0", "sip:a@10.0.0.1"));  // a refresh
  EXPECT_EQ(events, std::vector<Event>{Event("101#0", true)});

  store.remove("101#0", "sip:a@10.0.0.1");  // one left
  EXPECT_EQ(events.size(), 1U);
  store.remove("101#0", "sip:b@10.0.0.2");
  EXPECT_EQ(events.back(), Event("101#0", false));
  EXPECT_EQ(events.size(), 2U);
  store.remove("101#0", "sip:b@10.0.0.2");  // nothing left to remove
  store.remove_all("101#0");
  EXPECT_EQ(events.size(), 2U);

  store.save(binding("101#0", "sip:a@10.0.0.1"));
  store.save(binding("101#0", "sip:b@10.0.0.2"));
  store.remove_all("101#0");
  EXPECT_EQ(events, (std::vector<Event>{Event("101#0", true), Event("101#0", false),
                                        Event("101#0", true), Event("101#0", false)}));
  EXPECT_EQ(store.size(), 0U);
}

TEST_F(LocationStoreTest, ExpiryBetweenPurgesIsStillReportedOnce) {
  // The binding runs out between two purges, then the phone unregisters it.
  store.save(binding("101#0", "sip:a@10.0.0.1", 61s));
  timers.advance(62s);  // purges ran at 60s and will at 65s
  store.remove("101#0", "sip:a@10.0.0.1");
  timers.advance(10s);
  EXPECT_EQ(events, (std::vector<Event>{Event("101#0", true), Event("101#0", false)}));

  // It runs out between two purges, then registers again: the observer never hears
  // "online" twice in a row.
  events.clear();
  store.save(binding("102#0", "sip:c@10.0.0.3", 2s));  // at 72s; purges at 70s and 75s
  timers.advance(2s);
  EXPECT_TRUE(store.lookup("102#0").empty());
  store.save(binding("102#0", "sip:c@10.0.0.3", 60s));
  timers.advance(10s);
  ASSERT_FALSE(events.empty());
  for (std::size_t i = 1; i < events.size(); ++i) {
    EXPECT_NE(events[i].second, events[i - 1].second) << "event " << i;
  }
  EXPECT_EQ(events.back(), Event("102#0", true));
  EXPECT_EQ(store.size(), 1U);
}

TEST_F(LocationStoreTest, DestructionCancelsThePurgeTimer) {
  {
    MemoryLocationStore scoped(timers);
    scoped.save(binding("101#0", "sip:a@10.0.0.1", 1s));
  }
  timers.advance(10s);  // no purge may run on the destroyed store
  SUCCEED();
}
