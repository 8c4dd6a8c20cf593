// SRTP keys in SDP travel only over TLS: the server refuses keyed requests that came in
// plain, forks keyed requests to TLS targets only, and gives plain targets a keyless copy
// of this device's own offers when SRTP is preferred.
#include "sip/proxy/sip_server_fixture.h"

namespace vto::sip::fixture {
namespace {

const Peer kCallerTls{Transport::Tls, "127.0.0.1", 7100, 71};
const Peer kMasterTls{Transport::Tls, "127.0.0.1", 6100, 61};
const Peer kOwnUa{Transport::Udp, "127.0.0.1", 5060, 0};  // this VTO's own user agent

const std::string kKeyedSdp =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 4000 RTP/SAVP 0\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";

std::string invite_with(const std::string& body, std::string_view branch) {
  std::string s = request("INVITE", "sip:101@127.0.0.1", branch);
  const std::string tail = "Content-Length: 0\r\n\r\n";
  s.replace(s.find(tail), tail.size(),
            "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n\r\n" + body);
  return s;
}

class SrtpKeysTest : public SipServerFixture {
 protected:
  std::vector<Message> answers_to(const Peer& to) { return sent_to(to, "SIP/2.0"); }
};

TEST_F(SrtpKeysTest, KeysThatCameOverUdpAreNotPassedOn) {
  transport.inject(invite_with(kKeyedSdp, "z9hG4bKudpkeys"), kCaller);
  auto answers = answers_to(kCaller);
  ASSERT_FALSE(answers.empty());
  EXPECT_EQ(answers.back().status(), 488);
  EXPECT_TRUE(sent_to(kMaster, "INVITE").empty());
  EXPECT_TRUE(sent_to(kExtension, "INVITE").empty());
}

TEST_F(SrtpKeysTest, KeysOverTlsGoOnlyToMonitorsOnTls) {
  bind("8001", kCallerTls);
  bind("101#0", kMasterTls);  // 101#1 stays on UDP
  transport.inject(invite_with(kKeyedSdp, "z9hG4bKtlskeys"), kCallerTls);
  auto to_master = sent_to(kMasterTls, "INVITE");
  ASSERT_EQ(to_master.size(), 1u);
  EXPECT_NE(to_master[0].body().find("a=crypto:"), std::string_view::npos);
  EXPECT_TRUE(sent_to(kExtension, "INVITE").empty()) << "keys never over UDP";
}

TEST_F(SrtpKeysTest, WithNoTlsMonitorTheCallIsRefused) {
  bind("8001", kCallerTls);
  transport.inject(invite_with(kKeyedSdp, "z9hG4bKnotls"), kCallerTls);
  auto answers = answers_to(kCallerTls);
  ASSERT_FALSE(answers.empty());
  EXPECT_EQ(answers.back().status(), 488);
  EXPECT_TRUE(sent_to(kMaster, "INVITE").empty());
}

TEST_F(SrtpKeysTest, TheDoorsOwnOfferReachesPlainMonitorsWithoutKeysWhenSrtpIsPreferred) {
  bind("101#0", kMasterTls);
  server.set_plain_offer([](const std::string& body) {
    std::string plain = body;
    plain.erase(plain.find("a=crypto:"));
    plain.replace(plain.find("RTP/SAVP"), 8, "RTP/AVP");
    return plain;
  });
  transport.inject(invite_with(kKeyedSdp, "z9hG4bKown1"), kOwnUa);
  auto keyed = sent_to(kMasterTls, "INVITE");
  auto plain = sent_to(kExtension, "INVITE");
  ASSERT_EQ(keyed.size(), 1u);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_NE(keyed[0].body().find("a=crypto:"), std::string_view::npos);
  EXPECT_EQ(plain[0].body().find("a=crypto:"), std::string_view::npos) << plain[0].body();
  EXPECT_NE(plain[0].body().find("RTP/AVP 0"), std::string_view::npos);
  EXPECT_EQ(plain[0].header(HeaderId::ContentLength), std::to_string(plain[0].body().size()));
}

TEST_F(SrtpKeysTest, TheDoorsOwnOfferSkipsPlainMonitorsWhenSrtpIsRequired) {
  bind("101#0", kMasterTls);
  transport.inject(invite_with(kKeyedSdp, "z9hG4bKown2"), kOwnUa);
  EXPECT_EQ(sent_to(kMasterTls, "INVITE").size(), 1u);
  EXPECT_TRUE(sent_to(kExtension, "INVITE").empty());
}

}  // namespace
}  // namespace vto::sip::fixture

namespace vto::sip::fixture {
namespace {

TEST_F(SrtpKeysTest, ASipsCallIsRecordRoutedWithASipsUri) {
  bind("8001", kCallerTls);
  bind("101#0", kMasterTls);
  std::string invite = request("INVITE", "sips:101@127.0.0.1", "z9hG4bKsips");
  transport.inject(invite, kCallerTls);
  auto to_master = sent_to(kMasterTls, "INVITE");
  ASSERT_EQ(to_master.size(), 1u);
  const auto rr = to_master[0].header(HeaderId::RecordRoute);
  ASSERT_TRUE(rr);
  EXPECT_TRUE(rr->starts_with("<sips:127.0.0.1:5060;")) << *rr;  // the fake's TLS address
  EXPECT_EQ(rr->find("transport="), std::string_view::npos) << *rr;
  EXPECT_TRUE(sent_to(kExtension, "INVITE").empty()) << "a sips: call is TLS on every hop";
}

}  // namespace
}  // namespace vto::sip::fixture
