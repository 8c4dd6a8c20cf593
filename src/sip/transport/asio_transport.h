// The real transport: UDP, TCP and TLS sockets on a Boost.Asio io_context (the core thread).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sip/transport/transport.h"

namespace boost::asio {
class io_context;
}

namespace vto::sip {

// Whom an outgoing TLS connection may reach: the peer at ip:port must show a certificate
// that chains to one in `trusted_pem` (CA certificates, or the peer's own certificate, i.e.
// a pinned one). Unless the certificate itself is pinned, it must also name `ip` in its
// subjectAltName: this device does no DNS, so an IP address is all it can check.
struct TlsPeerTrust {
  std::string ip;  // numeric, IPv6 without brackets
  std::uint16_t port = 0;
  std::string trusted_pem;  // one or more PEM certificates
};

struct TransportConfig {
  std::string listen_ip = "0.0.0.0";  // numeric; "::" for IPv6
  std::uint16_t port = 5060;
  // The address written in Via, Contact and Record-Route; empty: the listen address, or
  // the primary interface's address when listening on every interface.
  std::string advertise_ip;
  bool udp = true;
  bool tcp = true;
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_source = 32;  // inbound, from one address (IPv6: one /64)
  std::size_t max_buffer = 256 * 1024;          // per TCP connection, unframed bytes
  // Bytes waiting to be written to one TCP connection; a peer that sends and never reads
  // (its answers pile up) is disconnected past this.
  std::size_t max_write_queue = 1024 * 1024;
  std::chrono::seconds idle_timeout{600};  // closes TCP connections without traffic
  // SIP over TLS: listened on (same address) when set; 0 asks for any free port. The
  // connection caps above count TCP and TLS connections together.
  std::optional<std::uint16_t> tls_port;
  std::string tls_certificate_pem, tls_private_key_pem;  // this side's identity
  std::chrono::seconds handshake_timeout{10};            // a TLS handshake must end by then
  // New TLS connections accepted per second, in all and from one source (IPv4 address or
  // IPv6 /64): each handshake costs a signature. Past them the connection is closed.
  std::size_t max_tls_handshakes_per_second = 200;
  std::size_t max_tls_handshakes_per_source = 20;
  Limits limits;
};

class AsioTransport final : public TransportLayer {
 public:
  AsioTransport(boost::asio::io_context& io, TransportConfig config);
  ~AsioTransport() override;

  // Binds the sockets; an error names the address that could not be bound, or why the TLS
  // identity cannot be used.
  Result<void> start();
  void stop();
  // Moves UDP and the TCP listener to another port (same address): the new sockets are
  // bound first (an error changes nothing), then the old ones are closed. Established TCP
  // connections stay. Port 0 is refused here.
  Result<void> rebind(std::uint16_t port);
  // The same for the TLS listener.
  Result<void> rebind_tls(std::uint16_t port);
  // A new identity for connections accepted from now on (an uploaded certificate);
  // connections already open keep theirs. Refused when the pair is not usable.
  Result<void> set_tls_identity(const std::string& certificate_pem,
                                const std::string& private_key_pem);
  // Peers this side may open TLS connections to, and how each is verified. A TLS request
  // to any other address goes only over a connection that peer opened itself.
  Result<void> set_tls_trust(std::vector<TlsPeerTrust> peers);

  void set_handler(Handler handler) override;
  void set_failure_handler(FailureHandler handler) override;
  void set_closed_handler(ClosedHandler handler) override;
  Result<void> send(std::string bytes, const Peer& to) override;
  LocalAddress local(Transport t) const override;
  std::uint64_t connection_to(const Peer& to) const override;

  std::size_t connection_count() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with pending asynchronous operations
};

}  // namespace vto::sip
