#include "media/audio_session.h"
#include "media/test_support.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace vto::media {
namespace {

using test_support::open_fd_count;
using test_support::wait_until;

using namespace std::chrono_literals;

// Two ends of a call on loopback: `a` plays a tone, `b` is silent.
struct Call {
  std::unique_ptr<AudioSession> a;
  std::unique_ptr<AudioSession> b;
  std::mutex mutex;
  std::string keys_at_b;
  std::atomic<int> errors{0};

  void open(double tone_hz) {
    AudioSession::Config ca;
    ca.address = "127.0.0.1";
    ca.tone_hz = tone_hz;
    ca.on_error = [this](std::string message) {
      errors.fetch_add(1);
      ADD_FAILURE() << "a: " << message;
    };
    AudioSession::Config cb;
    cb.address = "127.0.0.1";
    cb.on_error = [this](std::string message) {
      errors.fetch_add(1);
      ADD_FAILURE() << "b: " << message;
    };
    cb.on_dtmf = [this](char key) {
      std::lock_guard lock(mutex);
      keys_at_b += key;
    };
    auto sa = AudioSession::open(std::move(ca));
    auto sb = AudioSession::open(std::move(cb));
    ASSERT_TRUE(sa.ok()) << sa.error().message;
    ASSERT_TRUE(sb.ok()) << sb.error().message;
    a = std::move(*sa);
    b = std::move(*sb);
  }

  // `srtp_a`: the keys a uses (send: its own, receive: b's), `srtp_b` b's.
  void start(const Codec& codec, std::optional<Codec> events,
             std::optional<SrtpKeys> srtp_a = std::nullopt,
             std::optional<SrtpKeys> srtp_b = std::nullopt) {
    AudioSession::Peer to_b{"127.0.0.1", b->port(), 0, codec, events, true, srtp_a};
    AudioSession::Peer to_a{"127.0.0.1", a->port(), 0, codec, events, true, srtp_b};
    auto started_a = a->start(to_b);
    auto started_b = b->start(to_a);
    ASSERT_TRUE(started_a.ok()) << started_a.error().message;
    ASSERT_TRUE(started_b.ok()) << started_b.error().message;
  }

  std::string keys() {
    std::lock_guard lock(mutex);
    return keys_at_b;
  }
};

class AudioCodecTest : public ::testing::TestWithParam<Codec> {};

TEST_P(AudioCodecTest, ToneIsHeardAtTheOtherEndAndSilenceIsNot) {
  Call call;
  ASSERT_NO_FATAL_FAILURE(call.open(440));
  EXPECT_EQ(call.a->port() % 2, 0) << "RTP on an even port";
  ASSERT_NO_FATAL_FAILURE(call.start(GetParam(), std::nullopt));
  ASSERT_TRUE(wait_until([&] { return call.b->stats().level_db > -20; }, 10000ms))
      << "level at b: " << call.b->stats().level_db;
  ASSERT_TRUE(wait_until([&] { return call.a->stats().packets_received > 20; }, 10000ms));
  const auto a = call.a->stats();
  const auto b = call.b->stats();
  EXPECT_LT(a.peak_level_db, -60) << "a hears b's silence";
  EXPECT_GT(a.packets_sent, 20u);
  EXPECT_GT(b.packets_received, 20u);
  EXPECT_GT(b.samples_decoded, 1000u);
  EXPECT_EQ(call.errors.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Codecs, AudioCodecTest,
                         ::testing::Values(Codec{0, "PCMU", 8000, 0, ""},
                                           Codec{8, "PCMA", 8000, 0, ""},
                                           Codec{111, "opus", 48000, 2, ""}),
                         [](const ::testing::TestParamInfo<Codec>& codec) {
                           return codec.param.name;
                         });

TEST(AudioSessionTest, SrtpCarriesTheToneAndDtmfBothWays) {
  Call call;
  ASSERT_NO_FATAL_FAILURE(call.open(440));
  const MasterKey ka = new_master_key(), kb = new_master_key();
  const Codec events{101, "telephone-event", 8000, 0, "0-15"};
  ASSERT_NO_FATAL_FAILURE(call.start(Codec{0, "PCMU", 8000, 0, ""}, events,
                                     SrtpKeys{SrtpSuite::AesCm128HmacSha1_80, ka, kb},
                                     SrtpKeys{SrtpSuite::AesCm128HmacSha1_80, kb, ka}));
  ASSERT_TRUE(wait_until([&] { return call.b->stats().level_db > -20; }, 10000ms))
      << "level at b: " << call.b->stats().level_db;
  ASSERT_TRUE(wait_until([&] { return call.a->stats().samples_decoded > 1000; }, 10000ms));
  ASSERT_TRUE(call.a->start_dtmf('5').ok());
  std::this_thread::sleep_for(150ms);
  ASSERT_TRUE(call.a->stop_dtmf().ok());
  EXPECT_TRUE(wait_until([&] { return call.keys() == "5"; }, 5000ms)) << call.keys();
  EXPECT_EQ(call.errors.load(), 0);
}

TEST(AudioSessionTest, APeerWithTheWrongSrtpKeyHearsNothing) {
  Call call;
  ASSERT_NO_FATAL_FAILURE(call.open(440));
  const MasterKey ka = new_master_key(), kb = new_master_key(), wrong = new_master_key();
  ASSERT_NO_FATAL_FAILURE(call.start(Codec{0, "PCMU", 8000, 0, ""}, std::nullopt,
                                     SrtpKeys{SrtpSuite::AesCm128HmacSha1_80, ka, kb},
                                     SrtpKeys{SrtpSuite::AesCm128HmacSha1_80, kb, wrong}));
  ASSERT_TRUE(wait_until([&] { return call.b->stats().packets_received > 50; }, 10000ms));
  const auto b = call.b->stats();
  EXPECT_EQ(b.samples_decoded, 0u) << "packets that do not authenticate are never played";
  EXPECT_LE(b.peak_level_db, -100);
}

TEST(AudioSessionTest, Rfc4733EventsReachTheOtherEndOncePerKey) {
  Call call;
  ASSERT_NO_FATAL_FAILURE(call.open(440));
  ASSERT_NO_FATAL_FAILURE(
      call.start(Codec{0, "PCMU", 8000, 0, ""}, Codec{101, "telephone-event", 8000, 0, "0-15"}));
  ASSERT_TRUE(wait_until([&] { return call.b->stats().packets_received > 5; }, 3000ms));
  for (const char key : std::string("12#")) {
    auto started = call.a->start_dtmf(key);
    ASSERT_TRUE(started.ok()) << started.error().message;
    std::this_thread::sleep_for(120ms);
    ASSERT_TRUE(call.a->stop_dtmf().ok());
    std::this_thread::sleep_for(80ms);
  }
  EXPECT_TRUE(wait_until([&] { return call.keys().size() >= 3; }, 2000ms));
  std::this_thread::sleep_for(200ms);  // the end packets are repeated: no second event
  EXPECT_EQ(call.keys(), "12#");
  EXPECT_EQ(call.b->stats().dtmf_received, 3u);
  EXPECT_FALSE(call.a->start_dtmf('x').ok());
}

TEST(AudioSessionTest, DtmfNeedsAnAgreedEventType) {
  Call call;
  ASSERT_NO_FATAL_FAILURE(call.open(0));
  ASSERT_NO_FATAL_FAILURE(call.start(Codec{8, "PCMA", 8000, 0, ""}, std::nullopt));
  EXPECT_FALSE(call.a->start_dtmf('1').ok());
}

TEST(AudioSessionTest, RefusesWhatItCannotDo) {
  AudioSession::Config config;
  config.address = "localhost";
  EXPECT_FALSE(AudioSession::open(config).ok());
  config.address = "127.0.0.1";
  config.speaker_device = "hw:0 ! filesink location=/tmp/x";
  EXPECT_FALSE(AudioSession::open(config).ok());
  config.speaker_device.clear();
  auto session = AudioSession::open(config);
  ASSERT_TRUE(session.ok());
  EXPECT_FALSE((*session)
                   ->start({"127.0.0.1", 4000, 0, Codec{18, "G729", 8000, 0, ""}, std::nullopt,
                            true, std::nullopt})
                   .ok());
  EXPECT_FALSE((*session)
                   ->start({"example.org", 4000, 0, Codec{0, "PCMU", 8000, 0, ""}, std::nullopt,
                            true, std::nullopt})
                   .ok());
  EXPECT_FALSE((*session)->started());
  EXPECT_TRUE(AudioSession::supports(Codec{111, "OPUS", 48000, 2, ""}));
  EXPECT_FALSE(AudioSession::supports(Codec{9, "G722", 8000, 0, ""}));
}

// A 16-bit mono WAV of `seconds` of a 500 Hz sine at 16 kHz (resampled on the way).
void write_tone_wav(const std::string& path, int seconds) {
  const int rate = 16000;
  const std::uint32_t samples = static_cast<std::uint32_t>(rate * seconds);
  std::vector<std::int16_t> pcm(samples);
  for (std::uint32_t i = 0; i < samples; ++i) {
    pcm[i] = static_cast<std::int16_t>(10000 * std::sin(2 * 3.14159265358979 * 500 * i / rate));
  }
  auto u32 = [](std::uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [](std::uint16_t v) { return std::string(reinterpret_cast<const char*>(&v), 2); };
  const std::uint32_t bytes = samples * 2;
  std::string header = "RIFF" + u32(36 + bytes) + "WAVEfmt " + u32(16) + u16(1) + u16(1) +
                       u32(rate) + u32(rate * 2) + u16(2) + u16(16) + "data" + u32(bytes);
  std::ofstream out(path, std::ios::binary);
  out << header;
  out.write(reinterpret_cast<const char*>(pcm.data()), static_cast<std::streamsize>(bytes));
}

TEST(AudioSessionTest, AWavMicrophoneIsHeardThenSilence) {
  const std::string wav =
      (std::filesystem::temp_directory_path() / ("vto-mic-" + std::to_string(::getpid()) + ".wav"))
          .string();
  write_tone_wav(wav, 1);
  AudioSession::Config ca;
  ca.address = "127.0.0.1";
  ca.microphone_wav = wav;
  ca.on_error = [](std::string message) { ADD_FAILURE() << "a: " << message; };
  AudioSession::Config cb;
  cb.address = "127.0.0.1";
  auto a = AudioSession::open(std::move(ca));
  auto b = AudioSession::open(std::move(cb));
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(b.ok()) << b.error().message;
  const Codec pcma{8, "PCMA", 8000, 0, ""};
  auto started =
      (*a)->start({"127.0.0.1", (*b)->port(), 0, pcma, std::nullopt, true, std::nullopt});
  ASSERT_TRUE(started.ok()) << started.error().message;
  ASSERT_TRUE(
      (*b)->start({"127.0.0.1", (*a)->port(), 0, pcma, std::nullopt, true, std::nullopt}).ok());
  EXPECT_TRUE(wait_until([&] { return (*b)->stats().level_db > -20; }, 3000ms))
      << (*b)->stats().level_db;
  // The file lasts one second; the stream goes on, silent.
  EXPECT_TRUE(wait_until([&] { return (*b)->stats().level_db < -60; }, 3000ms))
      << (*b)->stats().level_db;
  const auto before = (*b)->stats().packets_received;
  std::this_thread::sleep_for(300ms);
  EXPECT_GT((*b)->stats().packets_received, before + 5);
  std::filesystem::remove(wav);
}

TEST(AudioSessionTest, TheSpeakerIsRecordedToAWavFileFinishedAtTheEnd) {
  const std::string wav = (std::filesystem::temp_directory_path() /
                           ("vto-speaker-" + std::to_string(::getpid()) + ".wav"))
                              .string();
  std::filesystem::remove(wav);
  AudioSession::Config ca;
  ca.address = "127.0.0.1";
  ca.tone_hz = 440;
  AudioSession::Config cb;
  cb.address = "127.0.0.1";
  cb.speaker_wav = wav;
  cb.on_error = [](std::string message) { ADD_FAILURE() << "b: " << message; };
  auto a = AudioSession::open(std::move(ca));
  auto b = AudioSession::open(std::move(cb));
  ASSERT_TRUE(a.ok() && b.ok());
  const Codec pcmu{0, "PCMU", 8000, 0, ""};
  ASSERT_TRUE(
      (*a)->start({"127.0.0.1", (*b)->port(), 0, pcmu, std::nullopt, true, std::nullopt}).ok());
  ASSERT_TRUE(
      (*b)->start({"127.0.0.1", (*a)->port(), 0, pcmu, std::nullopt, true, std::nullopt}).ok());
  ASSERT_TRUE(wait_until([&] { return (*b)->stats().samples_decoded > 8000; }, 3000ms));
  b->reset();  // the end of the call finishes the file
  std::ifstream in(wav, std::ios::binary);
  ASSERT_TRUE(in) << wav;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 44u + 16000u) << "at least a second of 8 kHz 16-bit audio";
  EXPECT_EQ(bytes.substr(0, 4), "RIFF");
  EXPECT_EQ(bytes.substr(8, 4), "WAVE");
  auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    std::memcpy(&v, bytes.data() + at, 4);
    return v;
  };
  EXPECT_EQ(u32(4), bytes.size() - 8) << "the RIFF size was written at the end";
  const std::size_t data = bytes.find("data");
  ASSERT_NE(data, std::string::npos);
  EXPECT_EQ(u32(data + 4), bytes.size() - data - 8) << "the data size was written at the end";
  double sum = 0;
  const std::size_t samples = (bytes.size() - data - 8) / 2;
  for (std::size_t i = 0; i < samples; ++i) {
    std::int16_t v = 0;
    std::memcpy(&v, bytes.data() + data + 8 + 2 * i, 2);
    sum += static_cast<double>(v) * v;
  }
  EXPECT_GT(10 * std::log10(sum / static_cast<double>(samples) / (32768.0 * 32768.0)), -20)
      << "the tone is in the recording";
  std::filesystem::remove(wav);
}

TEST(AudioSessionTest, TwentyCallsLeaveNoFileDescriptorBehind) {
  {
    Call warm;  // GStreamer's first use opens files of its own (registry, plugins)
    ASSERT_NO_FATAL_FAILURE(warm.open(440));
    ASSERT_NO_FATAL_FAILURE(warm.start(Codec{0, "PCMU", 8000, 0, ""}, std::nullopt));
    std::this_thread::sleep_for(100ms);
  }
  const std::size_t before = open_fd_count();
  for (int i = 0; i < 20; ++i) {
    Call call;
    ASSERT_NO_FATAL_FAILURE(call.open(440));
    ASSERT_NO_FATAL_FAILURE(call.start(Codec{111, "opus", 48000, 2, ""},
                                       Codec{110, "telephone-event", 48000, 0, "0-15"}));
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(open_fd_count(), before);
}

}  // namespace
}  // namespace vto::media
