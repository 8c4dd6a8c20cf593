// The building's SIP server routing a group call: fork, first 2xx wins, losers get
// CANCEL with a Reason header, best-response selection, CANCEL from the caller,
// in-dialog requests following Record-Route.
#include <gtest/gtest.h>

#include "sip/proxy/sip_server_fixture.h"

using namespace std::chrono_literals;
using namespace vto::sip;
using namespace vto::sip::fixture;

namespace {
using GroupCallTest = SipServerFixture;
}  // namespace

TEST_F(GroupCallTest, RoomCallRingsEveryMonitorAndFirstAnswerCancelsTheOthers) {
  transport.inject(request("INVITE", "sip:101@127.0.0.1:5060", "z9hG4bKinv1"), kCaller);
  auto to_master = sent_to(kMaster, "INVITE");
  auto to_ext = sent_to(kExtension, "INVITE");
  ASSERT_EQ(to_master.size(), 1u);
  ASSERT_EQ(to_ext.size(), 1u);
  EXPECT_EQ(to_master[0].request_uri(), "sip:101%230@127.0.0.1:6000");
  EXPECT_EQ(to_ext[0].request_uri(), "sip:101%231@127.0.0.1:6001");
  EXPECT_EQ(*to_master[0].max_forwards(), 69u);
  EXPECT_EQ(to_master[0].header_values(HeaderId::Via).size(), 2u);
  EXPECT_NE(to_master[0].top_via()->branch(), to_ext[0].top_via()->branch());
  ASSERT_TRUE(to_master[0].header(HeaderId::RecordRoute));
  EXPECT_NE(to_master[0].header(HeaderId::RecordRoute)->find(";lr"), std::string_view::npos);

  device_answers(kMaster, 180, "m");
  device_answers(kExtension, 180, "e");
  EXPECT_EQ(sent_to(kCaller, "SIP/2.0 180").size(), 2u);

  device_answers(kExtension, 200, "e");
  auto ok = sent_to(kCaller, "SIP/2.0 200");
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].header_values(HeaderId::Via).size(), 1u);  // our Via removed
  EXPECT_EQ(ok[0].to()->tag(), "e");

  auto cancels = sent_to(kMaster, "CANCEL");
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(*cancels[0].header(HeaderId::Reason),
            "SIP;cause=200;text=\"Call completed elsewhere\"");
  EXPECT_EQ(cancels[0].top_via()->branch(), to_master[0].top_via()->branch());
  EXPECT_TRUE(sent_to(kExtension, "CANCEL").empty());

  device_answers(kMaster, 487, "m");
  EXPECT_TRUE(sent_to(kCaller, "SIP/2.0 487").empty());  // the caller already has its 200
  EXPECT_EQ(proxy.active(), 0u);
}

TEST_F(GroupCallTest, CallerThatIsNotARegisteredDeviceIsChallengedAndNothingRings) {
  const Peer stranger{Transport::Udp, "127.0.0.1", 7777, 0};
  std::string invite = request("INVITE", "sip:101@127.0.0.1:5060", "z9hG4bKstr1");
  invite.replace(invite.find("127.0.0.1:7000;branch"), 14, "127.0.0.1:7777");
  transport.inject(invite, stranger);
  auto answers = sent_to(stranger, "SIP/2.0 407");
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_TRUE(answers[0].header(HeaderId::ProxyAuthenticate));
  EXPECT_TRUE(sent_to(kMaster, "INVITE").empty());
  EXPECT_TRUE(sent_to(kExtension, "INVITE").empty());
  // Nor can it learn which numbers exist: an unknown number is challenged the same way.
  std::string probe = request("INVITE", "sip:555@127.0.0.1:5060", "z9hG4bKstr2");
  probe.replace(probe.find("127.0.0.1:7000;branch"), 14, "127.0.0.1:7777");
  transport.inject(probe, stranger);
  EXPECT_EQ(sent_to(stranger, "SIP/2.0 407").size(), 2u);
  EXPECT_TRUE(sent_to(stranger, "SIP/2.0 404").empty());
}

TEST_F(GroupCallTest, NobodyRegisteredGives480AndUnknownNumberGives404) {
  transport.inject(request("INVITE", "sip:102@127.0.0.1:5060", "z9hG4bKinv2"), kCaller);
  EXPECT_EQ(sent_to(kCaller, "SIP/2.0 480").size(), 1u);
  transport.inject(request("INVITE", "sip:999@127.0.0.1:5060", "z9hG4bKinv3"), kCaller);
  EXPECT_EQ(sent_to(kCaller, "SIP/2.0 404").size(), 1u);
}

TEST_F(GroupCallTest, DeclineEverywhereStopsForking) {
  transport.inject(request("INVITE", "sip:101@127.0.0.1:5060", "z9hG4bKinv4"), kCaller);
  device_answers(kMaster, 180, "m");
  device_answers(kExtension, 180, "e");
  device_answers(kMaster, 603, "m");
  auto cancels = sent_to(kExtension, "CANCEL");
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_NE(cancels[0].header(HeaderId::Reason)->find("cause=603"), std::string_view::npos);
  device_answers(kExtension, 487, "e");
  auto finals = sent_to(kCaller, "SIP/2.0 6");
  ASSERT_EQ(finals.size(), 1u);
  EXPECT_EQ(finals[0].status(), 603);
}

TEST_F(GroupCallTest, BestResponsePrefersBusyOverTimeoutAnd503Becomes500) {
  transport.inject(request("INVITE", "sip:101@127.0.0.1:5060", "z9hG4bKinv5"), kCaller);
  device_answers(kMaster, 486, "m");
  EXPECT_TRUE(sent_to(kCaller, "SIP/2.0 486").empty());  // wait for every branch
  timers.advance(32s);                                   // the extension never answers: 408
  EXPECT_EQ(sent_to(kCaller, "SIP/2.0 486").size(), 1u);

  transport.inject(request("INVITE", "sip:101@127.0.0.1:5060", "z9hG4bKinv6"), kCaller);
  device_answers(kMaster, 503, "m");
  device_answers(kExtension, 503, "e");
  EXPECT_EQ(sent_to(kCaller, "SIP/2.0 500").size(), 1u);
}

TEST_F(GroupCallTest, CallerCancelsWhileRinging) {
  transport.inject(request("INVITE", "sip:101@127.0.0.1:5060", "z9hG4bKinv7"), kCaller);
  device_answers(kMaster, 180, "m");
  transport.inject(request("CANCEL", "sip:101@127.0.0.1:5060", "z9hG4bKinv7"), kCaller);
  EXPECT_EQ(sent_to(kCaller, "SIP/2.0 200").size(), 1u);  // 200 for the CANCEL
  EXPECT_EQ(sent_to(kMaster, "CANCEL").size(), 1u);
  // The extension has not answered anything yet: its CANCEL waits for a provisional.
  EXPECT_TRUE(sent_to(kExtension, "CANCEL").empty());
  device_answers(kExtension, 180, "e");
  EXPECT_EQ(sent_to(kExtension, "CANCEL").size(), 1u);
  device_answers(kMaster, 487, "m");
  device_answers(kExtension, 487, "e");
  EXPECT_EQ(sent_to(kCaller, "SIP/2.0 487").size(), 1u);
}

TEST_F(GroupCallTest, InDialogByeFollowsRecordRouteToTheAnsweringMonitor) {
  transport.inject(request("INVITE", "sip:101@127.0.0.1:5060", "z9hG4bKinv8"), kCaller);
  device_answers(kMaster, 200, "m");
  // The caller's route set is the Record-Route the monitor got (RFC 3261 §12.1.2).
  auto invites = sent_to(kMaster, "INVITE");
  ASSERT_EQ(invites.size(), 1u);
  std::string route = "Route: " + std::string(*invites[0].header(HeaderId::RecordRoute)) + "\r\n";
  std::string bye = request("BYE", "sip:dev@127.0.0.1:6000", "z9hG4bKbye8", route);
  bye.replace(bye.find("To: <sip:dev@127.0.0.1:6000>"), 28, "To: <sip:101@127.0.0.1>;tag=m");
  transport.inject(bye, kCaller);
  auto forwarded = sent_to(kMaster, "BYE");
  ASSERT_EQ(forwarded.size(), 1u);
  EXPECT_FALSE(forwarded[0].header(HeaderId::Route));  // our own Route entry popped

  std::string ack = request("ACK", "sip:dev@127.0.0.1:6000", "z9hG4bKack8", route);
  ack.replace(ack.find("To: <sip:dev@127.0.0.1:6000>"), 28, "To: <sip:101@127.0.0.1>;tag=m");
  transport.inject(ack, kCaller);
  EXPECT_EQ(sent_to(kMaster, "ACK").size(), 1u);
}

TEST_F(GroupCallTest, MaxForwardsZeroIsRefused) {
  std::string inv = request("INVITE", "sip:101@127.0.0.1:5060", "z9hG4bKmf");
  inv.replace(inv.find("Max-Forwards: 70"), 16, "Max-Forwards: 0");
  transport.inject(inv, kCaller);
  EXPECT_EQ(sent_to(kCaller, "SIP/2.0 483").size(), 1u);
  EXPECT_TRUE(sent_to(kMaster, "INVITE").empty());
}

TEST_F(GroupCallTest, OutOfDialogRequestForAnotherDomainIsNotRelayed) {
  transport.inject(request("INVITE", "sip:101@192.0.2.10", "z9hG4bKrelay"), kCaller);
  EXPECT_EQ(sent_to(kCaller, "SIP/2.0 403").size(), 1u);
  EXPECT_EQ(transport.count_starting("INVITE"), 0u);
}
