#include "sip/transaction/transaction_layer.h"

#include <gtest/gtest.h>

#include "../../../tests/support/fake_transport.h"

using namespace std::chrono_literals;
using namespace vto::sip;
using vto::core::ManualTimers;
using vto::test::FakeTransport;

namespace {

const Peer kUdpPeer{Transport::Udp, "127.0.0.1", 5070, 0};
const Peer kTcpPeer{Transport::Tcp, "127.0.0.1", 5070, 7};

std::string invite(std::string_view branch = "z9hG4bKabc1", std::string_view transport = "UDP") {
  std::string s = "INVITE sip:101@127.0.0.1 SIP/2.0\r\n";
  s += "Via: SIP/2.0/" + std::string(transport) + " 127.0.0.1:5070;branch=" + std::string(branch) +
       "\r\n";
  s += "Max-Forwards: 70\r\n"
       "From: <sip:8001@127.0.0.1>;tag=f1\r\n"
       "To: <sip:101@127.0.0.1>\r\n"
       "Call-ID: call-1@127.0.0.1\r\n"
       "CSeq: 1 INVITE\r\n"
       "Contact: <sip:8001@127.0.0.1:5070>\r\n"
       "Content-Length: 0\r\n\r\n";
  return s;
}

std::string with_method(std::string msg, std::string_view method) {
  msg.replace(0, msg.find(' '), method);
  auto pos = msg.find("CSeq: 1 INVITE");
  msg.replace(pos, 14, "CSeq: 1 " + std::string(method));
  return msg;
}

struct RecordingUser : TransactionUser {
  std::vector<TxId> requests;
  std::vector<std::string> methods;
  int stray_acks = 0;
  int stray_responses = 0;
  int timeouts = 0;
  void on_request(TxId tx, Message&& request, const Peer&) override {
    requests.push_back(tx);
    methods.emplace_back(request.method());
  }
  void on_stray_ack(Message&&, const Peer&) override { ++stray_acks; }
  void on_stray_response(Message&&, const Peer&) override { ++stray_responses; }
  void on_server_timeout(TxId) override { ++timeouts; }
};

class TransactionTest : public ::testing::Test {
 protected:
  TransactionTest() : layer(timers, transport) {
    transport.set_handler(
        [this](Message&& m, const Peer& from) { layer.receive(std::move(m), from); });
    layer.set_user(&user);
  }
  ManualTimers timers;
  FakeTransport transport;
  TransactionLayer layer;
  RecordingUser user;
};

Message parse(std::string text) {
  return Message::parse(std::move(text)).value();
}

}  // namespace

TEST_F(TransactionTest, InviteServerSends100TryingAndAbsorbsRetransmissions) {
  transport.inject(invite(), kUdpPeer);
  ASSERT_EQ(user.requests.size(), 1u);
  ASSERT_EQ(transport.first_lines(), std::vector<std::string>{"SIP/2.0 100 Trying"});
  transport.inject(invite(), kUdpPeer);  // retransmission
  EXPECT_EQ(user.requests.size(), 1u);
  EXPECT_EQ(transport.count_starting("SIP/2.0 100"), 2u);  // last response sent again
}

TEST_F(TransactionTest, InviteServerRetransmitsErrorUntilAckThenWaitsTimerI) {
  transport.inject(invite(), kUdpPeer);
  layer.respond(user.requests[0], 486, "Busy Here", "totag");
  EXPECT_EQ(transport.count_starting("SIP/2.0 486"), 1u);
  timers.advance(500ms);  // G = T1
  EXPECT_EQ(transport.count_starting("SIP/2.0 486"), 2u);
  timers.advance(1000ms);  // G = 2*T1
  EXPECT_EQ(transport.count_starting("SIP/2.0 486"), 3u);
  std::string ack = with_method(invite(), "ACK");
  transport.inject(ack, kUdpPeer);
  EXPECT_EQ(user.stray_acks, 0);  // absorbed by the transaction
  timers.advance(10s);
  EXPECT_EQ(transport.count_starting("SIP/2.0 486"), 3u);  // no retransmission after ACK
  EXPECT_EQ(layer.server_count(), 0u);                     // timer I ended it
}

TEST_F(TransactionTest, InviteServerTimerGIsCappedAtT2AndTimerHReportsTimeout) {
  transport.inject(invite(), kUdpPeer);
  layer.respond(user.requests[0], 603, "Decline", "t");
  timers.advance(31s);  // 64*T1 = 32 s not yet reached
  // 0.5+1+2+4+4+4+4+4+4 = 27.5 s -> 9 retransmissions, plus the first send.
  EXPECT_EQ(transport.count_starting("SIP/2.0 603"), 10u);
  EXPECT_EQ(user.timeouts, 0);
  timers.advance(1s);
  EXPECT_EQ(user.timeouts, 1);
  EXPECT_EQ(layer.server_count(), 0u);
}

TEST_F(TransactionTest, InviteServerOverTcpDoesNotRetransmit) {
  transport.inject(invite("z9hG4bKtcp", "TCP"), kTcpPeer);
  layer.respond(user.requests[0], 486, "Busy Here", "t");
  timers.advance(10s);
  EXPECT_EQ(transport.count_starting("SIP/2.0 486"), 1u);
  EXPECT_EQ(transport.sent.back().to.connection, 7u);  // answered on the same connection
}

TEST_F(TransactionTest, Invite2xxGoesAcceptedAndAckReachesUser) {
  transport.inject(invite(), kUdpPeer);
  layer.respond(user.requests[0], 200, "OK", "t");
  transport.inject(invite(), kUdpPeer);  // retransmitted INVITE after 2xx: absorbed
  EXPECT_EQ(user.requests.size(), 1u);
  transport.inject(with_method(invite(), "ACK"), kUdpPeer);
  EXPECT_EQ(user.stray_acks, 1);
  timers.advance(32s);  // timer L
  EXPECT_EQ(layer.server_count(), 0u);
}

TEST_F(TransactionTest, NonInviteServerCompletedThenTimerJ) {
  std::string options = with_method(invite("z9hG4bKopt"), "OPTIONS");
  transport.inject(options, kUdpPeer);
  ASSERT_EQ(user.methods, std::vector<std::string>{"OPTIONS"});
  EXPECT_TRUE(transport.sent.empty());  // no 100 for non-INVITE
  layer.respond(user.requests[0], 200, "OK", "t");
  transport.inject(options, kUdpPeer);
  EXPECT_EQ(transport.count_starting("SIP/2.0 200"), 2u);
  timers.advance(32s);
  EXPECT_EQ(layer.server_count(), 0u);
}

TEST_F(TransactionTest, CancelFindsItsInvite) {
  transport.inject(invite(), kUdpPeer);
  auto cancel = parse(with_method(invite(), "CANCEL"));
  auto found = layer.find_invite(cancel);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, user.requests[0]);
}

TEST_F(TransactionTest, ClientInviteRetransmitsWithTimerAAndTimesOutWithTimerB) {
  std::vector<int> statuses;
  layer.send_request(parse(invite("z9hG4bKcli")), kUdpPeer,
                     [&](const Message& r) { statuses.push_back(r.status()); });
  EXPECT_EQ(transport.count_starting("INVITE"), 1u);
  timers.advance(500ms);
  EXPECT_EQ(transport.count_starting("INVITE"), 2u);
  timers.advance(1000ms);
  EXPECT_EQ(transport.count_starting("INVITE"), 3u);
  timers.advance(30500ms);  // 32 s in all: timer B
  EXPECT_EQ(statuses, std::vector<int>{408});
  EXPECT_EQ(layer.client_count(), 0u);
  // 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s: 7 sends in all.
  EXPECT_EQ(transport.count_starting("INVITE"), 7u);
}

TEST_F(TransactionTest, ClientInviteStopsOnProvisionalAndAcksErrorResponse) {
  std::vector<int> statuses;
  layer.send_request(parse(invite("z9hG4bKcl2")), kUdpPeer,
                     [&](const Message& r) { statuses.push_back(r.status()); });
  auto req = parse(invite("z9hG4bKcl2"));
  transport.inject(make_response(req, 180, "Ringing", "rt").serialize(), kUdpPeer);
  timers.advance(5s);
  EXPECT_EQ(transport.count_starting("INVITE"), 1u);  // timer A stopped
  std::string busy = make_response(req, 486, "Busy Here", "rt").serialize();
  transport.inject(busy, kUdpPeer);
  EXPECT_EQ(statuses, (std::vector<int>{180, 486}));
  ASSERT_EQ(transport.count_starting("ACK"), 1u);
  auto ack = parse(transport.sent.back().bytes);
  EXPECT_EQ(ack.top_via()->branch(), "z9hG4bKcl2");  // same branch as the INVITE
  EXPECT_EQ(ack.to()->tag(), "rt");
  transport.inject(busy, kUdpPeer);  // retransmitted 486: ACK again, not reported again
  EXPECT_EQ(transport.count_starting("ACK"), 2u);
  EXPECT_EQ(statuses.size(), 2u);
  timers.advance(32s);  // timer D
  EXPECT_EQ(layer.client_count(), 0u);
}

TEST_F(TransactionTest, ClientInviteThatRingsLongerThanTimerBIsNotTimedOut) {
  std::vector<int> statuses;
  layer.send_request(parse(invite("z9hG4bKring")), kUdpPeer,
                     [&](const Message& r) { statuses.push_back(r.status()); });
  auto req = parse(invite("z9hG4bKring"));
  transport.inject(make_response(req, 180, "Ringing", "rt").serialize(), kUdpPeer);
  timers.advance(60s);  // a monitor may ring for a minute: no 408 after 64*T1
  EXPECT_EQ(statuses, (std::vector<int>{180}));
  transport.inject(make_response(req, 200, "OK", "rt").serialize(), kUdpPeer);
  EXPECT_EQ(statuses, (std::vector<int>{180, 200}));
}

TEST_F(TransactionTest, ClientNonInviteTimerECappedAtT2) {
  std::vector<int> statuses;
  layer.send_request(parse(with_method(invite("z9hG4bKreg"), "OPTIONS")), kUdpPeer,
                     [&](const Message& r) { statuses.push_back(r.status()); });
  timers.advance(11500ms);  // 0.5, 1.5, 3.5, 7.5, 11.5
  EXPECT_EQ(transport.count_starting("OPTIONS"), 6u);
  timers.advance(20500ms);  // F at 32 s
  EXPECT_EQ(statuses, std::vector<int>{408});
}

TEST_F(TransactionTest, TransportFailureIsReportedAs503) {
  transport.fail_sends = true;
  std::vector<int> statuses;
  layer.send_request(parse(invite("z9hG4bKfail")), kUdpPeer,
                     [&](const Message& r) { statuses.push_back(r.status()); });
  timers.advance(1ms);
  EXPECT_EQ(statuses, std::vector<int>{503});
}

TEST_F(TransactionTest, ResponseWithoutTransactionGoesToUser) {
  auto req = parse(invite("z9hG4bKnone"));
  transport.inject(make_response(req, 200, "OK", "x").serialize(), kUdpPeer);
  EXPECT_EQ(user.stray_responses, 1);
}

TEST(TransactionKeys, CancelBuiltFromInviteKeepsBranchAndReason) {
  auto req = Message::parse(invite("z9hG4bKkeep")).value();
  auto cancel = make_cancel(req, "SIP;cause=200;text=\"Call completed elsewhere\"");
  EXPECT_EQ(cancel.method(), "CANCEL");
  EXPECT_EQ(cancel.top_via()->branch(), "z9hG4bKkeep");
  EXPECT_EQ(cancel.cseq()->method, "CANCEL");
  EXPECT_EQ(server_key(cancel, true), server_key(req));
  EXPECT_EQ(*cancel.header(HeaderId::Reason), "SIP;cause=200;text=\"Call completed elsewhere\"");
}

TEST(TransactionLimitsTest, OnlyUnansweredRequestsFillTheCapAndAnsweredOnesAreLetGoOldestFirst) {
  ManualTimers timers;
  FakeTransport transport;
  TransactionLayer layer(timers, transport, {},
                         {.max_server = 4, .max_server_per_source = 256, .max_settled = 3});
  RecordingUser user;
  transport.set_handler([&](Message&& m, const Peer& from) { layer.receive(std::move(m), from); });
  layer.set_user(&user);
  auto message = [](int n) {
    return with_method(invite("z9hG4bKm" + std::to_string(n)), "MESSAGE");
  };
  // Ten answered requests, as a steady stream of REGISTERs leaves: none is refused.
  for (int n = 0; n < 10; ++n) {
    transport.inject(message(n), kUdpPeer);
    layer.respond(user.requests.back(), 200, "OK");
  }
  EXPECT_EQ(transport.count_starting("SIP/2.0 503"), 0u);
  EXPECT_EQ(transport.count_starting("SIP/2.0 200"), 10u);
  EXPECT_EQ(layer.server_count(), 3u);  // the three newest, kept for retransmissions
  transport.inject(message(9), kUdpPeer);
  EXPECT_EQ(user.requests.size(), 10u);  // absorbed: the 200 is sent again
  EXPECT_EQ(transport.count_starting("SIP/2.0 200"), 11u);
  transport.inject(message(0), kUdpPeer);
  EXPECT_EQ(user.requests.size(), 11u);  // let go early: a new request for the user
  // Unanswered requests fill the cap; past it, a stateless 503.
  for (int n = 20; n < 23; ++n) transport.inject(message(n), kUdpPeer);
  EXPECT_EQ(transport.count_starting("SIP/2.0 503"), 0u);
  transport.inject(message(23), kUdpPeer);
  EXPECT_EQ(transport.count_starting("SIP/2.0 503"), 1u);
  EXPECT_EQ(user.requests.size(), 14u);
}
