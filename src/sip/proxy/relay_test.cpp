// The no-relaying rules of the building's SIP server (docs/security.md, "SIP"): a request
// leaves for another host only inside a dialog this server record-routed, between the two
// ends it was made for; strangers are challenged without any state; nothing is reflected.
#include <gtest/gtest.h>

#include "sip/proxy/sip_server_fixture.h"

using namespace std::chrono_literals;
using namespace vto::sip;
using namespace vto::sip::fixture;

namespace {

const Peer kStranger{Transport::Udp, "127.0.0.66", 7000, 0};
constexpr std::string_view kThirdParty = "192.0.2.1";

class RelayTest : public SipServerFixture {
 protected:
  // Requests that carry `from_ip` in their Via (so responses go back there).
  static std::string from(std::string message, const Peer& peer) {
    auto at = message.find("127.0.0.1:7000;branch");
    message.replace(at, 14, peer.ip + ":" + std::to_string(peer.port));
    return message;
  }
  std::size_t sent_to_third_party() const {
    std::size_t n = 0;
    for (const auto& s : transport.sent) n += s.to.ip == kThirdParty ? 1 : 0;
    return n;
  }
  std::string in_dialog(std::string_view method, std::string_view ruri, std::string_view branch,
                        std::string extra) {
    std::string m = request(method, ruri, branch, std::move(extra));
    const std::string to = "To: <" + std::string(ruri) + ">";
    m.replace(m.find(to), to.size(), "To: <sip:101@127.0.0.1>;tag=m");
    return m;
  }
  // A call from the registered caller to room 101 answered by the master monitor; the
  // Route header the caller's in-dialog requests carry.
  std::string answered_call() {
    transport.inject(request("INVITE", "sip:101@127.0.0.1:5060", "z9hG4bKcall"), kCaller);
    device_answers(kMaster, 200, "m");
    auto invites = sent_to(kMaster, "INVITE");
    return "Route: " + std::string(*invites.at(0).header(HeaderId::RecordRoute)) + "\r\n";
  }
};

TEST_F(RelayTest, AForeignRouteNeverChoosesTheDestination) {
  // Even the registered caller: an out-of-dialog INVITE preloaded with someone's Route.
  transport.inject(
      request("INVITE", "sip:101@127.0.0.1:5060", "z9hG4bKr1", "Route: <sip:192.0.2.1;lr>\r\n"),
      kCaller);
  EXPECT_EQ(sent_to_third_party(), 0u);
  EXPECT_EQ(sent_to(kCaller, "SIP/2.0 403").size(), 1u);
  EXPECT_TRUE(sent_to(kMaster, "INVITE").empty());
}

TEST_F(RelayTest, AToTagWithAForeignRequestUriIsNotForwarded) {
  transport.inject(from(in_dialog("INVITE", "sip:x@192.0.2.1", "z9hG4bKr2", ""), kStranger),
                   kStranger);
  EXPECT_EQ(sent_to_third_party(), 0u);
  EXPECT_EQ(sent_to(kStranger, "SIP/2.0 403").size(), 1u);
}

TEST_F(RelayTest, OurOwnRouteWithoutATokenOpensNothing) {
  transport.inject(from(in_dialog("MESSAGE", "sip:x@192.0.2.1", "z9hG4bKr3",
                                  "Route: <sip:127.0.0.1:5060;lr>\r\n"),
                        kStranger),
                   kStranger);
  EXPECT_EQ(sent_to_third_party(), 0u);
  EXPECT_EQ(sent_to(kStranger, "SIP/2.0 403").size(), 1u);
}

TEST_F(RelayTest, AForgedOrBorrowedTokenOpensNothing) {
  const std::string route = answered_call();
  // The real token, to a third party: it names the caller and the monitor only.
  transport.inject(in_dialog("BYE", "sip:x@192.0.2.1", "z9hG4bKr4", route), kCaller);
  // A made-up token.
  transport.inject(in_dialog("BYE", "sip:dev@127.0.0.1:6000", "z9hG4bKr5",
                             "Route: <sip:127.0.0.1:5060;ovt=0123456789abcdef01234567;lr>\r\n"),
                   kCaller);
  // The real token with another Call-ID.
  std::string other = in_dialog("BYE", "sip:dev@127.0.0.1:6000", "z9hG4bKr6", route);
  other.replace(other.find("Call-ID: group-call-1"), 21, "Call-ID: group-call-2");
  transport.inject(other, kCaller);
  EXPECT_EQ(sent_to_third_party(), 0u);
  EXPECT_TRUE(sent_to(kMaster, "BYE").empty());
  EXPECT_EQ(sent_to(kCaller, "SIP/2.0 403").size(), 3u);
}

TEST_F(RelayTest, TheDialogsOwnRequestsStillFlow) {
  const std::string route = answered_call();
  transport.inject(in_dialog("BYE", "sip:dev@127.0.0.1:6000", "z9hG4bKok", route), kCaller);
  EXPECT_EQ(sent_to(kMaster, "BYE").size(), 1u);
}

TEST_F(RelayTest, StrayAcksToAnyoneElseAreDropped) {
  const std::string route = answered_call();
  transport.inject(in_dialog("ACK", "sip:x@192.0.2.1", "z9hG4bKa1", route), kCaller);
  transport.inject(
      from(in_dialog("ACK", "sip:x@192.0.2.1", "z9hG4bKa2", "Route: <sip:192.0.2.1;lr>\r\n"),
           kStranger),
      kStranger);
  transport.inject(from(in_dialog("ACK", "sip:x@192.0.2.1", "z9hG4bKa3", ""), kStranger),
                   kStranger);
  EXPECT_EQ(sent_to_third_party(), 0u);
}

TEST_F(RelayTest, OurRouteAndAForeignRequestUriOutOfDialogIsRefused) {
  transport.inject(
      from(request("OPTIONS", "sip:x@192.0.2.1", "z9hG4bKr7", "Route: <sip:127.0.0.1:5060;lr>\r\n"),
           kStranger),
      kStranger);
  EXPECT_EQ(sent_to_third_party(), 0u);
  EXPECT_EQ(sent_to(kStranger, "SIP/2.0 403").size(), 1u);
}

TEST_F(RelayTest, AStrangersInviteGetsOneStatelessChallengeAndNothingElse) {
  std::string invite = from(request("INVITE", "sip:101@127.0.0.1:5060", "z9hG4bKs1"), kStranger);
  invite.replace(invite.find("From: <sip:8001@"), 16, "From: <sip:9999@");
  transport.inject(invite, kStranger);
  EXPECT_EQ(sent_to(kStranger, "SIP/2.0 407").size(), 1u);
  EXPECT_TRUE(sent_to(kStranger, "SIP/2.0 100").empty());
  EXPECT_EQ(tl.server_count(), 0u);
  timers.advance(40s);  // no Timer G retransmissions
  EXPECT_EQ(sent_to(kStranger, "SIP/2.0 407").size(), 1u);
  // A retransmitted INVITE: one more 407, one per INVITE received.
  transport.inject(invite, kStranger);
  EXPECT_EQ(sent_to(kStranger, "SIP/2.0 407").size(), 2u);
  EXPECT_TRUE(sent_to(kMaster, "INVITE").empty());
}

TEST_F(RelayTest, OnlyTheCallerMayCancelItsInvite) {
  transport.inject(request("INVITE", "sip:101@127.0.0.1:5060", "z9hG4bKc1"), kCaller);
  device_answers(kMaster, 180, "m");
  transport.inject(from(request("CANCEL", "sip:101@127.0.0.1:5060", "z9hG4bKc1"), kStranger),
                   kStranger);
  EXPECT_EQ(sent_to(kStranger, "SIP/2.0 481").size(), 1u);
  EXPECT_TRUE(sent_to(kMaster, "CANCEL").empty());
}

TEST_F(RelayTest, AStrayResponseIsNotReflected) {
  std::string response =
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKforged\r\n"
      "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKvictim\r\n"
      "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: r\r\nCSeq: 1 INVITE\r\n"
      "Content-Length: 0\r\n\r\n";
  transport.inject(response, kStranger);
  EXPECT_EQ(sent_to_third_party(), 0u);
}

TEST_F(RelayTest, UnansweredRequestsFromOneAddressAreCapped) {
  // Calls that ring and ring: each holds a server transaction until someone answers.
  for (int i = 0; i < 300; ++i) {
    std::string invite =
        request("INVITE", "sip:101@127.0.0.1:5060", "z9hG4bKf" + std::to_string(i));
    invite.replace(invite.find("Call-ID: group-call-1"), 21, "Call-ID: flood-" + std::to_string(i));
    transport.inject(invite, kCaller);
  }
  const auto cap = TransactionLimits{}.max_server_per_source;
  EXPECT_EQ(tl.server_count_from(kCaller.ip), cap);
  EXPECT_EQ(sent_to(kMaster, "INVITE").size(), cap);  // the rest were dropped unanswered
}

TEST_F(RelayTest, AnsweredRequestsDoNotCountAgainstTheirSource) {
  // A monitor sending its unlock code in many INFOs: each is answered at once.
  for (int i = 0; i < 400; ++i) {
    transport.inject(
        from(request("OPTIONS", "sip:127.0.0.1:5060", "z9hG4bKo" + std::to_string(i)), kStranger),
        kStranger);
  }
  EXPECT_EQ(tl.server_count_from(kStranger.ip), 0u);
  EXPECT_EQ(sent_to(kStranger, "SIP/2.0 200").size(), 400u);
}

}  // namespace
