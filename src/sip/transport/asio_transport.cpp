#include "sip/transport/asio_transport.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <unordered_map>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "core/log.h"

namespace vto::sip {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// Every certificate in a PEM text, in order.
std::vector<X509Ptr> read_certificates(const std::string& pem) {
  std::vector<X509Ptr> out;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return out;
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) out.emplace_back(x);
  BIO_free(bio);
  ERR_clear_error();  // the read that ends the loop leaves "no start line"
  return out;
}

constexpr auto kTlsOptions = ssl::context::default_workarounds | ssl::context::no_sslv2 |
                             ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                             ssl::context::no_tlsv1_1 | ssl::context::single_dh_use;

Result<std::shared_ptr<ssl::context>> server_context(const std::string& certificate_pem,
                                                     const std::string& private_key_pem) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(kTlsOptions, ec);
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_RENEGOTIATION);
  if (!ec) ctx->use_certificate_chain(asio::buffer(certificate_pem), ec);
  if (!ec) ctx->use_private_key(asio::buffer(private_key_pem), ssl::context::file_format::pem, ec);
  if (ec) return make_error("SIP TLS certificate or key: " + ec.message(), Errc::Invalid);
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return make_error("SIP TLS key does not match the certificate", Errc::Invalid);
  }
  return ctx;
}

// A client context that accepts only certificates chaining to `trusted`; a trusted
// certificate is an anchor even when it is not a CA (a pinned self-signed certificate).
Result<std::shared_ptr<ssl::context>> client_context(const std::vector<X509Ptr>& trusted) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(kTlsOptions, ec);
  if (ec) return make_error("SIP TLS client: " + ec.message());
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_RENEGOTIATION);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx->native_handle());
  for (const auto& x : trusted) {
    if (X509_STORE_add_cert(store, x.get()) != 1) ERR_clear_error();  // a duplicate
  }
  X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx->native_handle()), X509_V_FLAG_PARTIAL_CHAIN);
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

std::string ip_text(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  }
  return a.to_string();
}

// What the per-source caps count: an IPv4 address, or an IPv6 /64 (one host may hold a
// whole /64 and rotate through it).
std::string source_key(const std::string& ip) {
  boost::system::error_code ec;
  auto a = asio::ip::make_address(ip, ec);
  if (ec || !a.is_v6()) return ip;
  auto bytes = a.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return asio::ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace

struct AsioTransport::Impl : std::enable_shared_from_this<AsioTransport::Impl> {
  struct Connection {
    std::uint64_t id = 0;
    tcp::socket socket;                         // TCP; for TLS the socket under `tls`
    std::shared_ptr<ssl::context> tls_context;  // kept while `tls` uses it
    std::optional<ssl::stream<tcp::socket>> tls;
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

    tcp::socket& lowest() { return tls ? tls->next_layer() : socket; }
    bool outbound = false;  // opened by this side (for TLS: verified once `connected`)
    std::string source;     // source_key() of the peer
  };
  using ConnectionPtr = std::shared_ptr<Connection>;

  struct PeerTrust {
    std::string pem;
    std::vector<X509Ptr> trusted;
    std::shared_ptr<ssl::context> context;
  };
  // New TLS connections in the current one-second window, in all and per source.
  struct AcceptWindow {
    std::chrono::steady_clock::time_point start;
    std::size_t total = 0;
    std::unordered_map<std::string, std::size_t> by_source;
  };
  AcceptWindow tls_accepts;

  // A TLS handshake costs a signature: new ones are limited per second.
  bool accept_tls_now(const std::string& source) {
    const auto now = std::chrono::steady_clock::now();
    if (now - tls_accepts.start >= std::chrono::seconds(1)) {
      tls_accepts.start = now;
      tls_accepts.total = 0;
      tls_accepts.by_source.clear();
    }
    if (tls_accepts.total >= config.max_tls_handshakes_per_second) return false;
    if (tls_accepts.by_source[source] >= config.max_tls_handshakes_per_source) return false;
    ++tls_accepts.total;
    ++tls_accepts.by_source[source];
    return true;
  }

  Impl(asio::io_context& io_context, TransportConfig cfg)
      : io(io_context), config(std::move(cfg)), udp_socket(io), acceptor(io), tls_acceptor(io) {}

  asio::io_context& io;
  TransportConfig config;
  Handler handler;
  FailureHandler on_failure;
  ClosedHandler on_closed;
  udp::socket udp_socket;
  tcp::acceptor acceptor;
  tcp::acceptor tls_acceptor;
  std::shared_ptr<ssl::context> tls_server;              // the identity new TLS connections get
  std::unordered_map<std::string, PeerTrust> tls_trust;  // by "ip:port"
  std::array<char, 65536> udp_buf{};
  udp::endpoint udp_from;
  std::uint64_t next_id = 1;
  std::string advertised = "127.0.0.1";  // host for Via/Contact, IPv6 in brackets
  std::unordered_map<std::uint64_t, ConnectionPtr> connections;
  std::unordered_map<std::string, std::uint64_t> by_peer;   // "TLS ip:port" -> connection
  std::unordered_map<std::string, std::size_t> per_source;  // open connections by source_key
  bool udp_v6 = false;  // the UDP socket is IPv6 (IPv4 peers are written v4-mapped)
  std::shared_ptr<spdlog::logger> log = core::logger("transport");
  bool stopped = false;

  static std::string peer_key(const Peer& p) {
    return std::string(transport_name(p.transport)) + " " + p.host_port();
  }

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

  // ---- TCP and TLS ----
  void stream_accept(Transport transport) {
    tcp::acceptor& listener = transport == Transport::Tls ? tls_acceptor : acceptor;
    listener.async_accept([self = shared_from_this(), transport](
                              const boost::system::error_code& ec, tcp::socket socket) {
      if (self->stopped || ec == asio::error::operation_aborted) return;
      if (!ec) self->admit(transport, std::move(socket));
      self->stream_accept(transport);
    });
  }

  void admit(Transport transport, tcp::socket socket) {
    const std::string_view name = transport_name(transport);
    boost::system::error_code ec;
    const auto from = socket.remote_endpoint(ec);
    if (ec) return;
    const std::string ip = ip_text(from.address());
    const std::string source = source_key(ip);
    if (connections.size() >= config.max_connections) {
      log->warn("{} connection limit ({}) reached, refusing a connection", name,
                config.max_connections);
      socket.close(ec);
      return;
    }
    if (auto open = per_source.find(source);
        open != per_source.end() && open->second >= config.max_connections_per_source) {
      // One host may not take every slot.
      log->debug("{} connection from {} refused: {} already open", name, ip,
                 config.max_connections_per_source);
      socket.close(ec);
      return;
    }
    if (transport == Transport::Tls && !accept_tls_now(source)) {
      log->debug("TLS connection from {} refused: too many handshakes this second", ip);
      socket.close(ec);
      return;
    }
    auto conn = std::make_shared<Connection>(io, config.limits);
    conn->peer = Peer{transport, ip, from.port(), 0};
    if (transport == Transport::Tls) {
      conn->tls_context = tls_server;
      conn->tls.emplace(std::move(socket), *conn->tls_context);
    } else {
      conn->socket = std::move(socket);
    }
    add_connection(conn);
    if (transport != Transport::Tls) {
      up(conn);
      return;
    }
    // Nothing is read as SIP before the handshake; it must end in handshake_timeout.
    start_timer(conn, config.handshake_timeout, "TLS handshake timeout");
    conn->tls->async_handshake(ssl::stream_base::server, [self = shared_from_this(), conn](
                                                             const boost::system::error_code& e) {
      if (conn->closed) return;
      if (e) {
        self->log->info("TLS handshake with {} failed: {}", conn->peer.host_port(), e.message());
        self->close(conn, "handshake failed");
        return;
      }
      self->up(conn);
    });
  }

  // The connection is up (connected, and for TLS handshaken and verified): the idle clock
  // starts, what waited is written, and reading begins.
  void up(const ConnectionPtr& conn) {
    conn->connected = true;
    touch(conn);
    flush(conn);
    stream_read(conn);
  }

  void add_connection(const ConnectionPtr& conn) {
    conn->source = source_key(conn->peer.ip);
    ++per_source[conn->source];
    conn->id = next_id++;
    conn->peer.connection = conn->id;
    connections[conn->id] = conn;
    // A connection someone opened to us never takes the place of one we opened: requests
    // to a verified peer must not go to whoever connected from its address.
    const std::string key = peer_key(conn->peer);
    auto existing = by_peer.find(key);
    if (existing == by_peer.end() || conn->outbound ||
        !connections.at(existing->second)->outbound) {
      by_peer[key] = conn->id;
    }
    touch(conn);
  }

  void touch(const ConnectionPtr& conn) { start_timer(conn, config.idle_timeout, "idle"); }

  void start_timer(const ConnectionPtr& conn, std::chrono::seconds after, const char* why) {
    conn->idle.expires_after(after);
    conn->idle.async_wait(
        [self = shared_from_this(), conn, why](const boost::system::error_code& ec) {
          if (!ec) self->close(conn, why);
        });
  }

  void close(const ConnectionPtr& conn, std::string_view why) {
    if (conn->closed) return;
    conn->closed = true;
    log->debug("closing {} connection {} to {}: {}", transport_name(conn->peer.transport), conn->id,
               conn->peer.host_port(), why);
    boost::system::error_code ignored;
    conn->lowest().close(ignored);
    conn->idle.cancel();
    auto it = by_peer.find(peer_key(conn->peer));
    if (it != by_peer.end() && it->second == conn->id) by_peer.erase(it);
    connections.erase(conn->id);
    if (auto count = per_source.find(conn->source);
        count != per_source.end() && --count->second == 0) {
      per_source.erase(count);
    }
    // An outgoing connection that never came up: its messages are lost, say so.
    if (conn->outbound && !conn->connected && !conn->out.empty() && !stopped && on_failure) {
      Peer to = conn->peer;
      to.connection = 0;
      on_failure(to);
    }
    if (conn->outbound && conn->connected && !stopped && on_closed) {
      Peer to = conn->peer;
      to.connection = 0;
      asio::post(io, [self = shared_from_this(), to] {
        if (!self->stopped && self->on_closed) self->on_closed(to);
      });
    }
  }

  void stream_read(const ConnectionPtr& conn) {
    auto on_read = [self = shared_from_this(), conn](const boost::system::error_code& ec,
                                                     std::size_t n) { self->on_read(conn, ec, n); };
    if (conn->tls) {
      conn->tls->async_read_some(asio::buffer(conn->buf), std::move(on_read));
    } else {
      conn->socket.async_read_some(asio::buffer(conn->buf), std::move(on_read));
    }
  }

  void on_read(const ConnectionPtr& conn, const boost::system::error_code& ec, std::size_t n) {
    if (conn->closed) return;
    if (ec) {
      close(conn, ec.message());
      return;
    }
    touch(conn);
    conn->framer.feed(std::string_view(conn->buf.data(), n));
    while (auto next = conn->framer.next()) {
      if (!*next) {
        log->debug("{} framing error from {}: {}", transport_name(conn->peer.transport),
                   conn->peer.host_port(), next->error().message);
        close(conn, "framing error");
        return;
      }
      std::string original = next->value();
      receive(std::move(next->value()), original, conn->peer);
      if (conn->closed) return;
    }
    if (conn->framer.pong_requested()) stream_write(conn, "\r\n");
    if (conn->framer.buffered() > config.max_buffer) {
      close(conn, "buffer limit");
      return;
    }
    stream_read(conn);
  }

  void stream_write(const ConnectionPtr& conn, std::string bytes) {
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
    auto on_written = [self = shared_from_this(), conn](const boost::system::error_code& ec,
                                                        std::size_t) {
      conn->writing = false;
      if (conn->closed) return;
      if (ec) {
        self->close(conn, ec.message());
        return;
      }
      conn->out_bytes -= conn->out.front().size();
      conn->out.pop_front();
      self->flush(conn);
    };
    if (conn->tls) {
      asio::async_write(*conn->tls, asio::buffer(conn->out.front()), std::move(on_written));
    } else {
      asio::async_write(conn->socket, asio::buffer(conn->out.front()), std::move(on_written));
    }
  }

  Result<void> stream_send(std::string bytes, const Peer& to) {
    if (to.connection != 0) {
      auto it = connections.find(to.connection);
      if (it != connections.end()) {
        stream_write(it->second, std::move(bytes));
        return {};
      }
    }
    const bool trusted = to.transport == Transport::Tls && tls_trust.contains(to.host_port());
    if (auto it = by_peer.find(peer_key(to)); it != by_peer.end()) {
      const ConnectionPtr& conn = connections.at(it->second);
      // To a peer verified by its certificate: only over a connection we opened to it.
      if (!trusted || conn->outbound) {
        stream_write(conn, std::move(bytes));
        return {};
      }
    }
    const std::string_view name = transport_name(to.transport);
    const PeerTrust* trust = nullptr;
    if (to.transport == Transport::Tls) {
      // Requests carry call keys and answers: never to a TLS peer this side cannot verify.
      auto found = tls_trust.find(to.host_port());
      if (found == tls_trust.end()) {
        return make_error(
            "no TLS connection from " + to.host_port() + ", and no certificate to verify it with",
            Errc::Unavailable);
      }
      trust = &found->second;
    }
    if (connections.size() >= config.max_connections) {
      return make_error(std::string(name) + " connection limit reached", Errc::Unavailable);
    }
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(to.ip, ec);
    if (ec) return make_error("bad destination address " + to.ip, Errc::Invalid);
    auto conn = std::make_shared<Connection>(io, config.limits);
    conn->peer = to;
    conn->peer.connection = 0;
    conn->outbound = true;
    if (trust != nullptr) {
      conn->tls_context = trust->context;
      conn->tls.emplace(io, *conn->tls_context);
    }
    add_connection(conn);
    conn->out_bytes = bytes.size();
    conn->out.push_back(std::move(bytes));
    if (conn->tls) start_timer(conn, config.handshake_timeout, "TLS connect timeout");
    conn->lowest().async_connect(
        tcp::endpoint(addr, to.port),
        [self = shared_from_this(), conn](const boost::system::error_code& e) {
          if (conn->closed) return;
          if (e) {
            self->log->info("{} connect to {} failed: {}", transport_name(conn->peer.transport),
                            conn->peer.host_port(), e.message());
            self->close(conn, "connect failed");
            return;
          }
          if (conn->tls) {
            self->client_handshake(conn);
            return;
          }
          self->up(conn);
        });
    return {};
  }

  void client_handshake(const ConnectionPtr& conn) {
    conn->tls->async_handshake(ssl::stream_base::client, [self = shared_from_this(), conn](
                                                             const boost::system::error_code& e) {
      if (conn->closed) return;
      const std::string where = conn->peer.host_port();
      if (e) {
        const long verify = SSL_get_verify_result(conn->tls->native_handle());
        self->log->warn("TLS to {} failed: {}{}", where, e.message(),
                        verify != X509_V_OK ? std::string(" (certificate: ") +
                                                  X509_verify_cert_error_string(verify) + ")"
                                            : std::string());
        self->close(conn, "handshake failed");
        return;
      }
      if (auto refused = self->check_peer_name(*conn)) {
        self->log->warn("TLS to {} refused: {}", where, *refused);
        self->close(conn, "certificate does not name the peer");
        return;
      }
      self->up(conn);
    });
  }

  // The chain was verified in the handshake; a certificate that is itself trusted (pinned)
  // needs nothing more, any other must name the address it was reached at.
  std::optional<std::string> check_peer_name(Connection& conn) {
    auto found = tls_trust.find(conn.peer.host_port());
    if (found == tls_trust.end()) return "no trust for this peer";  // removed meanwhile
    X509Ptr leaf(SSL_get1_peer_certificate(conn.tls->native_handle()));
    if (!leaf) return "no certificate";
    for (const auto& pinned : found->second.trusted) {
      if (X509_cmp(leaf.get(), pinned.get()) == 0) return std::nullopt;
    }
    if (X509_check_ip_asc(leaf.get(), conn.peer.ip.c_str(), 0) == 1) return std::nullopt;
    return "the certificate does not name " + conn.peer.ip;
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
      if (auto r = listen(acceptor, Transport::Tcp, addr, config.port); !r) return r;
      if (config.port == 0) config.port = acceptor.local_endpoint().port();
    }
    return {};
  }

  static Result<void> listen(tcp::acceptor& a, Transport t, const asio::ip::address& addr,
                             std::uint16_t port) {
    boost::system::error_code ec;
    tcp::endpoint ep(addr, port);
    a.open(ep.protocol(), ec);
    if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && addr.is_v6()) a.set_option(asio::ip::v6_only(false), ec);
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return make_error("cannot bind SIP " + std::string(transport_name(t)) + " " +
                        Peer{t, ip_text(addr), port, 0}.host_port() + ": " + ec.message());
    }
    return {};
  }

  void unbind() {
    boost::system::error_code ignored;
    udp_socket.close(ignored);
    acceptor.close(ignored);
  }

  std::uint16_t tls_port() const {
    boost::system::error_code ec;
    auto ep = tls_acceptor.local_endpoint(ec);
    return ec ? 0 : ep.port();
  }

  Result<void> send(std::string bytes, const Peer& to) {
    if (to.transport == Transport::Udp) return udp_send(bytes, to);
    return stream_send(std::move(bytes), to);
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
  if (d.config.tls_port) {
    auto context = server_context(d.config.tls_certificate_pem, d.config.tls_private_key_pem);
    if (!context) {
      d.unbind();
      return context.error();
    }
    d.tls_server = std::move(*context);
    if (auto r = Impl::listen(d.tls_acceptor, Transport::Tls, addr, *d.config.tls_port); !r) {
      d.unbind();
      return r;
    }
  }
  if (d.config.udp) d.udp_read();
  if (d.config.tcp) d.stream_accept(Transport::Tcp);
  if (d.config.tls_port) d.stream_accept(Transport::Tls);
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
    if (auto r = Impl::listen(next_acceptor, Transport::Tcp, addr, port); !r) return r;
  }
  // The old sockets' pending operations end with operation_aborted and do not re-arm.
  d.unbind();
  d.udp_socket = std::move(next_udp);
  d.acceptor = std::move(next_acceptor);
  d.config.port = port;
  if (!d.stopped) {
    if (d.config.udp) d.udp_read();
    if (d.config.tcp) d.stream_accept(Transport::Tcp);
  }
  d.log->info("SIP now on {} (UDP, TCP)", where);
  return {};
}

Result<void> AsioTransport::rebind_tls(std::uint16_t port) {
  auto& d = *impl_;
  if (!d.config.tls_port) return make_error("SIP over TLS is off", Errc::Unavailable);
  if (port == 0) return make_error("SIP TLS port: 1 to 65535", Errc::Invalid);
  if (port == d.tls_port()) return {};
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(d.config.listen_ip, ec);
  if (ec) return make_error("bad SIP listen address '" + d.config.listen_ip + "'");
  tcp::acceptor next(d.io);
  if (auto r = Impl::listen(next, Transport::Tls, addr, port); !r) return r;
  d.tls_acceptor.close(ec);
  d.tls_acceptor = std::move(next);
  d.config.tls_port = port;
  if (!d.stopped) d.stream_accept(Transport::Tls);
  d.log->info("SIP over TLS now on {}", Peer{Transport::Tls, ip_text(addr), port, 0}.host_port());
  return {};
}

Result<void> AsioTransport::set_tls_identity(const std::string& certificate_pem,
                                             const std::string& private_key_pem) {
  auto context = server_context(certificate_pem, private_key_pem);
  if (!context) return context.error();
  impl_->tls_server = std::move(*context);
  impl_->config.tls_certificate_pem = certificate_pem;
  impl_->config.tls_private_key_pem = private_key_pem;
  return {};
}

Result<void> AsioTransport::set_tls_trust(std::vector<TlsPeerTrust> peers) {
  std::unordered_map<std::string, Impl::PeerTrust> next;
  for (auto& p : peers) {
    auto ip = numeric_ip(p.ip);
    if (!ip || p.port == 0) return make_error("bad TLS peer address '" + p.ip + "'", Errc::Invalid);
    Impl::PeerTrust trust;
    trust.pem = p.trusted_pem;
    trust.trusted = read_certificates(p.trusted_pem);
    if (trust.trusted.empty()) {
      return make_error("no PEM certificate to verify " + p.ip + " with", Errc::Invalid);
    }
    auto context = client_context(trust.trusted);
    if (!context) return context.error();
    trust.context = std::move(*context);
    next[Peer{Transport::Tls, *ip, p.port, 0}.host_port()] = std::move(trust);
  }
  // Connections verified under a trust that changed or went are closed: a certificate
  // replaced because it was compromised must not keep its connection.
  auto& d = *impl_;
  std::vector<Impl::ConnectionPtr> stale;
  for (const auto& [id, conn] : d.connections) {
    if (!conn->outbound || conn->peer.transport != Transport::Tls) continue;
    auto before = d.tls_trust.find(conn->peer.host_port());
    auto after = next.find(conn->peer.host_port());
    if (after == next.end() || before == d.tls_trust.end() ||
        before->second.pem != after->second.pem)
      stale.push_back(conn);
  }
  d.tls_trust = std::move(next);
  for (auto& conn : stale) d.close(conn, "its certificate trust changed");
  return {};
}

void AsioTransport::stop() {
  auto& d = *impl_;
  if (d.stopped) return;
  d.stopped = true;
  boost::system::error_code ignored;
  d.udp_socket.close(ignored);
  d.acceptor.close(ignored);
  d.tls_acceptor.close(ignored);
  auto conns = d.connections;
  for (auto& [id, conn] : conns) d.close(conn, "shutdown");
}

void AsioTransport::set_handler(Handler handler) {
  impl_->handler = std::move(handler);
}

void AsioTransport::set_failure_handler(FailureHandler handler) {
  impl_->on_failure = std::move(handler);
}

void AsioTransport::set_closed_handler(ClosedHandler handler) {
  impl_->on_closed = std::move(handler);
}

Result<void> AsioTransport::send(std::string bytes, const Peer& to) {
  if (impl_->stopped) return make_error("transport stopped", 503);
  return impl_->send(std::move(bytes), to);
}

std::uint64_t AsioTransport::connection_to(const Peer& to) const {
  if (to.transport == Transport::Udp) return 0;
  const auto& d = *impl_;
  auto it = d.by_peer.find(Impl::peer_key(to));
  if (it == d.by_peer.end()) return 0;
  // A peer verified by its certificate: only the connection we opened and verified.
  if (to.transport == Transport::Tls && d.tls_trust.contains(to.host_port())) {
    const auto& conn = d.connections.at(it->second);
    if (!conn->outbound || !conn->connected) return 0;
  }
  return it->second;
}

LocalAddress AsioTransport::local(Transport t) const {
  const auto& d = *impl_;
  // Without a TLS listener (a phone that only connects out), a port for the Contact only:
  // requests reach it over its own connection.
  if (t == Transport::Tls && d.tls_port() != 0) return LocalAddress{d.advertised, d.tls_port()};
  return LocalAddress{d.advertised, d.config.port};
}

std::size_t AsioTransport::connection_count() const {
  return impl_->connections.size();
}

}  // namespace vto::sip
