#include "station/sntp.h"

#include <sys/time.h>
#include <time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/secure_random.h"

namespace vto::station {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

constexpr std::int64_t kEpochDelta = 2208988800LL;  // 1900-01-01 to 1970-01-01, in seconds
constexpr std::int64_t kNs = 1'000'000'000LL;
constexpr auto kEvery = std::chrono::seconds(1024);
constexpr auto kAfterFailure = std::chrono::seconds(64);
constexpr auto kAnswerWithin = std::chrono::seconds(2);
constexpr std::int64_t kStepOver = kNs / 2;  // a larger offset steps the clock

std::uint64_t get64(std::span<const std::uint8_t> in, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[at + i];
  return v;
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::uint64_t ntp_from_unix_ns(std::int64_t unix_ns) {
  const std::int64_t s = unix_ns / kNs, ns = unix_ns % kNs;
  const auto seconds = static_cast<std::uint64_t>(s + kEpochDelta) & 0xFFFFFFFFu;
  const auto fraction = (static_cast<std::uint64_t>(ns) << 32) / kNs;
  return (seconds << 32) | fraction;
}

std::int64_t unix_ns_from_ntp(std::uint64_t ntp) {
  std::int64_t seconds = static_cast<std::int64_t>(ntp >> 32);
  if (seconds < (1LL << 31)) seconds += 1LL << 32;  // era 1: from 2036 on
  const auto fraction = static_cast<std::int64_t>(((ntp & 0xFFFFFFFFu) * kNs) >> 32);
  return (seconds - kEpochDelta) * kNs + fraction;
}

std::array<std::uint8_t, 48> encode_sntp_request(std::uint64_t nonce) {
  std::array<std::uint8_t, 48> out{};
  out[0] = (0 << 6) | (4 << 3) | 3;  // no leap warning, version 4, client
  for (int i = 0; i < 8; ++i) out[40 + i] = static_cast<std::uint8_t>(nonce >> (56 - 8 * i));
  return out;
}

std::optional<SntpReply> parse_sntp_reply(std::span<const std::uint8_t> in) {
  if (in.size() < 48) return std::nullopt;
  SntpReply r;
  r.leap = in[0] >> 6;
  r.version = (in[0] >> 3) & 7;
  r.mode = in[0] & 7;
  r.stratum = in[1];
  r.originate = get64(in, 24);
  r.receive = get64(in, 32);
  r.transmit = get64(in, 40);
  return r;
}

Result<SntpSample> sntp_sample(const SntpReply& r, std::uint64_t nonce, std::int64_t sent_ns,
                               std::int64_t received_ns) {
  if (r.mode != 4 || r.version < 3 || r.version > 4) return make_error("not a server's answer");
  if (r.originate != nonce) return make_error("the answer is not to this question");
  if (r.leap == 3 || r.stratum == 0 || r.stratum > 15)
    return make_error("the server is not synchronized");
  if (r.receive == 0 || r.transmit == 0) return make_error("the answer has no time");
  const std::int64_t t2 = unix_ns_from_ntp(r.receive), t3 = unix_ns_from_ntp(r.transmit);
  SntpSample s;
  s.offset_ns = ((t2 - sent_ns) + (t3 - received_ns)) / 2;
  s.delay_ns = (received_ns - sent_ns) - (t3 - t2);
  s.stratum = r.stratum;
  if (s.delay_ns < 0) return make_error("the answer's times do not add up");
  return s;
}

Result<void> check_ntp_server(const std::string& server) {
  std::string host = server;
  if (const auto colon = server.rfind(':'); colon != std::string::npos) {
    host = server.substr(0, colon);
    const std::string port = server.substr(colon + 1);
    int p = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p < 1 || p > 65535)
      return make_error("a port from 1 to 65535 after the colon");
  }
  if (host.empty() || host.size() > 253) return make_error("a host name or IPv4 address");
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-';
    if (!ok) return make_error("a host name or IPv4 address (letters, digits, '.' and '-')");
  }
  if (host.front() == '.' || host.front() == '-' || host.find("..") != std::string::npos)
    return make_error("a host name or IPv4 address");
  return {};
}

Result<void> set_system_clock(std::int64_t unix_ms) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(unix_ms / 1000);
  ts.tv_nsec = static_cast<long>((unix_ms % 1000) * 1'000'000);
  if (::clock_settime(CLOCK_REALTIME, &ts) != 0) {
    return make_error(errno == EPERM ? "not permitted (vtod lacks CAP_SYS_TIME)"
                                     : std::string(std::strerror(errno)));
  }
  return {};
}

struct SntpClient::Impl : std::enable_shared_from_this<SntpClient::Impl> {
  Impl(asio::io_context& io_, bool may_set)
      : io(io_), set_clock(may_set), socket(io_), resolver(io_), timer(io_), wait(io_) {}

  asio::io_context& io;
  bool set_clock;
  udp::socket socket;
  udp::resolver resolver;
  asio::steady_timer timer, wait;
  core::SecureRandom random;
  Status status;
  std::vector<std::string> servers;
  std::size_t next = 0;
  std::uint64_t nonce = 0;
  std::int64_t sent_ns = 0;
  udp::endpoint asked, from;
  std::array<std::uint8_t, 512> buffer{};
  unsigned round = 0;  // a new configuration starts a new round; older handlers stand down
  std::string last_error;
  std::string refused;  // why the last answer from the server asked was not taken

  void schedule(std::chrono::seconds after) {
    timer.expires_after(after);
    timer.async_wait([self = weak_from_this(), r = round](boost::system::error_code ec) {
      auto me = self.lock();
      if (ec || !me || me->round != r) return;
      me->start_round();
    });
  }

  void start_round() {
    status.state = "checking";
    next = 0;
    last_error.clear();
    ask_next();
  }

  void ask_next() {
    if (next >= servers.size()) {
      status.state = "failed";
      status.error = last_error.empty() ? "no server answered" : last_error;
      status.checked = std::chrono::system_clock::now();
      return schedule(std::chrono::duration_cast<std::chrono::seconds>(kAfterFailure));
    }
    const std::string server = servers[next++];
    std::string host = server, port = "123";
    if (const auto colon = server.rfind(':'); colon != std::string::npos) {
      host = server.substr(0, colon);
      port = server.substr(colon + 1);
    }
    resolver.async_resolve(udp::v4(), host, port,
                           [self = shared_from_this(), r = round, server](
                               boost::system::error_code ec, udp::resolver::results_type found) {
                             if (self->round != r || ec == asio::error::operation_aborted) return;
                             if (ec || found.empty()) {
                               self->last_error = server + ": cannot resolve the name";
                               return self->ask_next();
                             }
                             self->ask(server, found.begin()->endpoint());
                           });
  }

  void ask(const std::string& server, udp::endpoint to) {
    boost::system::error_code ec;
    if (socket.is_open()) socket.close(ec);
    socket.open(udp::v4(), ec);
    if (ec) {
      last_error = "socket: " + ec.message();
      return ask_next();
    }
    refused.clear();
    random.fill(&nonce, sizeof nonce);
    const auto request = encode_sntp_request(nonce);
    asked = to;
    sent_ns = now_ns();
    socket.send_to(asio::buffer(request), to, 0, ec);
    if (ec) {
      last_error = server + ": " + ec.message();
      return ask_next();
    }
    wait.expires_after(kAnswerWithin);
    wait.async_wait([self = weak_from_this(), r = round, server](boost::system::error_code e) {
      auto me = self.lock();
      if (e || !me || me->round != r) return;
      // A refused answer says more than its absence.
      if (me->refused.empty()) me->last_error = server + ": no answer within 2 s";
      boost::system::error_code ignored;
      me->socket.close(ignored);
      me->ask_next();
    });
    receive(server);
  }

  void receive(const std::string& server) {
    socket.async_receive_from(
        asio::buffer(buffer), from,
        [self = shared_from_this(), r = round, server](boost::system::error_code ec,
                                                       std::size_t n) {
          if (ec || self->round != r) return;
          const std::int64_t received = now_ns();
          if (self->from != self->asked) return self->receive(server);  // not the server asked
          const auto reply = parse_sntp_reply({self->buffer.data(), n});
          auto sample = reply ? sntp_sample(*reply, self->nonce, self->sent_ns, received)
                              : Result<SntpSample>(make_error("not an SNTP answer"));
          if (!sample) {
            self->refused = self->last_error = server + ": " + sample.error().message;
            return self->receive(server);  // a stranger's; the server may still answer
          }
          self->wait.cancel();
          boost::system::error_code ignored;
          self->socket.close(ignored);
          self->answered(server, *sample);
        });
  }

  void answered(const std::string& server, const SntpSample& s) {
    status.state = "ok";
    status.server = server;
    status.sample = s;
    status.error.clear();
    status.checked = std::chrono::system_clock::now();
    status.clock.clear();
    if (set_clock) {
      if (s.offset_ns > kStepOver || s.offset_ns < -kStepOver) {
        auto stepped = set_system_clock((now_ns() + s.offset_ns) / 1'000'000);
        status.clock = stepped ? "stepped" : "cannot set the clock: " + stepped.error().message;
      } else {
        timeval delta{};
        delta.tv_sec = static_cast<time_t>(s.offset_ns / kNs);
        delta.tv_usec = static_cast<suseconds_t>((s.offset_ns % kNs) / 1000);
        status.clock = ::adjtime(&delta, nullptr) == 0
                           ? "slewed"
                           : "cannot slew the clock: " + std::string(std::strerror(errno));
      }
    }
    schedule(std::chrono::duration_cast<std::chrono::seconds>(kEvery));
  }

  void stop() {
    ++round;
    boost::system::error_code ignored;
    timer.cancel();
    wait.cancel();
    resolver.cancel();
    socket.close(ignored);
  }
};

SntpClient::SntpClient(asio::io_context& io, bool set_clock)
    : impl_(std::make_shared<Impl>(io, set_clock)) {}

SntpClient::~SntpClient() {
  impl_->stop();
}

const SntpClient::Status& SntpClient::status() const {
  return impl_->status;
}

void SntpClient::configure(bool enabled, std::vector<std::string> servers) {
  Impl& c = *impl_;
  c.stop();
  c.servers = std::move(servers);
  c.status = Status{};
  c.status.enabled = enabled && !c.servers.empty();
  if (!c.status.enabled) return;
  c.start_round();
}

}  // namespace vto::station
