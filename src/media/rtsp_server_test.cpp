#include "media/rtsp_server.h"

#include <gtest/gtest.h>

namespace vto::media {
namespace {

TEST(RtspStreamPathTest, TheDeviceFamilysPathsNameTheMainAndTheSubStream) {
  EXPECT_EQ(rtsp_stream_path("/cam/realmonitor", "channel=1&subtype=0"), "/main");
  EXPECT_EQ(rtsp_stream_path("/cam/realmonitor", "channel=1&subtype=1"), "/sub");
  EXPECT_EQ(rtsp_stream_path("/cam/realmonitor", "subtype=1&channel=1"), "/sub");
  EXPECT_EQ(rtsp_stream_path("/cam/realmonitor", ""), "/main");
  EXPECT_EQ(rtsp_stream_path("/cam/realmonitor", "channel=1"), "/main");
  EXPECT_EQ(rtsp_stream_path("/cam/realmonitor", "channel=1&subtype=0&unicast=true&proto=Onvif"),
            "/main");
}

TEST(RtspStreamPathTest, ControlPartsFollowThePathOrTheQuery) {
  EXPECT_EQ(rtsp_stream_path("/cam/realmonitor", "channel=1&subtype=1/stream=0"), "/sub/stream=0");
  EXPECT_EQ(rtsp_stream_path("/cam/realmonitor/stream=1", "channel=1&subtype=0"), "/main/stream=1");
  EXPECT_EQ(rtsp_stream_path("/main/", ""), "/main");
  EXPECT_EQ(rtsp_stream_path("/sub/stream=1", ""), "/sub/stream=1");
}

TEST(RtspStreamPathTest, AnythingElseIsNoStream) {
  EXPECT_EQ(rtsp_stream_path("/cam/realmonitor", "channel=2&subtype=0"), "");
  EXPECT_EQ(rtsp_stream_path("/cam/realmonitor", "channel=1&subtype=2"), "");
  EXPECT_EQ(rtsp_stream_path("/cam/realmonitorx", ""), "");
  EXPECT_EQ(rtsp_stream_path("/", ""), "");
  EXPECT_EQ(rtsp_stream_path("/mainx", ""), "");
  EXPECT_EQ(rtsp_stream_path("/cam/realmonitor/x", "channel=1/stream=0"), "");
}

}  // namespace
}  // namespace vto::media
