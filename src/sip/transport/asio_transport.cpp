#include "sip/transport/asio_transport.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <unordered_map>

#include "core/log.h"

namespace vto::sip {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

std::string ip_text(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  }
  return a.to_string();
}

}  // namespace

struct AsioTransport::Impl : std::enable_shared_from_this<AsioTransport::Impl> {
  struct Connection {
    std::uint64_t id = 0;
    tcp::socket socket;
    Peer peer;
    StreamFramer framer;
    std::deque<std::string> out;
    std::size_t out_bytes = 0;  // in `out`
    bool connected = false;
    bool writing = false;
    bool closed = false;
    asio::steady_timer idle;
    std::array<char, 8192> buf{};

    Connection(asio::io_context& io, Limits limits) : socket(io), framer(limits), idle(io) {}
  };
  using ConnectionPtr = std::shared_ptr<Connection>;

  Impl(asio::io_context& io_context, TransportConfig cfg)
      : io(io_context), config(std::move(cfg)), udp_socket(io), acceptor(io) {}

  asio::io_context& io;
  TransportConfig config;
  Handler handler;
  udp::socket udp_socket;
  tcp::acceptor acceptor;
  std::array<char, 65536> udp_buf{};
  udp::endpoint udp_from;
  std::uint64_t next_id = 1;
  std::string advertised = "127.0.0.1";  // host for Via/Contact, IPv6 in brackets
  std::unordered_map<std::uint64_t, ConnectionPtr> connections;
  std::unordered_map<std::string, std::uint64_t> by_peer;   // "TCP ip:port" -> connection
  std::unordered_map<std::string, std::size_t> per_source;  // open connections by IP
  bool udp_v6 = false;  // the UDP socket is IPv6 (IPv4 peers are written v4-mapped)
  std::shared_ptr<spdlog::logger> log = core::logger("transport");
  bool stopped = false;

  static std::string peer_key(const Peer& p) { return p.host_port(); }

  // `packet` is parsed in place; `original` (the same bytes, kept by the caller) is only
  // read to answer a message that fails to parse.
  void receive(std::string packet, std::string_view original, const Peer& from) {
    auto parsed = Message::parse(std::move(packet), config.limits);
    if (!parsed) {
      log->debug("malformed message from {}: {}", from.host_port(), parsed.error().message);
      int status = parsed.error().code >= 400 ? parsed.error().code : 400;
      // Answer to the source: a malformed packet's Via cannot be trusted.
      if (auto reply = reply_to_malformed(original, status, parsed.error().message)) {
        (void)send(std::move(*reply), from);
      }
      return;
    }
    Message msg = std::move(parsed).value();
    if (msg.is_request() && !stamp_received(msg, from)) return;
    if (handler) handler(std::move(msg), from);
  }

  // ---- UDP ----
  void udp_read() {
    udp_socket.async_receive_from(
        asio::buffer(udp_buf), udp_from,
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          if (self->stopped) return;
          if (!ec && n > 0) {
            Peer from{Transport::Udp, ip_text(self->udp_from.address()), self->udp_from.port(), 0};
            std::string_view bytes(self->udp_buf.data(), n);
            self->receive(std::string(bytes), bytes, from);
          }
          if (ec == asio::error::operation_aborted) return;
          self->udp_read();
        });
  }

  Result<void> udp_send(const std::string& bytes, const Peer& to) {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(to.ip, ec);
    if (ec) return make_error("bad destination address " + to.ip);
    if (udp_v6 && addr.is_v4()) {
      addr = asio::ip::make_address_v6(asio::ip::v4_mapped, addr.to_v4());
    }
    udp_socket.send_to(asio::buffer(bytes), udp::endpoint(addr, to.port), 0, ec);
    if (ec) return make_error("UDP send to " + to.host_port() + ": " + ec.message(), 503);
    return {};
  }

  // ---- TCP ----
  void tcp_accept() {
    acceptor.async_accept(
        [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
          if (self->stopped || ec == asio::error::operation_aborted) return;
          if (!ec) {
            boost::system::error_code e1;
            const auto from = socket.remote_endpoint(e1);
            const std::string ip = e1 ? std::string() : ip_text(from.address());
            if (self->connections.size() >= self->config.max_connections) {
              self->log->warn("TCP connection limit ({}) reached, refusing a connection",
                              self->config.max_connections);
              boost::system::error_code ignored;
              socket.close(ignored);
            } else if (self->per_source[ip] >= self->config.max_connections_per_source) {
              // One host may not take every slot.
              self->log->debug("TCP connection from {} refused: {} already open", ip,
                               self->config.max_connections_per_source);
              boost::system::error_code ignored;
              socket.close(ignored);
            } else {
              auto conn = std::make_shared<Connection>(self->io, self->config.limits);
              conn->socket = std::move(socket);
              boost::system::error_code e2;
              auto remote = conn->socket.remote_endpoint(e2);
              if (!e2) {
                conn->peer = Peer{Transport::Tcp, ip_text(remote.address()), remote.port(), 0};
                self->add_connection(conn);
                conn->connected = true;
                self->tcp_read(conn);
              }
            }
          }
          self->tcp_accept();
        });
  }

  void add_connection(const ConnectionPtr& conn) {
    ++per_source[conn->peer.ip];
    conn->id = next_id++;
    conn->peer.connection = conn->id;
    connections[conn->id] = conn;
    by_peer[peer_key(conn->peer)] = conn->id;
    touch(conn);
  }

  void touch(const ConnectionPtr& conn) {
    conn->idle.expires_after(config.idle_timeout);
    conn->idle.async_wait([self = shared_from_this(), conn](const boost::system::error_code& ec) {
      if (!ec) self->close(conn, "idle");
    });
  }

  void close(const ConnectionPtr& conn, std::string_view why) {
    if (conn->closed) return;
    conn->closed = true;
    log->debug("closing TCP connection {} to {}: {}", conn->id, conn->peer.host_port(), why);
    boost::system::error_code ignored;
    conn->socket.close(ignored);
    conn->idle.cancel();
    auto it = by_peer.find(peer_key(conn->peer));
    if (it != by_peer.end() && it->second == conn->id) by_peer.erase(it);
    connections.erase(conn->id);
    if (auto count = per_source.find(conn->peer.ip);
        count != per_source.end() && --count->second == 0) {
      per_source.erase(count);
    }
  }

  void tcp_read(const ConnectionPtr& conn) {
    conn->socket.async_read_some(
        asio::buffer(conn->buf),
        [self = shared_from_this(), conn](const boost::system::error_code& ec, std::size_t n) {
          if (conn->closed) return;
          if (ec) {
            self->close(conn, ec.message());
            return;
          }
          self->touch(conn);
          conn->framer.feed(std::string_view(conn->buf.data(), n));
          while (auto next = conn->framer.next()) {
            if (!*next) {
              self->log->debug("TCP framing error from {}: {}", conn->peer.host_port(),
                               next->error().message);
              self->close(conn, "framing error");
              return;
            }
            std::string original = next->value();
            self->receive(std::move(next->value()), original, conn->peer);
            if (conn->closed) return;
          }
          if (conn->framer.pong_requested()) self->tcp_write(conn, "\r\n");
          if (conn->framer.buffered() > self->config.max_buffer) {
            self->close(conn, "buffer limit");
            return;
          }
          self->tcp_read(conn);
        });
  }

  void tcp_write(const ConnectionPtr& conn, std::string bytes) {
    if (conn->out_bytes + bytes.size() > config.max_write_queue) {
      close(conn, "write queue limit (the peer does not read)");
      return;
    }
    conn->out_bytes += bytes.size();
    conn->out.push_back(std::move(bytes));
    flush(conn);
  }

  void flush(const ConnectionPtr& conn) {
    if (conn->writing || !conn->connected || conn->out.empty() || conn->closed) return;
    conn->writing = true;
    asio::async_write(
        conn->socket, asio::buffer(conn->out.front()),
        [self = shared_from_this(), conn](const boost::system::error_code& ec, std::size_t) {
          conn->writing = false;
          if (conn->closed) return;
          if (ec) {
            self->close(conn, ec.message());
            return;
          }
          conn->out_bytes -= conn->out.front().size();
          conn->out.pop_front();
          self->flush(conn);
        });
  }

  Result<void> tcp_send(std::string bytes, const Peer& to) {
    if (to.connection != 0) {
      auto it = connections.find(to.connection);
      if (it != connections.end()) {
        tcp_write(it->second, std::move(bytes));
        return {};
      }
    }
    if (auto it = by_peer.find(peer_key(to)); it != by_peer.end()) {
      tcp_write(connections.at(it->second), std::move(bytes));
      return {};
    }
    if (connections.size() >= config.max_connections) {
      return make_error("TCP connection limit reached", 503);
    }
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(to.ip, ec);
    if (ec) return make_error("bad destination address " + to.ip);
    auto conn = std::make_shared<Connection>(io, config.limits);
    conn->peer = to;
    add_connection(conn);
    conn->out_bytes = bytes.size();
    conn->out.push_back(std::move(bytes));
    conn->socket.async_connect(
        tcp::endpoint(addr, to.port),
        [self = shared_from_this(), conn](const boost::system::error_code& e) {
          if (conn->closed) return;
          if (e) {
            self->log->debug("TCP connect to {} failed: {}", conn->peer.host_port(), e.message());
            self->close(conn, "connect failed");
            return;
          }
          conn->connected = true;
          self->flush(conn);
          self->tcp_read(conn);
        });
    return {};
  }

  // ---- Sockets ----
  Result<void> bind(const asio::ip::address& addr) {
    boost::system::error_code ec;
    std::string where = Peer{Transport::Udp, ip_text(addr), config.port, 0}.host_port();
    if (config.udp) {
      udp::endpoint ep(addr, config.port);
      udp_socket.open(ep.protocol(), ec);
      if (!ec && addr.is_v6()) udp_socket.set_option(asio::ip::v6_only(false), ec);
      if (!ec) udp_socket.bind(ep, ec);
      if (ec) return make_error("cannot bind SIP UDP " + where + ": " + ec.message());
      udp_v6 = addr.is_v6();
      // Large bursts of REGISTERs and INVITEs must not be dropped by a small kernel buffer.
      udp_socket.set_option(asio::socket_base::receive_buffer_size(4 * 1024 * 1024), ec);
      if (config.port == 0) config.port = udp_socket.local_endpoint().port();
    }
    if (config.tcp) {
      tcp::endpoint ep(addr, config.port);
      acceptor.open(ep.protocol(), ec);
      if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec && addr.is_v6()) acceptor.set_option(asio::ip::v6_only(false), ec);
      if (!ec) acceptor.bind(ep, ec);
      if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        where = Peer{Transport::Tcp, ip_text(addr), config.port, 0}.host_port();
        return make_error("cannot bind SIP TCP " + where + ": " + ec.message());
      }
      if (config.port == 0) config.port = acceptor.local_endpoint().port();
    }
    return {};
  }

  void unbind() {
    boost::system::error_code ignored;
    udp_socket.close(ignored);
    acceptor.close(ignored);
  }

  Result<void> send(std::string bytes, const Peer& to) {
    if (to.transport == Transport::Udp) return udp_send(bytes, to);
    return tcp_send(std::move(bytes), to);
  }
};

AsioTransport::AsioTransport(asio::io_context& io, TransportConfig config)
    : impl_(std::make_shared<Impl>(io, std::move(config))) {}

AsioTransport::~AsioTransport() {
  stop();
}

Result<void> AsioTransport::start() {
  auto& d = *impl_;
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(d.config.listen_ip, ec);
  if (ec) return make_error("bad SIP listen address '" + d.config.listen_ip + "'");
  std::string advertised = d.config.advertise_ip;
  if (advertised.empty()) {
    advertised = addr.is_unspecified() ? primary_address(addr.is_v6()) : ip_text(addr);
  }
  auto advertised_ip = numeric_ip(advertised);
  if (!advertised_ip) return make_error("bad SIP advertised address '" + advertised + "'");
  d.advertised =
      advertised_ip->find(':') != std::string::npos ? "[" + *advertised_ip + "]" : *advertised_ip;
  // Port 0 asks for any free port, the same for UDP and TCP: the one UDP is given may be
  // taken for TCP, so other ports are tried before giving up.
  const bool any_port = d.config.port == 0;
  auto bound = d.bind(addr);
  for (int attempt = 1; !bound && any_port && d.config.udp && d.config.tcp && attempt < 16;
       ++attempt) {
    d.unbind();
    d.config.port = 0;
    bound = d.bind(addr);
  }
  if (!bound) {
    d.unbind();
    return bound;
  }
  if (d.config.udp) d.udp_read();
  if (d.config.tcp) d.tcp_accept();
  return {};
}

Result<void> AsioTransport::rebind(std::uint16_t port) {
  auto& d = *impl_;
  if (port == 0) return make_error("SIP port: 1 to 65535");
  if (port == d.config.port) return {};
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(d.config.listen_ip, ec);
  if (ec) return make_error("bad SIP listen address '" + d.config.listen_ip + "'");
  const std::string where = Peer{Transport::Udp, ip_text(addr), port, 0}.host_port();
  udp::socket next_udp(d.io);
  tcp::acceptor next_acceptor(d.io);
  if (d.config.udp) {
    udp::endpoint ep(addr, port);
    next_udp.open(ep.protocol(), ec);
    if (!ec && addr.is_v6()) next_udp.set_option(asio::ip::v6_only(false), ec);
    if (!ec) next_udp.bind(ep, ec);
    if (ec) return make_error("cannot bind SIP UDP " + where + ": " + ec.message());
    next_udp.set_option(asio::socket_base::receive_buffer_size(4 * 1024 * 1024), ec);
  }
  if (d.config.tcp) {
    tcp::endpoint ep(addr, port);
    next_acceptor.open(ep.protocol(), ec);
    if (!ec) next_acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && addr.is_v6()) next_acceptor.set_option(asio::ip::v6_only(false), ec);
    if (!ec) next_acceptor.bind(ep, ec);
    if (!ec) next_acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return make_error("cannot bind SIP TCP " + where + ": " + ec.message());
  }
  // The old sockets' pending operations end with operation_aborted and do not re-arm.
  d.unbind();
  d.udp_socket = std::move(next_udp);
  d.acceptor = std::move(next_acceptor);
  d.config.port = port;
  if (!d.stopped) {
    if (d.config.udp) d.udp_read();
    if (d.config.tcp) d.tcp_accept();
  }
  d.log->info("SIP now on {} (UDP, TCP)", where);
  return {};
}

void AsioTransport::stop() {
  auto& d = *impl_;
  if (d.stopped) return;
  d.stopped = true;
  boost::system::error_code ignored;
  d.udp_socket.close(ignored);
  d.acceptor.close(ignored);
  auto conns = d.connections;
  for (auto& [id, conn] : conns) d.close(conn, "shutdown");
}

void AsioTransport::set_handler(Handler handler) {
  impl_->handler = std::move(handler);
}

Result<void> AsioTransport::send(std::string bytes, const Peer& to) {
  if (impl_->stopped) return make_error("transport stopped", 503);
  return impl_->send(std::move(bytes), to);
}

std::uint64_t AsioTransport::connection_to(const Peer& to) const {
  if (to.transport == Transport::Udp) return 0;
  const auto& d = *impl_;
  auto it = d.by_peer.find(Impl::peer_key(to));
  return it == d.by_peer.end() ? 0 : it->second;
}

LocalAddress AsioTransport::local(Transport) const {
  const auto& d = *impl_;
  return LocalAddress{d.advertised, d.config.port};
}

std::size_t AsioTransport::connection_count() const {
  return impl_->connections.size();
}

}  // namespace vto::sip
