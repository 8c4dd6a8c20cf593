#include "sip/ua/user_agent.h"

#include <gtest/gtest.h>

#include <algorithm>
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

// ------------------------------------------------------------------ keepalive and failover

namespace {

const Peer kPlatform{Transport::Tcp, "127.0.0.91", 5080, 0};

class KeepaliveTest : public ::testing::Test {
 protected:
  KeepaliveTest() : tl(timers, transport), ua(tl, config()) {
    transport.set_handler(
        [this](Message&& m, const Peer& from) { tl.receive(std::move(m), from); });
    tl.set_user(&ua);
    ua.set_event_handler([this](const UaEvent& e) { events.push_back(e); });
    transport.set_closed_handler([this](const Peer& to) { ua.connection_closed(to); });
  }

  static UaConfig config() {
    UaConfig c;
    c.user = "8001";
    c.password = "pw";
    c.domain = "estate";
    c.server = kPlatform;
    c.keepalive = 2s;
    c.keepalive_timeout = 2s;
    return c;
  }

  // Answers the last request sent that starts with `method` with `status`.
  void answer_last(std::string_view method, int status) {
    for (auto it = transport.sent.rbegin(); it != transport.sent.rend(); ++it) {
      if (!it->bytes.starts_with(method)) continue;
      auto request = Message::parse(it->bytes);
      ASSERT_TRUE(request);
      const Peer from{kPlatform.transport, it->to.ip, it->to.port, 1};
      transport.inject(make_response(*request, status, "OK", "srv").serialize(), from);
      return;
    }
    FAIL() << "no " << method << " was sent";
  }

  void register_now() {
    ua.start_registration();
    answer_last("REGISTER ", 200);
    ASSERT_TRUE(ua.registered());
  }

  std::size_t sent(std::string_view prefix) const { return transport.count_starting(prefix); }

  bool failed_with(int status) const {
    return std::any_of(events.begin(), events.end(), [&](const UaEvent& e) {
      return e.type == UaEvent::Type::RegistrationFailed && e.status == status;
    });
  }

  ManualTimers timers;
  FakeTransport transport;
  TransactionLayer tl;
  UserAgent ua;
  std::vector<UaEvent> events;
};

}  // namespace

TEST_F(KeepaliveTest, AnAnsweredKeepaliveKeepsTheRegistration) {
  register_now();
  EXPECT_EQ(sent("OPTIONS sip:127.0.0.91:5080 "), 0u);
  timers.advance(2s);
  ASSERT_EQ(sent("OPTIONS sip:127.0.0.91:5080 "), 1u);
  answer_last("OPTIONS ", 200);
  timers.advance(2s);
  EXPECT_EQ(sent("OPTIONS "), 2u);
  answer_last("OPTIONS ", 200);
  EXPECT_TRUE(ua.registered());
  EXPECT_FALSE(failed_with(408));
}

TEST_F(KeepaliveTest, AnUnansweredKeepaliveLosesTheServerWithinItsTimeout) {
  register_now();
  timers.advance(2s);
  ASSERT_EQ(sent("OPTIONS "), 1u);
  timers.advance(1900ms);
  EXPECT_TRUE(ua.registered());
  timers.advance(100ms);
  EXPECT_FALSE(ua.registered());
  EXPECT_TRUE(failed_with(408));
  timers.advance(10s);
  EXPECT_EQ(sent("OPTIONS "), 1u);  // not registered: no keepalive until registered again
}

TEST_F(KeepaliveTest, WithoutAKeepaliveSettingNothingIsSent) {
  UaConfig c = config();
  c.keepalive = vto::core::Duration(0);
  ua.reconfigure(c);
  register_now();
  timers.advance(60s);
  EXPECT_EQ(sent("OPTIONS "), 0u);
}

TEST_F(KeepaliveTest, TheClosedConnectionToTheServerRegistersAgainAtOnce) {
  register_now();
  const auto before = sent("REGISTER ");
  transport.close_connection(Peer{Transport::Tcp, "127.0.0.99", 5080, 0});  // someone else
  EXPECT_EQ(sent("REGISTER "), before);
  transport.fail_sends = true;  // the server's process is gone: nothing can be sent to it
  transport.close_connection(Peer{Transport::Tcp, "127.0.0.91", 5080, 0});
  EXPECT_EQ(sent("REGISTER "), before);  // nothing could be sent...
  timers.advance(1ms);                   // ...which the transaction layer says a moment later
  EXPECT_FALSE(ua.registered());
  EXPECT_TRUE(failed_with(503));
}

TEST_F(KeepaliveTest, AServerThatClosesEveryConnectionIsNotAskedMoreThanOnceASecond) {
  register_now();
  const Peer server{Transport::Tcp, "127.0.0.91", 5080, 0};
  const auto before = sent("REGISTER ");
  transport.close_connection(server);
  ASSERT_EQ(sent("REGISTER "), before + 1);
  answer_last("REGISTER ", 200);
  transport.close_connection(server);  // again at once: the next one waits
  EXPECT_EQ(sent("REGISTER "), before + 1);
  timers.advance(999ms);
  EXPECT_EQ(sent("REGISTER "), before + 1);
  timers.advance(1ms);
  EXPECT_EQ(sent("REGISTER "), before + 2);
}

TEST_F(KeepaliveTest, ACallThatCannotBeSentChecksTheServerAtOnce) {
  register_now();
  timers.advance(1s);
  transport.fail_sends = true;
  ua.call("101");
  timers.advance(10ms);
  EXPECT_FALSE(ua.registered());  // the keepalive went at once and could not be sent either
  EXPECT_TRUE(failed_with(408));
}

TEST_F(KeepaliveTest, AProbeSaysWhetherAServerAnswers) {
  std::vector<bool> answers;
  const Peer other{Transport::Tcp, "127.0.0.92", 5080, 0};
  ua.probe(other, 2s, [&](bool answered) { answers.push_back(answered); });
  ASSERT_EQ(sent("OPTIONS sip:127.0.0.92:5080 "), 1u);
  EXPECT_EQ(transport.sent.back().to.ip, "127.0.0.92");
  answer_last("OPTIONS ", 404);  // any answer: it is there
  ua.probe(other, 2s, [&](bool answered) { answers.push_back(answered); });
  timers.advance(2s);
  transport.fail_sends = true;
  ua.probe(other, 2s, [&](bool answered) { answers.push_back(answered); });
  timers.advance(1ms);
  EXPECT_EQ(answers, (std::vector<bool>{true, false, false}));
}
