#include "media/sdp.h"

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace vto::media {
namespace {

std::string read_sample(const std::string& name) {
  std::ifstream in(std::string(VTO_SOURCE_TESTS_DATA) + "/sdp/" + name, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

SessionDescription parse_ok(const std::string& text) {
  auto sdp = SessionDescription::parse(text);
  EXPECT_TRUE(sdp.ok()) << (sdp.ok() ? "" : sdp.error().message);
  return sdp.ok() ? *sdp : SessionDescription{};
}

TEST(Sdp, ParsesABaresipOffer) {
  const SessionDescription sdp = parse_ok(read_sample("baresip.sdp"));
  EXPECT_EQ(sdp.session_id, 1264628089u);
  EXPECT_EQ(sdp.session_version, 2458284478u);
  ASSERT_TRUE(sdp.connection);
  EXPECT_EQ(sdp.connection->address, "192.168.1.10");
  ASSERT_EQ(sdp.media.size(), 2u);
  const MediaDescription& audio = sdp.media[0];
  EXPECT_EQ(audio.media, "audio");
  EXPECT_EQ(audio.port, 10000);
  ASSERT_EQ(audio.codecs.size(), 4u);
  EXPECT_EQ(audio.codecs[0], (Codec{116, "opus", 48000, 2, "stereo=1;sprop-stereo=1"}));
  EXPECT_EQ(audio.codecs[1], (Codec{0, "PCMU", 8000, 0, ""}));
  EXPECT_EQ(audio.codecs[3], (Codec{101, "telephone-event", 8000, 0, "0-15"}));
  EXPECT_EQ(audio.attributes, std::vector<std::string>{"ptime:20"});
  EXPECT_EQ(sdp.media[1].find_codec(97)->fmtp, "packetization-mode=1;profile-level-id=42e01f");
  EXPECT_EQ(sdp.media[1].direction, Direction::SendRecv);
}

TEST(Sdp, ParsesALinphoneOffer) {
  const SessionDescription sdp = parse_ok(read_sample("linphone.sdp"));
  EXPECT_EQ(sdp.origin_user, "alice");
  EXPECT_EQ(sdp.session_name, "Talk");
  ASSERT_EQ(sdp.media.size(), 2u);
  EXPECT_EQ(sdp.media[0].codecs.size(), 9u);
  EXPECT_EQ(sdp.media[0].find_codec(18)->name, "G729");  // static type, fmtp without rtpmap
  EXPECT_EQ(sdp.media[0].find_codec(18)->fmtp, "annexb=yes");
  EXPECT_EQ(sdp.media[1].direction, Direction::RecvOnly);
  EXPECT_EQ(sdp.media[0].direction, Direction::SendRecv);
}

TEST(Sdp, SessionDirectionAppliesToMediaWithoutTheirOwn) {
  const SessionDescription sdp = parse_ok(read_sample("declined.sdp"));
  ASSERT_EQ(sdp.media.size(), 4u);
  EXPECT_FALSE(sdp.connection);
  EXPECT_EQ(sdp.media[0].direction, Direction::SendOnly);
  EXPECT_EQ(sdp.connection_for(0)->address_type, "IP6");
  EXPECT_EQ(sdp.media[1].formats, std::vector<std::string>{"*"});
  EXPECT_TRUE(sdp.media[1].codecs.empty());
  EXPECT_TRUE(sdp.media[2].declined());
  EXPECT_EQ(sdp.connection_for(2), nullptr);
}

TEST(Sdp, AcceptsBareLineFeeds) {
  const SessionDescription sdp = parse_ok(read_sample("minimal_lf.sdp"));
  ASSERT_EQ(sdp.media.size(), 1u);
  EXPECT_EQ(sdp.media[0].direction, Direction::Inactive);
}

TEST(Sdp, SerializeParsesBackToTheSameSession) {
  for (const char* name : {"baresip.sdp", "linphone.sdp", "declined.sdp", "minimal_lf.sdp"}) {
    const SessionDescription sdp = parse_ok(read_sample(name));
    const std::string text = sdp.serialize();
    const SessionDescription again = parse_ok(text);
    EXPECT_EQ(again.serialize(), text) << name;
    EXPECT_EQ(again.media.size(), sdp.media.size()) << name;
  }
}

TEST(Sdp, SerializesInRfc4566Order) {
  SessionDescription sdp;
  sdp.session_id = 7;
  sdp.session_version = 8;
  sdp.origin = Connection{"IP4", "192.0.2.1"};
  sdp.connection = sdp.origin;
  MediaDescription audio;
  audio.media = "audio";
  audio.port = 4000;
  audio.formats = {"0"};
  audio.codecs = {Codec{0, "PCMU", 8000, 0, ""}};
  audio.direction = Direction::SendOnly;
  sdp.media.push_back(audio);
  EXPECT_EQ(sdp.serialize(),
            "v=0\r\no=- 7 8 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
            "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendonly\r\n");
}

TEST(Sdp, RefusesMalformedInput) {
  const std::string head = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n";
  const char* bad[] = {
      "",
      "o=- 1 1 IN IP4 10.0.0.1\r\n",  // no v=
      "v=1\r\no=- 1 1 IN IP4 10.0.0.1\r\n",
      "v=0\r\ns=-\r\n",                                        // no o=
      "v=0\r\no=- x 1 IN IP4 10.0.0.1\r\n",                    // id not a number
      "v=0\r\no=- 99999999999999999999 1 IN IP4 1.2.3.4\r\n",  // id overflows
      "v=0\r\no=- 1 1 IN IP4\r\n",
      "v=0\r\no=- 1 1 IN IPX 1.2.3.4\r\n",
  };
  for (const char* text : bad) EXPECT_FALSE(SessionDescription::parse(text).ok()) << text;
  const char* bad_media[] = {
      "m=audio\r\n",
      "m=audio 4000 RTP/AVP\r\n",
      "m=audio 70000 RTP/AVP 0\r\n",
      "m=audio -1 RTP/AVP 0\r\n",
      "m=audio 4000 RTP/AVP 128\r\n",
      "m=audio 4000 RTP/AVP PCMU\r\n",
      "m=audio 4000/0 RTP/AVP 0\r\n",
      "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus\r\n",
      "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 /8000\r\n",
      "m=audio 4000 RTP/AVP 96\r\na=rtpmap:x opus/48000\r\n",
      "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus/48000/x\r\n",
      "m=audio 4000 RTP/AVP 96\r\na=fmtp: 0-15\r\n",
      "m=audio 4000 RTP/AVP 0\r\nc=IN IP4\r\n",
      "m=audio 4000 RTP/AVP 0\r\nno equals sign\r\n",
      "m=audio 4000 RTP/AVP 0\r\na=ptime:\x01"
      "20\r\n",
  };
  for (const char* media : bad_media) {
    EXPECT_FALSE(SessionDescription::parse(head + media).ok()) << media;
  }
  // An m-line that is not declined needs an address from somewhere.
  EXPECT_FALSE(SessionDescription::parse("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\n"
                                         "m=audio 4000 RTP/AVP 0\r\n")
                   .ok());
}

TEST(Sdp, RefusesOversizedInput) {
  std::string text = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\nc=IN IP4 10.0.0.1\r\n";
  for (std::size_t i = 0; i <= kMaxSdpMedia; ++i) text += "m=audio 4000 RTP/AVP 0\r\n";
  EXPECT_FALSE(SessionDescription::parse(text).ok());
  std::string formats = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\nc=IN IP4 10.0.0.1\r\nm=audio 1 RTP/AVP";
  for (std::size_t i = 0; i <= kMaxSdpFormats; ++i) formats += " 0";
  EXPECT_FALSE(SessionDescription::parse(formats).ok());
  EXPECT_FALSE(SessionDescription::parse(std::string(kMaxSdpSize + 1, 'a')).ok());
}

TEST(Sdp, NumericAddressTypes) {
  EXPECT_EQ(numeric_address_type("192.0.2.1"), "IP4");
  EXPECT_EQ(numeric_address_type("2001:db8::1"), "IP6");
  EXPECT_FALSE(numeric_address_type("example.com"));
  EXPECT_FALSE(numeric_address_type("1.2.3.4 "));
  EXPECT_FALSE(numeric_address_type(""));
}

}  // namespace
}  // namespace vto::media
