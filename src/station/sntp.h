// SNTP (RFC 4330): how far the station's clock is from a time server's, and setting it.
//
// The client's transmit timestamp is a random 64-bit value (the nonce), not its clock: a
// server echoes it as the originate timestamp, so an answer that does not echo it is not an
// answer to this question (an off-path stranger cannot guess it). The client keeps its own
// send time apart to measure offset and delay.
//
// SntpClient asks its servers in order (host names resolved each time; port 123 unless
// given), takes the first valid answer, and does so again every 1024 s (64 s after a
// failure). With `set_clock` (a board whose vtod may set the clock: CAP_SYS_TIME), an offset
// over 0.5 s steps the clock and a smaller one is slewed (adjtime); without it the offset is
// only measured and shown.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace boost::asio {
class io_context;
}

namespace vto::station {

// 64-bit NTP timestamps: seconds since 1900 in the high half, fraction in the low.
std::uint64_t ntp_from_unix_ns(std::int64_t unix_ns);
std::int64_t unix_ns_from_ntp(std::uint64_t ntp);

std::array<std::uint8_t, 48> encode_sntp_request(std::uint64_t nonce);

struct SntpReply {
  int leap = 0, version = 0, mode = 0, stratum = 0;
  std::uint64_t originate = 0, receive = 0, transmit = 0;
};
// 48 bytes or more (extension fields and MACs are ignored), else nothing.
std::optional<SntpReply> parse_sntp_reply(std::span<const std::uint8_t> datagram);

struct SntpSample {
  std::int64_t offset_ns = 0;  // add to the local clock to get the server's
  std::int64_t delay_ns = 0;   // the round trip, less the server's own time
  int stratum = 0;
};
// The sample of a reply to the request with `nonce`, sent at local `sent_ns` and received at
// `received_ns` (Unix ns), or why it is not one: not a server's answer, not to this question,
// an unsynchronized server (leap 3, stratum 0 "kiss of death" or 16), a negative delay.
Result<SntpSample> sntp_sample(const SntpReply& r, std::uint64_t nonce, std::int64_t sent_ns,
                               std::int64_t received_ns);

// "host" or "host:port": a host name or IPv4 address, port 1-65535; else why not.
Result<void> check_ntp_server(const std::string& server);

class SntpClient {
 public:
  struct Status {
    bool enabled = false;
    std::string state = "off";  // "off", "checking", "ok", "failed"
    std::string server;         // the one that answered
    std::optional<SntpSample> sample;
    std::chrono::system_clock::time_point checked{};  // when last answered or failed
    std::string error;
    std::string clock;  // what was done to the clock: "", "stepped", "slewed", or an error
  };

  SntpClient(boost::asio::io_context& io, bool set_clock);
  ~SntpClient();
  SntpClient(const SntpClient&) = delete;
  SntpClient& operator=(const SntpClient&) = delete;

  // Off with no servers or `enabled` false; on: asks at once, then every 1024 s.
  void configure(bool enabled, std::vector<std::string> servers);
  const Status& status() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Sets the system clock to `unix_ms` (CLOCK_REALTIME), or says why not (EPERM: no
// CAP_SYS_TIME).
Result<void> set_system_clock(std::int64_t unix_ms);

}  // namespace vto::station
