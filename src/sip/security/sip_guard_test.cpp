#include "sip/security/sip_guard.h"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using namespace vto::sip;
using vto::core::ManualTimers;

namespace {

Message register_from(std::string_view name) {
  const std::string user = escape_user(name);
  std::string s =
      "REGISTER sip:127.0.0.1 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bKx\r\n"
      "From: <sip:" +
      user +
      "@VDP>;tag=a\r\n"
      "To: <sip:" +
      user +
      "@VDP>\r\n"
      "Call-ID: c\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";
  return Message::parse(s).value();
}

const Peer kAttacker{Transport::Udp, "127.0.0.9", 5060, 0};
const Peer kMonitor{Transport::Udp, "127.0.0.2", 5060, 0};

class SipGuardTest : public ::testing::Test {
 protected:
  SipGuardTest() : guard(timers, settings()) {
    guard.set_observer([this](const SecurityEvent& e) { events.push_back(e); });
  }
  static SipGuardConfig settings() {
    SipGuardConfig s;
    s.max_failures = 5;
    s.block = 60s;
    return s;
  }
  ManualTimers timers;
  SipGuard guard;
  std::vector<SecurityEvent> events;
};

TEST_F(SipGuardTest, TheFifthWrongAnswerBlocksTheSourceAndOnlyIt) {
  for (int i = 0; i < 4; ++i) guard.failure("101#0", "REGISTER", kAttacker);
  EXPECT_TRUE(guard.admit(register_from("101#0"), kAttacker));
  guard.failure("101#0", "REGISTER", kAttacker);
  EXPECT_FALSE(guard.admit(register_from("101#0"), kAttacker));
  EXPECT_TRUE(guard.admit(register_from("101#0"), kMonitor));
  ASSERT_EQ(events.size(), 6U);
  EXPECT_EQ(events.back().kind, SecurityEvent::Kind::SourceBlocked);
  EXPECT_EQ(events.back().source, "127.0.0.9");
  EXPECT_EQ(guard.dropped(), 1U);
  timers.advance(61s);
  EXPECT_TRUE(guard.admit(register_from("101#0"), kAttacker));
}

TEST_F(SipGuardTest, AReturningSourceIsBlockedTwiceAsLong) {
  for (int i = 0; i < 5; ++i) guard.failure("x", "REGISTER", kAttacker);
  timers.advance(61s);
  for (int i = 0; i < 5; ++i) guard.failure("x", "REGISTER", kAttacker);
  EXPECT_EQ(events.back().block, 120s);
}

TEST_F(SipGuardTest, ResponsesAreNeverDropped) {
  for (int i = 0; i < 5; ++i) guard.failure("x", "REGISTER", kAttacker);
  auto response = make_response(register_from("x"), 200, "OK");
  EXPECT_TRUE(guard.admit(response, kAttacker));
}

TEST_F(SipGuardTest, ThePlatformIsNeverBlocked) {
  guard.set_trusted({"127.0.0.9"});
  for (int i = 0; i < 20; ++i) guard.failure("x", "INVITE", kAttacker);
  EXPECT_TRUE(guard.admit(register_from("x"), kAttacker));
  EXPECT_FALSE(guard.blocked("127.0.0.9"));
}

TEST_F(SipGuardTest, TheRealDeviceAtItsOwnAddressKeepsWorking) {
  guard.set_device_at_source(
      [](const Message& m, const Peer& from) { return from.port == 5070 && m.is_request(); });
  for (int i = 0; i < 5; ++i) guard.failure("101#0", "REGISTER", kAttacker);
  EXPECT_FALSE(guard.admit(register_from("101#0"), kAttacker));
  EXPECT_TRUE(guard.admit(register_from("101#0"), Peer{Transport::Udp, "127.0.0.9", 5070, 0}));
}

TEST_F(SipGuardTest, AUsersWrongAnswersFromEverywhereAreSlowedPastTheThreshold) {
  std::vector<long> delays;
  for (int i = 0; i < 9; ++i) {
    Peer p{Transport::Udp, "10.0.0." + std::to_string(i + 1), 5060, 0};
    delays.push_back(guard.failure("101#0", "REGISTER", p).count());
  }
  EXPECT_EQ(delays, (std::vector<long>{0, 0, 0, 0, 0, 1000, 2000, 4000, 8000}));
  EXPECT_EQ(guard.failure("102#0", "REGISTER", kMonitor).count(), 0);  // another user
  // No source was blocked: each made one failure.
  EXPECT_FALSE(guard.blocked("10.0.0.1"));
}

TEST_F(SipGuardTest, TheDelayIsCapped) {
  vto::core::Duration last{0};
  for (int i = 0; i < 40; ++i) {
    Peer p{Transport::Udp, "10.0.1." + std::to_string(i + 1), 5060, 0};
    last = guard.failure("101#0", "REGISTER", p);
  }
  EXPECT_EQ(last, 32s);
}

TEST_F(SipGuardTest, AnIpv6HostCountsByItsSlash64) {
  EXPECT_EQ(vto::core::source_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(vto::core::source_key("192.0.2.1"), "192.0.2.1");
  for (int i = 0; i < 5; ++i) {
    Peer p{Transport::Udp, "2001:db8:1:2::" + std::to_string(i + 10), 5060, 0};
    guard.failure("x", "REGISTER", p);
  }
  EXPECT_FALSE(guard.admit(register_from("x"), Peer{Transport::Udp, "2001:db8:1:2:ffff::7", 1, 0}));
  EXPECT_TRUE(guard.admit(register_from("x"), Peer{Transport::Udp, "2001:db8:1:3::7", 1, 0}));
}

TEST_F(SipGuardTest, ClearUnblocks) {
  for (int i = 0; i < 5; ++i) guard.failure("x", "REGISTER", kAttacker);
  guard.clear();
  EXPECT_TRUE(guard.admit(register_from("x"), kAttacker));
}

}  // namespace
