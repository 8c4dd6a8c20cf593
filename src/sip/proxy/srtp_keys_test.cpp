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
  server.set_plain_copies(true);
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

namespace vto::sip::fixture {
namespace {

class SrtpAnswersTest : public SrtpKeysTest {
 protected:
  // `device` answers the INVITE it got with 200 and `body`.
  void answer_with(const Peer& device, const std::string& body) {
    auto invites = sent_to(device, "INVITE");
    ASSERT_FALSE(invites.empty());
    auto r = make_response(invites.back(), 200, "OK", "callee");
    r.add_header(HeaderId::Contact, "<sip:dev@127.0.0.1:" + std::to_string(device.port) + ">");
    r.set_body(body, "application/sdp");
    transport.inject(r.serialize(), device);
  }
};

TEST_F(SrtpAnswersTest, AnAnswerWithKeysFromATlsMonitorReachesAUdpCallerWithoutThem) {
  bind("101#0", kMasterTls);
  // A late offer: the UDP caller's INVITE has no SDP, so nothing stops it going out.
  transport.inject(request("INVITE", "sip:101@127.0.0.1", "z9hG4bKlate"), kCaller);
  ASSERT_NO_FATAL_FAILURE(answer_with(kMasterTls, kKeyedSdp));
  auto ok = sent_to(kCaller, "SIP/2.0 200");
  ASSERT_FALSE(ok.empty());
  EXPECT_EQ(ok.back().body().find("crypto"), std::string_view::npos) << ok.back().body();
  EXPECT_NE(ok.back().body().find("m=audio 4000 RTP/AVP 0"), std::string_view::npos);
}

TEST_F(SrtpAnswersTest, KeysInAnAnswerFromAUdpMonitorAreNotTakenByTheDoor) {
  bind("101#0", kMasterTls);
  server.set_plain_copies(true);
  transport.inject(invite_with(kKeyedSdp, "z9hG4bKown3"), kOwnUa);
  // The UDP monitor answers its plain copy with keys of its own, sent in clear.
  ASSERT_NO_FATAL_FAILURE(answer_with(kExtension, kKeyedSdp));
  // (The fake transport does not stamp rport: the answer goes to the Via's port, 7000.)
  auto ok = sent_to(kCaller, "SIP/2.0 200");
  ASSERT_FALSE(ok.empty());
  EXPECT_EQ(ok.back().body().find("crypto"), std::string_view::npos) << ok.back().body();
}

TEST_F(SrtpAnswersTest, AnAnswerOverTlsToTheDoorKeepsItsKeys) {
  bind("101#0", kMasterTls);
  transport.inject(invite_with(kKeyedSdp, "z9hG4bKown4"), kOwnUa);
  ASSERT_NO_FATAL_FAILURE(answer_with(kMasterTls, kKeyedSdp));
  // (The fake transport does not stamp rport: the answer goes to the Via's port, 7000.)
  auto ok = sent_to(kCaller, "SIP/2.0 200");
  ASSERT_FALSE(ok.empty());
  EXPECT_NE(ok.back().body().find("a=crypto:1"), std::string_view::npos);
}

TEST_F(SrtpAnswersTest, KeysInAnyCaseOrAnUnreadableBodyCountAsKeys) {
  std::string upper = kKeyedSdp;
  upper.replace(upper.find("a=crypto"), 8, "A=CRYPTO");
  transport.inject(invite_with(upper, "z9hG4bKupper"), kCaller);
  ASSERT_FALSE(answers_to(kCaller).empty());
  EXPECT_EQ(answers_to(kCaller).back().status(), 488);
  std::string zipped = invite_with("\x1f\x8b binary", "z9hG4bKzip");
  zipped.replace(zipped.find("Content-Type:"), 0, "Content-Encoding: gzip\r\n");
  transport.inject(zipped, kCaller);
  EXPECT_EQ(answers_to(kCaller).back().status(), 488);
  EXPECT_TRUE(sent_to(kMaster, "INVITE").empty());
}

TEST(SrtpKeysText, KeysAreTakenOutLineByLine) {
  const std::string plain = SipServer::without_srtp_keys(
      "v=0\r\nm=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n"
      "m=video 4002 RTP/SAVPF 96\r\nA=Crypto:2 AES_CM_128_HMAC_SHA1_32 inline:y\r\n"
      "a=rtpmap:96 H264/90000\r\n");
  EXPECT_EQ(plain,
            "v=0\r\nm=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVPF 96\r\n"
            "a=rtpmap:96 H264/90000\r\n");
}

}  // namespace
}  // namespace vto::sip::fixture
