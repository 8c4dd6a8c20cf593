#include "media/sdp_crypto.h"

#include <gtest/gtest.h>

#include "media/sdp_negotiate.h"

namespace vto::media {
namespace {

// RFC 4568 §6.1's example key (30 bytes).
constexpr std::string_view kRfcKey = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";

TEST(SdpCrypto, ReadsAndWritesTheInlineKey) {
  auto c = parse_crypto(std::string("1 AES_CM_128_HMAC_SHA1_80 inline:") + std::string(kRfcKey));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->tag, 1);
  EXPECT_EQ(c->suite, SrtpSuite::AesCm128HmacSha1_80);
  EXPECT_EQ(c->key[0], 'Y');  // "YS__semctl..." in base64
  EXPECT_EQ(to_attribute(*c), "crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + std::string(kRfcKey));
  auto lifetime =
      parse_crypto("2 AES_CM_128_HMAC_SHA1_32 inline:" + std::string(kRfcKey) + "|2^20");
  ASSERT_TRUE(lifetime.ok());
  EXPECT_EQ(lifetime->suite, SrtpSuite::AesCm128HmacSha1_32);
  EXPECT_EQ(gst_auth(lifetime->suite), "hmac-sha1-32");
}

TEST(SdpCrypto, RefusesWhatItCannotHonour) {
  const std::string key(kRfcKey);
  const std::vector<std::string> refused = {
      "1 AES_256_CM_HMAC_SHA1_80 inline:" + key,                // a suite not spoken
      "1 AES_CM_128_HMAC_SHA1_80 inline:" + key + "|2^20|1:4",  // an MKI
      "1 AES_CM_128_HMAC_SHA1_80 inline:" + key + " UNENCRYPTED_SRTP",
      "1 AES_CM_128_HMAC_SHA1_80 inline:" + key + ";inline:" + key,  // two keys
      "1 AES_CM_128_HMAC_SHA1_80 inline:" + key.substr(0, 36),       // short key
      "1 AES_CM_128_HMAC_SHA1_80 inline:" + key.substr(0, 39) + "!",
      "x AES_CM_128_HMAC_SHA1_80 inline:" + key,
      "1 AES_CM_128_HMAC_SHA1_80 uri:" + key,
      "",
      "1",
  };
  for (const auto& text : refused) EXPECT_FALSE(parse_crypto(text).ok()) << text;
}

TEST(SdpCrypto, KeysAreFreshEachTime) {
  const MasterKey a = new_master_key(), b = new_master_key();
  EXPECT_NE(a, b);
  EXPECT_EQ(to_hex(a).size(), 60u);
}

SessionDescription offer(const std::string& profile, const std::string& crypto) {
  std::string text =
      "v=0\r\no=- 1 1 IN IP4 198.51.100.9\r\ns=-\r\nc=IN IP4 198.51.100.9\r\nt=0 0\r\n"
      "m=audio 4000 " +
      profile + " 0 101\r\na=rtpmap:101 telephone-event/8000\r\n" + crypto + "m=video 4002 " +
      profile + " 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n" + crypto;
  auto sdp = SessionDescription::parse(text);
  EXPECT_TRUE(sdp.ok());
  return *sdp;
}

LocalEndpoint endpoint(SrtpPolicy policy, bool tls) {
  LocalEndpoint local{"192.0.2.50", 20000, 20002, 42, 1, {}};
  local.srtp.policy = policy;
  local.srtp.signalling_encrypted = tls;
  local.srtp.audio_key = new_master_key();
  local.srtp.video_key = new_master_key();
  return local;
}

const std::string kCrypto =
    "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" + std::string(kRfcKey) + "\r\n";

TEST(SrtpNegotiate, SavpOverTlsIsAnsweredWithOurKeysPerStream) {
  const LocalEndpoint local = endpoint(SrtpPolicy::Preferred, true);
  auto answer = negotiate(offer("RTP/SAVP", kCrypto), Capabilities::door_station(), local);
  ASSERT_TRUE(answer.ok());
  ASSERT_TRUE(answer->audio && answer->audio->srtp && answer->video && answer->video->srtp);
  EXPECT_EQ(answer->audio->srtp->send, local.srtp.audio_key);
  EXPECT_EQ(answer->video->srtp->send, local.srtp.video_key);
  EXPECT_EQ(answer->audio->srtp->receive,
            parse_crypto(kCrypto.substr(9, kCrypto.size() - 11))->key);
  const std::string text = answer->sdp.serialize();
  EXPECT_NE(text.find("m=audio 20000 RTP/SAVP 0 101"), std::string::npos) << text;
  // The offer's tag is echoed, with our own key.
  EXPECT_NE(text.find("a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:"), std::string::npos) << text;
  EXPECT_EQ(text.find(kRfcKey), std::string::npos) << "never their key back";
}

TEST(SrtpNegotiate, NoKeysEverOverPlainSignalling) {
  for (auto policy : {SrtpPolicy::Off, SrtpPolicy::Preferred}) {
    // RTP/SAVP cannot be answered without keys: declined, nothing left, 488.
    auto savp = negotiate(offer("RTP/SAVP", kCrypto), Capabilities::door_station(),
                          endpoint(policy, false));
    ASSERT_FALSE(savp.ok());
    EXPECT_EQ(savp.error().code, 488);
    // A best-effort offer (RTP/AVP with keys) gets a plain answer without keys.
    auto avp =
        negotiate(offer("RTP/AVP", kCrypto), Capabilities::door_station(), endpoint(policy, false));
    ASSERT_TRUE(avp.ok());
    EXPECT_FALSE(avp->audio->srtp);
    EXPECT_EQ(avp->sdp.serialize().find("crypto"), std::string::npos);
  }
  auto offered = make_offer(Capabilities::door_station(), endpoint(SrtpPolicy::Preferred, false));
  ASSERT_TRUE(offered.ok());
  EXPECT_EQ(offered->serialize().find("crypto"), std::string::npos);
  EXPECT_EQ(offered->media[0].protocol, "RTP/AVP");
}

TEST(SrtpNegotiate, PreferredTakesBestEffortSrtpAndPlainCalls) {
  const LocalEndpoint local = endpoint(SrtpPolicy::Preferred, true);
  auto best_effort = negotiate(offer("RTP/AVP", kCrypto), Capabilities::door_station(), local);
  ASSERT_TRUE(best_effort.ok());
  ASSERT_TRUE(best_effort->audio->srtp);
  EXPECT_EQ(best_effort->sdp.media[0].protocol, "RTP/AVP");
  auto plain = negotiate(offer("RTP/AVP", ""), Capabilities::door_station(), local);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->audio->srtp);
}

TEST(SrtpNegotiate, RequiredRefusesEveryPlainCall) {
  auto plain = negotiate(offer("RTP/AVP", ""), Capabilities::door_station(),
                         endpoint(SrtpPolicy::Required, true));
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().code, 488);
  auto over_udp = make_offer(Capabilities::door_station(), endpoint(SrtpPolicy::Required, false));
  ASSERT_FALSE(over_udp.ok());
  EXPECT_EQ(over_udp.error().code, 488);
  // An offer with only unusable keys (a suite not spoken) is no better than none.
  auto unusable = negotiate(
      offer("RTP/SAVP", "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" + std::string(kRfcKey) +
                            std::string(kRfcKey).substr(0, 16) + "\r\n"),
      Capabilities::door_station(), endpoint(SrtpPolicy::Required, true));
  EXPECT_FALSE(unusable.ok());
}

TEST(SrtpNegotiate, AnOfferOverTlsIsSavpAndItsAnswerGivesBothKeys) {
  const LocalEndpoint door = endpoint(SrtpPolicy::Required, true);
  auto offered = make_offer(Capabilities::door_station(), door);
  ASSERT_TRUE(offered.ok());
  EXPECT_EQ(offered->media[0].protocol, "RTP/SAVP");
  EXPECT_EQ(offered->media[1].protocol, "RTP/SAVP");
  // A monitor answers; the door reads the answer as the offerer does.
  const LocalEndpoint monitor = endpoint(SrtpPolicy::Preferred, true);
  auto answer = negotiate(*offered, Capabilities::monitor(), monitor);
  ASSERT_TRUE(answer.ok());
  auto agreed = negotiate(answer->sdp, Capabilities::door_station(), door);
  ASSERT_TRUE(agreed.ok());
  EXPECT_EQ(agreed->audio->srtp->send, door.srtp.audio_key);
  EXPECT_EQ(agreed->audio->srtp->receive, monitor.srtp.audio_key);
  EXPECT_EQ(answer->audio->srtp->receive, door.srtp.audio_key);
}

}  // namespace
}  // namespace vto::media
