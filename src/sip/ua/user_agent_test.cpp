#include "sip/ua/user_agent.h"

#include <gtest/gtest.h>

#include <set>

#include "../../../tests/support/fake_transport.h"

using namespace std::chrono_literals;
using namespace vto::sip;
using vto::core::ManualTimers;
using vto::test::FakeTransport;

namespace {

const Peer kServer{Transport::Udp, "127.0.0.1", 5060, 0};

UaConfig monitor_config() {
  UaConfig c;
  c.user = "101#0";
  c.password = "pw";
  c.domain = "VDP";
  c.server = kServer;
  return c;
}

std::string invite(std::string_view transport = "UDP") {
  std::string s = "INVITE sip:101%230@127.0.0.1:5070 SIP/2.0\r\n";
  s += "Via: SIP/2.0/" + std::string(transport) + " 127.0.0.1:5060;branch=z9hG4bKinv1\r\n";
  s += "Max-Forwards: 70\r\n"
       "From: <sip:8001@127.0.0.1>;tag=door\r\n"
       "To: <sip:101%230@127.0.0.1>\r\n"
       "Call-ID: visitor-1@127.0.0.1\r\n"
       "CSeq: 1 INVITE\r\n"
       "Contact: <sip:8001@127.0.0.1:5060>\r\n"
       "Content-Length: 0\r\n\r\n";
  return s;
}

// The to-tag our 200 gave the dialog.
std::string to_tag_of(const std::string& response) {
  const auto to = response.find("\r\nTo:");
  const auto tag = response.find(";tag=", to);
  const auto end = response.find_first_of(";\r", tag + 5);
  return response.substr(tag + 5, end - tag - 5);
}

std::string in_dialog(std::string_view method, const std::string& to_tag, int cseq,
                      std::string_view transport = "UDP") {
  std::string s = std::string(method) + " sip:101%230@127.0.0.1:5070 SIP/2.0\r\n";
  s += "Via: SIP/2.0/" + std::string(transport) + " 127.0.0.1:5060;branch=z9hG4bK" +
       std::string(method) + std::to_string(cseq) + "\r\n";
  s += "Max-Forwards: 70\r\n"
       "From: <sip:8001@127.0.0.1>;tag=door\r\n"
       "To: <sip:101%230@127.0.0.1>;tag=" +
       to_tag + "\r\nCall-ID: visitor-1@127.0.0.1\r\nCSeq: " + std::to_string(cseq) + " " +
       std::string(method) + "\r\nContent-Length: 0\r\n\r\n";
  return s;
}

class CalleeTest : public ::testing::Test {
 protected:
  CalleeTest() : tl(timers, transport), ua(tl, monitor_config()) {
    transport.set_handler(
        [this](Message&& m, const Peer& from) { tl.receive(std::move(m), from); });
    tl.set_user(&ua);
    ua.set_event_handler([this](const UaEvent& e) { events.push_back(e); });
  }

  // Rings and answers a call from the door; returns the dialog's to-tag.
  std::string answered_call(const Peer& from) {
    transport.inject(invite(transport_name(from.transport)), from);
    EXPECT_FALSE(events.empty());
    call = events.back().call;
    EXPECT_TRUE(ua.answer(call));
    const auto ok = std::find_if(transport.sent.begin(), transport.sent.end(),
                                 [](const auto& s) { return s.bytes.starts_with("SIP/2.0 200"); });
    EXPECT_NE(ok, transport.sent.end());
    return to_tag_of(ok->bytes);
  }

  // BYE requests sent (a retransmission is the same request).
  std::size_t byes() const {
    std::set<std::string> distinct;
    for (const auto& s : transport.sent)
      if (s.bytes.starts_with("BYE ")) distinct.insert(s.bytes);
    return distinct.size();
  }
  std::size_t bye_events() const {
    return std::count_if(events.begin(), events.end(),
                         [](const UaEvent& e) { return e.type == UaEvent::Type::Bye; });
  }

  ManualTimers timers;
  FakeTransport transport;
  TransactionLayer tl;
  UserAgent ua;
  std::vector<UaEvent> events;
  CallHandle call = 0;
};

}  // namespace

// RFC 3261 §15: the callee may not send its BYE before the ACK of its 200. Sent at once,
// the BYE could overtake the 200 and the door would record an answered call as failed.
TEST_F(CalleeTest, HangUpBeforeTheAckSendsTheByeOnlyOnceTheAckComes) {
  const std::string tag = answered_call(kServer);
  ASSERT_TRUE(ua.hangup(call));
  EXPECT_EQ(bye_events(), 1u);  // the application hears of the end at once
  EXPECT_EQ(byes(), 0u);
  timers.advance(2s);
  EXPECT_EQ(byes(), 0u);
  transport.inject(in_dialog("ACK", tag, 1), kServer);
  EXPECT_EQ(byes(), 1u);
  EXPECT_EQ(bye_events(), 1u);
  EXPECT_FALSE(ua.hangup(call));  // already gone: nothing more
  EXPECT_EQ(byes(), 1u);
}

TEST_F(CalleeTest, HangUpAfterTheAckSendsTheByeAtOnce) {
  const std::string tag = answered_call(kServer);
  transport.inject(in_dialog("ACK", tag, 1), kServer);
  ASSERT_TRUE(ua.hangup(call));
  EXPECT_EQ(byes(), 1u);
  EXPECT_EQ(bye_events(), 1u);
}

TEST_F(CalleeTest, WithoutAnAckTheByeGoesWhenThe200StopsBeingRetransmitted) {
  answered_call(kServer);
  ASSERT_TRUE(ua.hangup(call));
  timers.advance(31s);
  EXPECT_EQ(byes(), 0u);
  timers.advance(5s);  // the 200's retransmissions pass 64*T1
  EXPECT_EQ(byes(), 1u);
  EXPECT_EQ(bye_events(), 1u);  // no second end, no error after the hang-up
  EXPECT_EQ(events.back().type, UaEvent::Type::Bye);
}

TEST_F(CalleeTest, OverTcpWithoutAnAckTheByeGoesAfter64T1) {
  const Peer tcp{Transport::Tcp, "127.0.0.1", 5060, 3};
  answered_call(tcp);
  ASSERT_TRUE(ua.hangup(call));
  timers.advance(31s);
  EXPECT_EQ(byes(), 0u);
  timers.advance(2s);
  EXPECT_EQ(byes(), 1u);
}

TEST_F(CalleeTest, TheCallersByeWhileOursWaitsEndsTheCallWithoutASecondEvent) {
  const std::string tag = answered_call(kServer);
  ASSERT_TRUE(ua.hangup(call));
  transport.inject(in_dialog("BYE", tag, 2), kServer);
  EXPECT_EQ(transport.count_starting("SIP/2.0 200 OK"), 2u);  // the 200 of the call and of BYE
  EXPECT_EQ(bye_events(), 1u);
  transport.inject(in_dialog("ACK", tag, 1), kServer);
  timers.advance(40s);
  EXPECT_EQ(byes(), 0u);  // the call is gone: ours is not sent
}

// A call that came over TLS may carry keys; a re-INVITE in it that comes over UDP (anyone
// who saw the dialog's tags in a plain branch can send one) gets no key back.
TEST_F(CalleeTest, KeysAreAllowedOnlyForSdpWhoseOwnHopIsTls) {
  std::vector<bool> allowed;
  ua.set_sdp_provider([&](CallHandle, const std::string& offer, bool keys_allowed) {
    allowed.push_back(keys_allowed);
    return offer.empty() ? std::string() : std::string("v=0\r\n");
  });
  const Peer tls{Transport::Tls, "127.0.0.1", 5061, 7};
  const std::string tag = answered_call(tls);
  transport.inject(in_dialog("ACK", tag, 1, "TLS"), tls);
  std::string reinvite = in_dialog("INVITE", tag, 2);
  const std::string sdp = "v=0\r\nm=audio 4000 RTP/SAVP 0\r\n";
  reinvite.replace(
      reinvite.find("Content-Length: 0"), 17,
      "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(sdp.size()));
  reinvite += sdp;
  transport.inject(reinvite, Peer{Transport::Udp, "127.0.0.1", 5060, 0});
  ASSERT_EQ(allowed.size(), 2u);
  EXPECT_TRUE(allowed[0]);   // the INVITE over TLS
  EXPECT_FALSE(allowed[1]);  // the re-INVITE over UDP
}
