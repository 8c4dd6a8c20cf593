#include "app/options.h"

#include <gtest/gtest.h>

#include <fstream>

#include <initializer_list>
#include <vector>

namespace vto::app {
namespace {

Result<Options> parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv{"vtod"};
  argv.insert(argv.end(), args.begin(), args.end());
  return parse_options(static_cast<int>(argv.size()), argv.data());
}

TEST(Options, DefaultsServeTheBuildingOnLoopbackWebPorts) {
  auto o = parse({});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->sip.host, "0.0.0.0");
  EXPECT_EQ(o->sip.port, 5060);
  EXPECT_EQ(o->https.host, "127.0.0.1");
  EXPECT_EQ(o->https.port, 8443);
  ASSERT_TRUE(o->rtsp);
  EXPECT_EQ(o->rtsp->port, 554);
  EXPECT_FALSE(o->platform);
  EXPECT_EQ(o->board, "sim");
  EXPECT_EQ(o->media.microphone.kind, hal::MicrophoneSource::Kind::Tone);
  EXPECT_EQ(o->media.microphone.tone_hz, 440);
  EXPECT_EQ(o->media.camera.kind, hal::CameraSource::Kind::TestPattern);
  EXPECT_EQ(o->video_size, std::make_pair(640, 480));
  EXPECT_EQ(o->buttons, (std::vector<std::string>{"101", "102"}));
}

TEST(Options, AddressesTakeNumericIpAndPort) {
  auto o = parse(
      {"--sip-listen", "127.0.0.1:5070", "--https-listen", "[::1]:9443", "--rtsp-listen", "off"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->sip.port, 5070);
  EXPECT_EQ(o->https.host, "::1");
  EXPECT_FALSE(o->rtsp);
  auto bad = parse({"--sip-listen", "door.local:5060"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, 2);
  EXPECT_NE(bad.error().message.find("--sip-listen"), std::string::npos);
}

TEST(Options, SipOverTlsFollowsTheSipAddressUnlessTurnedOff) {
  auto o = parse({"--sip-listen", "127.0.0.1:5070"});
  ASSERT_TRUE(o) << o.error().message;
  ASSERT_TRUE(o->sip_tls);
  EXPECT_EQ(o->sip_tls->host, "127.0.0.1");
  EXPECT_EQ(o->sip_tls->port, 5061);
  o = parse({"--sip-listen", "127.0.0.1:0"});  // tests: any free port for both
  ASSERT_TRUE(o && o->sip_tls);
  EXPECT_EQ(o->sip_tls->port, 0);
  o = parse({"--sip-listen", "127.0.0.1:5070", "--sip-tls-listen", "127.0.0.1:5071"});
  ASSERT_TRUE(o && o->sip_tls);
  EXPECT_EQ(o->sip_tls->port, 5071);
  o = parse({"--sip-tls-listen", "off"});
  ASSERT_TRUE(o);
  EXPECT_FALSE(o->sip_tls);
  auto elsewhere = parse({"--sip-listen", "127.0.0.1:5060", "--sip-tls-listen", "10.0.0.1:5061"});
  ASSERT_FALSE(elsewhere);
  EXPECT_NE(elsewhere.error().message.find("--sip-tls-listen"), std::string::npos);
}

TEST(Options, MistakesNameTheOption) {
  const std::vector<std::pair<std::vector<const char*>, std::string>> cases = {
      {{"--video-size", "641x480"}, "--video-size"},
      {{"--sub-size", "8x8"}, "--sub-size"},
      {{"--microphone", "tone:30000"}, "--microphone"},
      {{"--microphone", "wav:/no/such/file.wav"}, "cannot read"},
      {{"--microphone", "mic"}, "--microphone"},
      {{"--speaker", "hw:0"}, "--speaker"},
      {{"--vto-number", "123456"}, "--vto-number"},
      {{"--resolv-conf", "/etc/resolv.conf"}, "--network-interface"},
      {{"--network-interface", "eth0;reboot"}, "--network-interface"},
      {{"--platform", "10.0.0.1:5060"}, "--platform-user"},
      {{"--button", "101,102,103,104,105,106"}, "at most 5 call buttons"},
      {{"--ui-dir", "/no/such/dir"}, "--ui-dir"},
  };
  for (const auto& [args, says] : cases) {
    std::vector<const char*> argv{"vtod"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto o = parse_options(static_cast<int>(argv.size()), argv.data());
    ASSERT_FALSE(o) << args[0];
    EXPECT_EQ(o.error().code, 2) << args[0];
    EXPECT_NE(o.error().message.find(says), std::string::npos) << o.error().message;
  }
}

TEST(Options, ThePlatformHasADefaultPortAndAUser) {
  auto o = parse({"--platform", "10.0.0.1", "--platform-user", "8001"});
  ASSERT_TRUE(o) << o.error().message;
  ASSERT_TRUE(o->platform);
  EXPECT_EQ(o->platform->host, "10.0.0.1");
  EXPECT_EQ(o->platform->port, 5080);
}

TEST(Options, OnlyKnownBoardsAndReaders) {
  EXPECT_FALSE(parse({"--board", "raspberry"}));  // neither "sim" nor a board file
  EXPECT_TRUE(parse({"--board", "sim"}));
  const std::string file = ::testing::TempDir() + "/options-board.json";
  std::ofstream(file) << "{}";
  EXPECT_TRUE(parse({"--board", file.c_str()}));  // read, and checked, when vtod starts
  EXPECT_FALSE(parse({"--fingerprint", "usb"}));
#ifdef VTO_WITH_LIBFPRINT
  EXPECT_TRUE(parse({"--fingerprint", "libfprint"}));
#else
  EXPECT_FALSE(parse({"--fingerprint", "libfprint"}));
#endif
}

TEST(Options, SizesAreEvenAndBounded) {
  EXPECT_EQ(parse_size("1280x720"), std::make_pair(1280, 720));
  EXPECT_FALSE(parse_size("x480"));
  EXPECT_FALSE(parse_size("640x"));
  EXPECT_FALSE(parse_size("99999x2"));
  EXPECT_FALSE(parse_size("640x-480"));
  EXPECT_FALSE(parse_size("4098x4096"));
}

}  // namespace
}  // namespace vto::app
