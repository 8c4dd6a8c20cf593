#include "media/sdp_negotiate.h"

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace vto::media {
namespace {

const LocalEndpoint kLocal{"192.0.2.50", 20000, 20002, 42, 1, {}};

SessionDescription sample(const std::string& name) {
  std::ifstream in(std::string(VTO_SOURCE_TESTS_DATA) + "/sdp/" + name, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  auto sdp = SessionDescription::parse(text.str());
  EXPECT_TRUE(sdp.ok()) << name;
  return sdp.ok() ? *sdp : SessionDescription{};
}

SessionDescription offer_with(const std::string& media_lines) {
  auto sdp = SessionDescription::parse(
      "v=0\r\no=- 1 1 IN IP4 198.51.100.9\r\ns=-\r\n"
      "c=IN IP4 198.51.100.9\r\nt=0 0\r\n" +
      media_lines);
  EXPECT_TRUE(sdp.ok()) << media_lines;
  return sdp.ok() ? *sdp : SessionDescription{};
}

Answer negotiate_ok(const SessionDescription& offer,
                    const Capabilities& caps = Capabilities::door_station()) {
  auto answer = negotiate(offer, caps, kLocal);
  EXPECT_TRUE(answer.ok()) << (answer.ok() ? "" : answer.error().message);
  return answer.ok() ? *answer : Answer{};
}

TEST(Negotiate, BaresipGetsOpusWithDtmfAndH264Mode1) {
  const Answer answer = negotiate_ok(sample("baresip.sdp"));
  ASSERT_TRUE(answer.audio);
  EXPECT_EQ(answer.audio->codec.payload_type, 116);  // the offer's first codec we support
  EXPECT_EQ(answer.audio->codec.name, "opus");
  ASSERT_TRUE(answer.audio->telephone_event);
  EXPECT_EQ(answer.audio->telephone_event->payload_type, 101);
  EXPECT_EQ(answer.audio->remote.address, "192.168.1.10");
  EXPECT_EQ(answer.audio->remote_port, 10000);
  ASSERT_TRUE(answer.video);
  EXPECT_EQ(answer.video->codec.payload_type, 97);          // 96 is packetization-mode 0
  EXPECT_EQ(answer.video->direction, Direction::SendOnly);  // we do not display video
  EXPECT_EQ(answer.video->remote_port, 10002);

  const SessionDescription& sdp = answer.sdp;
  ASSERT_EQ(sdp.media.size(), 2u);
  EXPECT_EQ(sdp.media[0].formats, (std::vector<std::string>{"116", "101"}));
  EXPECT_EQ(sdp.media[0].port, 20000);
  EXPECT_EQ(sdp.media[1].formats, std::vector<std::string>{"97"});
  EXPECT_EQ(sdp.media[1].codecs[0].fmtp, "packetization-mode=1;profile-level-id=42e01f");
  EXPECT_EQ(sdp.connection->address, "192.0.2.50");
  EXPECT_EQ(sdp.session_id, 42u);
  // What we send parses back to the same thing.
  auto reparsed = SessionDescription::parse(sdp.serialize());
  ASSERT_TRUE(reparsed.ok());
  EXPECT_EQ(*reparsed, sdp);
}

TEST(Negotiate, LinphoneGetsDtmfAtTheAudioClockRateAndRecvonlyBecomesSendonly) {
  const Answer answer = negotiate_ok(sample("linphone.sdp"));
  ASSERT_TRUE(answer.audio);
  EXPECT_EQ(answer.audio->codec.name, "opus");
  ASSERT_TRUE(answer.audio->telephone_event);
  EXPECT_EQ(answer.audio->telephone_event->clock_rate, 48000u);
  ASSERT_TRUE(answer.video);
  EXPECT_EQ(answer.video->codec.payload_type, 97);
  EXPECT_EQ(answer.video->direction, Direction::SendOnly);
  EXPECT_EQ(answer.sdp.media[1].direction, Direction::SendOnly);
}

TEST(Negotiate, FollowsTheOffersCodecOrder) {
  const Answer answer =
      negotiate_ok(offer_with("m=audio 4000 RTP/AVP 18 8 0 101\r\n"
                              "a=rtpmap:101 telephone-event/8000\r\n"));
  ASSERT_TRUE(answer.audio);
  EXPECT_EQ(answer.audio->codec, (Codec{8, "PCMA", 8000, 0, ""}));
  EXPECT_EQ(answer.audio->telephone_event->payload_type, 101);
  EXPECT_FALSE(answer.video);
}

TEST(Negotiate, NoTelephoneEventWhenNotOfferedOrNotWanted) {
  const SessionDescription offer = offer_with(
      "m=audio 4000 RTP/AVP 0 101\r\n"
      "a=rtpmap:101 telephone-event/8000\r\n");
  Capabilities caps = Capabilities::door_station();
  caps.telephone_event = false;
  EXPECT_FALSE(negotiate_ok(offer, caps).audio->telephone_event);
  EXPECT_FALSE(negotiate_ok(offer_with("m=audio 4000 RTP/AVP 0\r\n")).audio->telephone_event);
}

TEST(Negotiate, AnswersDirectionsAsRfc3264Says) {
  struct Case {
    Direction offered, local, expected;
  };
  const Case cases[] = {
      {Direction::SendRecv, Direction::SendRecv, Direction::SendRecv},
      {Direction::SendOnly, Direction::SendRecv, Direction::RecvOnly},
      {Direction::RecvOnly, Direction::SendRecv, Direction::SendOnly},
      {Direction::Inactive, Direction::SendRecv, Direction::Inactive},
      {Direction::SendRecv, Direction::SendOnly, Direction::SendOnly},
      {Direction::SendOnly, Direction::SendOnly, Direction::Inactive},
      {Direction::RecvOnly, Direction::RecvOnly, Direction::Inactive},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(answer_direction(c.offered, c.local), c.expected)
        << to_string(c.offered) << " " << to_string(c.local);
    const Answer answer = negotiate_ok(
        offer_with("m=audio 4000 RTP/AVP 0\r\na=" + std::string(to_string(c.offered)) + "\r\n"),
        [&] {
          Capabilities caps = Capabilities::door_station();
          caps.audio_direction = c.local;
          return caps;
        }());
    EXPECT_EQ(answer.sdp.media[0].direction, c.expected);
  }
}

TEST(Negotiate, DeclinesWhatItCannotTakeKeepingCountAndOrder) {
  const Answer answer = negotiate_ok(sample("declined.sdp"));
  const auto& media = answer.sdp.media;
  ASSERT_EQ(media.size(), 4u);
  EXPECT_EQ(media[0].port, 20000);                     // audio, PCMA
  EXPECT_EQ(media[0].direction, Direction::RecvOnly);  // session-level sendonly
  EXPECT_EQ(answer.sdp.origin.address_type, "IP4");
  EXPECT_EQ(answer.audio->remote.address, "2001:db8::7");
  EXPECT_EQ(media[1].media, "application");
  EXPECT_TRUE(media[1].declined());
  EXPECT_EQ(media[1].protocol, "UDP/BFCP");
  EXPECT_EQ(media[1].formats, std::vector<std::string>{"*"});
  EXPECT_TRUE(media[2].declined());  // declined in the offer stays declined
  EXPECT_EQ(media[2].media, "video");
  EXPECT_TRUE(media[3].declined());  // SRTP: not yet, and a second audio stream anyway
  EXPECT_EQ(media[3].protocol, "RTP/SAVP");
  EXPECT_FALSE(answer.video);
  const std::string text = answer.sdp.serialize();
  EXPECT_NE(text.find("m=application 0 UDP/BFCP *\r\n"), std::string::npos) << text;
}

TEST(Negotiate, DeclinesUnsupportedCodecsAndVideoWithoutMode1) {
  const Answer answer = negotiate_ok(
      offer_with("m=audio 4000 RTP/AVP 0\r\n"
                 "m=video 4002 RTP/AVP 96 97\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:97 H264/90000\r\n"
                 "a=fmtp:97 profile-level-id=42e01f\r\n"  // packetization-mode 0 by default
                 "m=audio 4004 RTP/AVP 3\r\n"));
  EXPECT_TRUE(answer.audio);
  EXPECT_FALSE(answer.video);
  EXPECT_TRUE(answer.sdp.media[1].declined());
  EXPECT_TRUE(answer.sdp.media[2].declined());
}

TEST(Negotiate, RefusesAnOfferWithNothingAcceptable) {
  auto answer = negotiate(offer_with("m=audio 4000 RTP/AVP 3 18\r\nm=video 0 RTP/AVP 96\r\n"),
                          Capabilities::door_station(), kLocal);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code, 488);
  EXPECT_EQ(negotiate(offer_with(""), Capabilities::door_station(), kLocal).error().code, 488);
  LocalEndpoint named = kLocal;
  named.address = "vto.local";
  EXPECT_FALSE(negotiate(sample("baresip.sdp"), Capabilities::door_station(), named).ok());
}

TEST(MakeOffer, OffersOurCodecsAndConstrainedBaselineH264) {
  auto offer = make_offer(Capabilities::door_station(), kLocal);
  ASSERT_TRUE(offer.ok());
  const std::string text = offer->serialize();
  EXPECT_EQ(text,
            "v=0\r\no=openvto 42 1 IN IP4 192.0.2.50\r\ns=OpenVTO\r\nc=IN IP4 192.0.2.50\r\n"
            "t=0 0\r\n"
            "m=audio 20000 RTP/AVP 0 8 111 101 110\r\n"
            "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:111 opus/48000/2\r\n"
            "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
            "a=rtpmap:110 telephone-event/48000\r\na=fmtp:110 0-15\r\na=sendrecv\r\n"
            "m=video 20002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
            "a=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\na=sendonly\r\n");
  // Our own offer, answered by a station like us, keeps audio both ways.
  const Answer answer = negotiate_ok(*offer);
  EXPECT_EQ(answer.audio->codec.name, "PCMU");
  EXPECT_EQ(answer.audio->direction, Direction::SendRecv);
  EXPECT_EQ(answer.video->direction, Direction::Inactive);  // both only send video

  LocalEndpoint ipv6 = kLocal;
  ipv6.address = "2001:db8::50";
  ipv6.video_port = 0;
  auto audio_only = make_offer(Capabilities::door_station(), ipv6);
  ASSERT_TRUE(audio_only.ok());
  EXPECT_EQ(audio_only->media.size(), 1u);
  EXPECT_EQ(audio_only->connection->address_type, "IP6");
  EXPECT_FALSE(
      make_offer(Capabilities::door_station(), LocalEndpoint{"host", 1, 2, 0, 0, {}}).ok());
}

// What vtod offers a monitor: G.711 and DTMF both ways, its camera one way.
const char* const kDoorOffer =
    "m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\na=sendrecv\r\n"
    "m=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\na=sendonly\r\n";

TEST(Negotiate, MonitorTakesTheDoorsAudioBothWaysAndItsVideoOneWay) {
  const Answer answer = negotiate_ok(offer_with(kDoorOffer), Capabilities::monitor());
  ASSERT_TRUE(answer.audio);
  EXPECT_EQ(answer.audio->codec.name, "PCMU");
  EXPECT_EQ(answer.audio->direction, Direction::SendRecv);
  ASSERT_TRUE(answer.audio->telephone_event);
  EXPECT_EQ(answer.audio->telephone_event->payload_type, 101);
  ASSERT_TRUE(answer.video);
  EXPECT_EQ(answer.video->codec.payload_type, 96);
  EXPECT_EQ(answer.video->direction, Direction::RecvOnly);
  EXPECT_EQ(answer.video->remote_port, 4002);
  ASSERT_EQ(answer.sdp.media.size(), 2u);
  EXPECT_EQ(answer.sdp.media[1].port, 20002);
  EXPECT_EQ(answer.sdp.media[1].direction, Direction::RecvOnly);

  // Without a video port the monitor still takes the call, audio only.
  LocalEndpoint no_video = kLocal;
  no_video.video_port = 0;
  auto audio_only = negotiate(offer_with(kDoorOffer), Capabilities::monitor(), no_video);
  ASSERT_TRUE(audio_only.ok());
  EXPECT_FALSE(audio_only->video);
  EXPECT_TRUE(audio_only->sdp.media[1].declined());
}

TEST(Negotiate, MonitorAnswersTheDoorStationsOwnOffer) {
  auto offer = make_offer(Capabilities::door_station(), kLocal);
  ASSERT_TRUE(offer.ok());
  const Answer answer = negotiate_ok(*offer, Capabilities::monitor());
  ASSERT_TRUE(answer.audio);
  EXPECT_EQ(answer.audio->codec.name, "PCMU");  // the monitor has no opus
  ASSERT_TRUE(answer.video);
  EXPECT_EQ(answer.video->direction, Direction::RecvOnly);
}

TEST(MakeOffer, MonitorOffersAudioOnlyWithoutAVideoPort) {
  LocalEndpoint audio_port_only = kLocal;
  audio_port_only.video_port = 0;
  auto offer = make_offer(Capabilities::monitor(), audio_port_only);
  ASSERT_TRUE(offer.ok());
  ASSERT_EQ(offer->media.size(), 1u);
  EXPECT_EQ(offer->media[0].formats, (std::vector<std::string>{"0", "8", "111", "101", "110"}));
  EXPECT_EQ(offer->media[0].direction, Direction::SendRecv);
}

TEST(Negotiate, OpusGetsTheTelephoneEventOfItsOwnClock) {
  auto offer = make_offer(Capabilities::door_station(), kLocal);
  ASSERT_TRUE(offer.ok());
  Capabilities opus_only = Capabilities::monitor();
  opus_only.audio_codecs = {Codec{111, "opus", 48000, 2, ""}};
  const Answer answer = negotiate_ok(*offer, opus_only);
  ASSERT_TRUE(answer.audio && answer.audio->telephone_event);
  EXPECT_EQ(answer.audio->codec.name, "opus");
  EXPECT_EQ(answer.audio->telephone_event->payload_type, 110);
  EXPECT_EQ(answer.audio->telephone_event->clock_rate, 48000u);
}

}  // namespace
}  // namespace vto::media
