#include "media/video_receiver.h"
#include "media/test_support.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "media/video_source.h"

namespace vto::media {
namespace {

using test_support::open_fd_count;
using test_support::wait_until;

using namespace std::chrono_literals;

bool wait_for_frames(const VideoReceiver& receiver, std::uint64_t n,
                     std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (receiver.stats().frames < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  return receiver.stats().frames >= n;
}

class VideoReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    VideoSource::Config config;
    config.on_error = [this](std::string message) {
      errors_.fetch_add(1);
      ADD_FAILURE() << message;
    };
    auto source = VideoSource::start(std::move(config));
    ASSERT_TRUE(source.ok()) << source.error().message;
    source_ = std::move(*source);
  }

  // One call: a receiver on loopback fed by the camera for `frames` frames, then torn down.
  void run_call(std::uint64_t frames, std::chrono::milliseconds timeout) {
    VideoReceiver::Config config;
    config.address = "127.0.0.1";
    config.on_error = [this](std::string message) {
      errors_.fetch_add(1);
      ADD_FAILURE() << message;
    };
    auto receiver = VideoReceiver::open(std::move(config));
    ASSERT_TRUE(receiver.ok()) << receiver.error().message;
    ASSERT_NE((*receiver)->port(), 0);
    auto sink = source_->add_rtp_sink("127.0.0.1", (*receiver)->port(), 96);
    ASSERT_TRUE(sink.ok()) << sink.error().message;
    ASSERT_TRUE((*receiver)->play().ok());
    EXPECT_TRUE(wait_for_frames(**receiver, frames, timeout))
        << (*receiver)->stats().frames << " frames";
    const auto stats = (*receiver)->stats();
    EXPECT_EQ(stats.width, 640);
    EXPECT_EQ(stats.height, 480);
    ASSERT_TRUE(source_->remove_sink(*sink).ok());
  }

  std::atomic<int> errors_{0};
  std::unique_ptr<VideoSource> source_;
};

TEST_F(VideoReceiverTest, DecodesTheDoorStationsStreamAndReleasesEverything) {
  run_call(1, 3s);  // warm-up: plugins loaded, GStreamer's own thread pools and fds created
  // The warm-up call's sockets may still be closing on GStreamer's threads: count once the
  // number has stopped moving.
  std::size_t before = open_fd_count();
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(100ms);
    const std::size_t now = open_fd_count();
    if (now == before) break;
    before = now;
  }
  // 15 fps from the source: 20 frames take ~1.3 s.
  run_call(20, 3s);
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (open_fd_count() > before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_LE(open_fd_count(), before);
  EXPECT_EQ(errors_.load(), 0);
}

TEST_F(VideoReceiverTest, SnapshotIsAJpegOfTheLatestFrame) {
  VideoReceiver::Config config;
  config.address = "127.0.0.1";
  auto receiver = VideoReceiver::open(std::move(config));
  ASSERT_TRUE(receiver.ok()) << receiver.error().message;
  EXPECT_FALSE((*receiver)->snapshot_jpeg().ok());  // nothing decoded yet
  auto sink = source_->add_rtp_sink("127.0.0.1", (*receiver)->port(), 96);
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE((*receiver)->play().ok());
  ASSERT_TRUE(wait_for_frames(**receiver, 1, 3s));
  auto jpeg = (*receiver)->snapshot_jpeg();
  ASSERT_TRUE(jpeg.ok()) << jpeg.error().message;
  ASSERT_GT(jpeg->size(), 100u);
  EXPECT_EQ((*jpeg)[0], 0xFF);  // SOI marker
  EXPECT_EQ((*jpeg)[1], 0xD8);
  ASSERT_TRUE(source_->remove_sink(*sink).ok());
}

TEST_F(VideoReceiverTest, ReadsTheCaptureStampsOfTheTestPattern) {
  VideoReceiver::Config config;
  config.address = "127.0.0.1";
  auto receiver = VideoReceiver::open(std::move(config));
  ASSERT_TRUE(receiver.ok()) << receiver.error().message;
  EXPECT_FALSE((*receiver)->stats().first_frame);
  auto sink = source_->add_rtp_sink("127.0.0.1", (*receiver)->port(), 96);
  ASSERT_TRUE(sink.ok());
  const auto played = std::chrono::steady_clock::now();
  ASSERT_TRUE((*receiver)->play().ok());
  ASSERT_TRUE(wait_for_frames(**receiver, 15, 5s));
  ASSERT_TRUE(source_->remove_sink(*sink).ok());
  const auto stats = (*receiver)->stats();
  ASSERT_TRUE(stats.first_frame);
  EXPECT_GE(*stats.first_frame, played);
  // Every frame carries a stamp, and every stamp survives the encoder.
  EXPECT_EQ(stats.stamped_frames, stats.frames);
  ASSERT_EQ(stats.latency_us.size(), stats.stamped_frames);
  for (const std::int64_t latency : stats.latency_us) {
    EXPECT_GT(latency, 0);
    EXPECT_LT(latency, 1'000'000);
  }
}

TEST(VideoReceiverOpen, RefusesBadConfigurations) {
  EXPECT_FALSE(VideoReceiver::open({"localhost", 96, false, {}}).ok());
  EXPECT_FALSE(VideoReceiver::open({"127.0.0.1 ! filesink location=/tmp/x", 96, false, {}}).ok());
  EXPECT_FALSE(VideoReceiver::open({"127.0.0.1", 8, false, {}}).ok());
}

}  // namespace
}  // namespace vto::media
