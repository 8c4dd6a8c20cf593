#include "station/sntp.h"

#include <gtest/gtest.h>

namespace vto::station {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000LL;
constexpr std::int64_t kT = 1'796'000'000LL * kSecond;  // 2026-11-30

std::vector<std::uint8_t> answer(std::uint64_t originate, std::int64_t receive_ns,
                                 std::int64_t transmit_ns, int first = 0x24, int stratum = 2) {
  std::vector<std::uint8_t> out(48, 0);
  out[0] = static_cast<std::uint8_t>(first);  // leap 0, version 4, server
  out[1] = static_cast<std::uint8_t>(stratum);
  const auto put = [&out](std::size_t at, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  };
  put(24, originate);
  put(32, ntp_from_unix_ns(receive_ns));
  put(40, ntp_from_unix_ns(transmit_ns));
  return out;
}

TEST(Sntp, TimestampsGoBothWays) {
  EXPECT_EQ(ntp_from_unix_ns(0) >> 32, 2208988800u);
  for (std::int64_t t :
       std::initializer_list<std::int64_t>{kT, kT + 123456789, 2100000000 * kSecond}) {
    EXPECT_NEAR(static_cast<double>(unix_ns_from_ntp(ntp_from_unix_ns(t))), static_cast<double>(t),
                2.0);
  }
}

TEST(Sntp, ARequestIsVersion4ClientModeWithTheNonce) {
  const auto r = encode_sntp_request(0x0102030405060708ull);
  EXPECT_EQ(r[0], 0x23);
  EXPECT_EQ(r[40], 0x01);
  EXPECT_EQ(r[47], 0x08);
}

TEST(Sntp, OffsetAndDelayOfAServerAnHourAhead) {
  // Sent at T, the server got it 10 ms later on its clock + 1 h, answered 1 ms after, and the
  // answer arrived 21 ms after sending.
  const std::int64_t hour = 3600 * kSecond, ms = 1'000'000;
  const auto bytes = answer(42, kT + hour + 10 * ms, kT + hour + 11 * ms);
  const auto reply = parse_sntp_reply(bytes);
  ASSERT_TRUE(reply);
  const auto s = sntp_sample(*reply, 42, kT, kT + 21 * ms);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_NEAR(static_cast<double>(s->offset_ns), static_cast<double>(hour), 1000.0);
  EXPECT_NEAR(static_cast<double>(s->delay_ns), static_cast<double>(20 * ms), 1000.0);
  EXPECT_EQ(s->stratum, 2);
}

TEST(Sntp, AnswersThatAreNotToThisQuestionOrFromNoTimeAreRefused) {
  const auto sample = [](std::vector<std::uint8_t> bytes) {
    return sntp_sample(*parse_sntp_reply(bytes), 42, kT, kT + 1'000'000);
  };
  EXPECT_EQ(sample(answer(41, kT, kT)).error().message, "the answer is not to this question");
  EXPECT_FALSE(sample(answer(42, kT, kT, 0x23)));              // client mode
  EXPECT_FALSE(sample(answer(42, kT, kT, 0xE4)));              // leap 3: unsynchronized
  EXPECT_FALSE(sample(answer(42, kT, kT, 0x24, 0)));           // kiss of death
  EXPECT_FALSE(sample(answer(42, kT, kT, 0x24, 16)));          // stratum 16
  EXPECT_FALSE(sample(answer(42, kT, kT + 5'000'000'000LL)));  // a negative delay
  EXPECT_FALSE(parse_sntp_reply(std::vector<std::uint8_t>(47, 0)));
}

TEST(Sntp, ServersAreHostNamesOrAddressesWithAnOptionalPort) {
  for (const char* ok : {"pool.ntp.org", "192.168.1.1", "ntp-1.example:123", "127.0.0.1:40123"})
    EXPECT_TRUE(check_ntp_server(ok)) << ok;
  for (const char* bad :
       {"", ":123", "a b", "host:0", "host:70000", "host:x", "..", "-x", "a/b", "host;reboot"})
    EXPECT_FALSE(check_ntp_server(bad)) << bad;
}

}  // namespace
}  // namespace vto::station
