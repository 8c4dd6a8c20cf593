#include "station/dhcp_client.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstring>

#include "core/secure_random.h"

namespace vto::station {

namespace asio = boost::asio;
using asio::ip::udp;
using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

namespace {

constexpr std::uint32_t kInfinite = 0xFFFFFFFF;
constexpr std::uint32_t kShortestLease = 10;  // seconds: anything shorter is raised to it
constexpr int kRequestTries = 4;              // then back to asking for offers

bool unicast(std::uint32_t a) {
  const std::uint32_t first = a >> 24;
  return a != 0 && first != 0 && first != 127 && first < 224;
}

bool contiguous(std::uint32_t mask) {
  return mask != 0 && (~mask & (~mask + 1)) == 0;  // ones, then zeros
}

std::uint32_t classful_mask(std::uint32_t ip) {
  if ((ip >> 31) == 0) return 0xFF000000;
  if ((ip >> 30) == 2) return 0xFFFF0000;
  return 0xFFFFFF00;
}

}  // namespace

std::string ipv4_text(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xFF) + "." +
         std::to_string((a >> 8) & 0xFF) + "." + std::to_string(a & 0xFF);
}

InterfaceAddresses DhcpLease::addresses() const {
  InterfaceAddresses a{ipv4_text(ip), ipv4_text(mask), gateway ? ipv4_text(gateway) : "", "", ""};
  if (!dns.empty()) a.dns1 = ipv4_text(dns[0]);
  if (dns.size() > 1) a.dns2 = ipv4_text(dns[1]);
  return a;
}

Result<DhcpLease> lease_from_ack(const DhcpReply& ack) {
  DhcpLease l;
  l.ip = ack.yiaddr;
  if (!unicast(l.ip)) return make_error("the address " + ipv4_text(l.ip) + " is not a device's");
  l.mask = ack.mask != 0 ? ack.mask : classful_mask(l.ip);
  if (!contiguous(l.mask))
    return make_error("the mask " + ipv4_text(l.mask) + " is not contiguous");
  const int prefix = std::popcount(l.mask);
  if (prefix < 8 || prefix > 30) return make_error("a /" + std::to_string(prefix) + " network");
  if ((l.ip & ~l.mask) == 0 || (l.ip & ~l.mask) == ~l.mask)
    return make_error("the address " + ipv4_text(l.ip) + " is its network's own or broadcast");
  if (!unicast(ack.server_id)) return make_error("no server identifier");
  l.server = ack.server_id;
  for (const std::uint32_t r : ack.routers) {  // the first router inside the subnet
    if (unicast(r) && r != l.ip && (r & l.mask) == (l.ip & l.mask)) {
      l.gateway = r;
      break;
    }
  }
  for (const std::uint32_t d : ack.dns) {
    if (unicast(d) && l.dns.size() < 2) l.dns.push_back(d);
  }
  if (ack.lease_s == 0) return make_error("no lease time");
  l.lease_s = std::max(ack.lease_s, kShortestLease);
  if (l.lease_s != kInfinite) {
    const std::uint32_t t1 = l.lease_s / 2, t2 = static_cast<std::uint32_t>(l.lease_s * 7ull / 8);
    l.t1_s = ack.t1_s != 0 && ack.t1_s < l.lease_s ? ack.t1_s : t1;
    l.t2_s = ack.t2_s != 0 && ack.t2_s < l.lease_s ? ack.t2_s : t2;
    if (l.t1_s >= l.t2_s) {
      l.t1_s = t1;
      l.t2_s = t2;
    }
  }
  return l;
}

Result<MacAddress> interface_mac(const std::string& interface) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error("socket: " + std::string(std::strerror(errno)));
  ifreq req{};
  std::strncpy(req.ifr_name, interface.c_str(), IFNAMSIZ - 1);
  const int r = ::ioctl(fd, SIOCGIFHWADDR, &req);
  const int err = errno;
  ::close(fd);
  if (r != 0) return make_error(interface + ": " + std::strerror(err));
  MacAddress mac{};
  std::memcpy(mac.data(), req.ifr_hwaddr.sa_data, mac.size());
  if (mac == MacAddress{}) return make_error(interface + ": no Ethernet address");
  return mac;
}

// The interface up (SIOCSIFFLAGS), as `ip link set up` would: asking needs a link.
Result<void> bring_up(const std::string& interface) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error("socket: " + std::string(std::strerror(errno)));
  ifreq req{};
  std::strncpy(req.ifr_name, interface.c_str(), IFNAMSIZ - 1);
  int r = ::ioctl(fd, SIOCGIFFLAGS, &req);
  if (r == 0 && (req.ifr_flags & IFF_UP) == 0) {
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
    r = ::ioctl(fd, SIOCSIFFLAGS, &req);
  }
  const int err = errno;
  ::close(fd);
  if (r != 0) return make_error("cannot bring " + interface + " up: " + std::strerror(err));
  return {};
}

std::string_view DhcpClient::state_name(State s) {
  switch (s) {
    case State::Stopped:
      return "stopped";
    case State::Selecting:
      return "selecting";
    case State::Requesting:
      return "requesting";
    case State::Bound:
      return "bound";
    case State::Renewing:
      return "renewing";
    case State::Rebinding:
      return "rebinding";
  }
  return "stopped";
}

struct DhcpClient::Impl : std::enable_shared_from_this<DhcpClient::Impl> {
  Impl(asio::io_context& io_, std::string name,
       std::function<void(const DhcpLease&, bool)> lease_cb, std::function<void()> lost_cb)
      : io(io_),
        interface(std::move(name)),
        on_lease(std::move(lease_cb)),
        on_lost(std::move(lost_cb)),
        socket(io_),
        retry(io_),
        renew(io_),
        rebind(io_),
        expire(io_) {}

  asio::io_context& io;
  std::string interface;
  std::function<void(const DhcpLease&, bool)> on_lease;
  std::function<void()> on_lost;
  udp::socket socket;
  asio::steady_timer retry, renew, rebind, expire;
  core::SecureRandom random;
  MacAddress mac{};
  Status status;
  std::uint32_t xid = 0;
  Clock::time_point began{};     // of this exchange, for `secs`
  Clock::time_point acked_at{};  // when the lease was acknowledged (steady)
  std::uint32_t offered_ip = 0, offered_server = 0;
  int tries = 0;
  std::array<std::uint8_t, 1500> buffer{};
  udp::endpoint from;

  std::uint32_t new_xid() {
    std::uint32_t x = 0;
    random.fill(&x, sizeof x);
    return x;
  }

  // 4, 8, 16, 32, 64, 64... seconds, each give or take up to a second (RFC 2131 4.1).
  Clock::duration backoff() {
    const int s = 4 << std::min(tries, 4);
    const auto jitter = static_cast<int>(random.next_u64() % 2001);
    return std::chrono::milliseconds(s * 1000 - 1000 + jitter);
  }

  void cancel_timers() {
    retry.cancel();
    renew.cancel();
    rebind.cancel();
    expire.cancel();
  }

  void send(const DhcpRequest& r, std::uint32_t to) {
    const auto bytes = encode_dhcp(r);
    boost::system::error_code ec;
    socket.send_to(asio::buffer(bytes), udp::endpoint(asio::ip::address_v4(to), 67), 0, ec);
  }

  DhcpRequest request(DhcpType type) const {
    DhcpRequest r;
    r.type = type;
    r.xid = xid;
    r.chaddr = mac;
    const auto secs = std::chrono::duration_cast<seconds>(Clock::now() - began).count();
    r.secs = static_cast<std::uint16_t>(std::min<long long>(secs, 0xFFFF));
    return r;
  }

  // INIT: a new transaction, DISCOVER until an offer comes.
  void select() {
    status.state = State::Selecting;
    xid = new_xid();
    began = Clock::now();
    tries = 0;
    discover();
  }

  void discover() {
    if (status.state != State::Selecting) return;
    send(request(DhcpType::Discover), 0xFFFFFFFF);
    retry_after(backoff(), [this] { discover(); });
    ++tries;
  }

  void send_request() {
    if (status.state != State::Requesting) return;
    if (tries >= kRequestTries) return select();  // the server went quiet: start over
    DhcpRequest r = request(DhcpType::Request);
    r.requested = offered_ip;
    r.server_id = offered_server;
    send(r, 0xFFFFFFFF);
    retry_after(backoff(), [this] { send_request(); });
    ++tries;
  }

  // RENEWING: to the server that gave the lease; REBINDING: to any. Again at half the time
  // left, at least every 4 s.
  void extend(Clock::time_point until) {
    if (status.state != State::Renewing && status.state != State::Rebinding) return;
    DhcpRequest r = request(DhcpType::Request);
    r.ciaddr = status.lease->ip;
    r.broadcast = false;
    send(r, status.state == State::Renewing ? status.lease->server : 0xFFFFFFFF);
    const auto left = until - Clock::now();
    if (left <= seconds(0)) return;
    retry_after(std::max<Clock::duration>(left / 2, seconds(4)), [this, until] { extend(until); });
  }

  void retry_after(Clock::duration d, std::function<void()> f) {
    at(retry, Clock::now() + d, std::move(f));
  }

  void at(asio::steady_timer& t, Clock::time_point when, std::function<void()> f) {
    t.expires_at(when);
    t.async_wait([self = weak_from_this(), f = std::move(f)](boost::system::error_code ec) {
      if (ec || self.expired()) return;
      f();
    });
  }

  void receive() {
    socket.async_receive_from(
        asio::buffer(buffer), from,
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          if (ec == asio::error::operation_aborted || !self->socket.is_open()) return;
          if (!ec) self->handle(std::span<const std::uint8_t>(self->buffer.data(), n));
          self->receive();
        });
  }

  void handle(std::span<const std::uint8_t> datagram) {
    if (from.port() != 67) return;
    const auto reply = parse_dhcp_reply(datagram);
    if (!reply || reply->xid != xid || reply->chaddr != mac) return;
    switch (status.state) {
      case State::Selecting:
        if (reply->type != DhcpType::Offer || !unicast(reply->yiaddr) || !unicast(reply->server_id))
          return;
        offered_ip = reply->yiaddr;
        offered_server = reply->server_id;
        status.state = State::Requesting;
        tries = 0;
        retry.cancel();
        send_request();
        return;
      case State::Requesting:
        if (reply->server_id != offered_server) return;
        if (reply->type == DhcpType::Nak) return select();
        if (reply->type == DhcpType::Ack) bind(*reply);
        return;
      case State::Renewing:
      case State::Rebinding:
        if (reply->type == DhcpType::Nak) return lose();
        if (reply->type == DhcpType::Ack) bind(*reply);
        return;
      case State::Bound:
      case State::Stopped:
        return;
    }
  }

  void bind(const DhcpReply& ack) {
    auto lease = lease_from_ack(ack);
    if (!lease) {
      status.error =
          "refused a lease from " + ipv4_text(ack.server_id) + ": " + lease.error().message;
      if (status.state == State::Requesting) select();
      return;
    }
    const bool changed = !status.lease || status.lease->addresses() != lease->addresses();
    status.error.clear();
    status.lease = *lease;
    status.state = State::Bound;
    status.obtained = std::chrono::system_clock::now();
    acked_at = Clock::now();
    cancel_timers();
    if (lease->lease_s != kInfinite) {
      const auto t2 = acked_at + seconds(lease->t2_s), end = acked_at + seconds(lease->lease_s);
      at(renew, acked_at + seconds(lease->t1_s), [this, t2] {
        status.state = State::Renewing;
        xid = new_xid();
        began = Clock::now();
        extend(t2);
      });
      at(rebind, t2, [this, end] {
        status.state = State::Rebinding;
        extend(end);
      });
      at(expire, end, [this] { lose(); });
    }
    on_lease(*lease, changed);
  }

  // The lease is gone: the address must go, and the client starts over.
  void lose() {
    cancel_timers();
    const bool held = status.lease.has_value();
    status.lease.reset();
    select();
    if (held) on_lost();
  }
};

DhcpClient::DhcpClient(asio::io_context& io, std::string interface,
                       std::function<void(const DhcpLease&, bool)> on_lease,
                       std::function<void()> on_lost)
    : impl_(std::make_shared<Impl>(io, std::move(interface), std::move(on_lease),
                                   std::move(on_lost))) {}

DhcpClient::~DhcpClient() {
  stop();
}

const DhcpClient::Status& DhcpClient::status() const {
  return impl_->status;
}

Result<void> DhcpClient::start() {
  Impl& c = *impl_;
  if (c.status.state != State::Stopped) return {};
  const auto fail = [&c](std::string message) {
    c.status.error = message;
    boost::system::error_code ignored;
    c.socket.close(ignored);
    return make_error("DHCP on " + c.interface + ": " + message);
  };
  auto mac = interface_mac(c.interface);
  if (!mac) return fail(mac.error().message);
  c.mac = *mac;
  if (auto up = bring_up(c.interface); !up) return fail(up.error().message);
  boost::system::error_code ec;
  c.socket.open(udp::v4(), ec);
  if (ec) return fail("socket: " + ec.message());
  c.socket.set_option(asio::socket_base::reuse_address(true), ec);
  c.socket.set_option(asio::socket_base::broadcast(true), ec);
  if (::setsockopt(c.socket.native_handle(), SOL_SOCKET, SO_BINDTODEVICE, c.interface.c_str(),
                   static_cast<socklen_t>(c.interface.size())) != 0) {
    return fail("cannot tie the socket to the interface: " + std::string(std::strerror(errno)));
  }
  c.socket.bind(udp::endpoint(asio::ip::address_v4::any(), 68), ec);
  if (ec) return fail("port 68: " + ec.message());
  c.status.error.clear();
  c.receive();
  c.select();
  return {};
}

void DhcpClient::stop() {
  Impl& c = *impl_;
  if (c.status.state == State::Stopped) return;
  if (c.status.lease) {
    DhcpRequest r = c.request(DhcpType::Release);
    r.xid = c.new_xid();
    r.ciaddr = c.status.lease->ip;
    r.server_id = c.status.lease->server;
    r.broadcast = false;
    c.send(r, c.status.lease->server);
  }
  c.cancel_timers();
  boost::system::error_code ignored;
  c.socket.close(ignored);
  c.status.state = State::Stopped;
  c.status.lease.reset();
}

}  // namespace vto::station
