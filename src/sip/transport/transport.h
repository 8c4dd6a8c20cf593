// The SIP transport layer (RFC 3261 §18): moves whole messages between this
// process and peers over UDP, TCP and TLS (§26, RFC 5630), IPv4 and IPv6. The transaction layer
// above only sees this interface; AsioTransport is the real one, tests use a fake.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "sip/message/message.h"

namespace vto::sip {

enum class Transport : std::uint8_t { Udp, Tcp, Tls };

std::string_view transport_name(Transport t);  // "UDP", "TCP", "TLS"
std::optional<Transport> parse_transport(std::string_view name);
// The URI parameter naming a transport other than UDP: "", ";transport=tcp", ";transport=tls".
std::string_view transport_param(Transport t);
// The port a URI without one means: 5061 for TLS, else 5060.
std::uint16_t default_port(Transport t);

// Where a message came from or goes to: always a numeric address.
struct Peer {
  Transport transport = Transport::Udp;
  std::string ip;  // numeric, IPv6 without brackets
  std::uint16_t port = 0;
  std::uint64_t connection = 0;  // stream transports: the connection it arrived on (0 = any)

  std::string host_port() const;  // "1.2.3.4:5060", "[::1]:5060"
  bool operator==(const Peer& o) const {
    return transport == o.transport && ip == o.ip && port == o.port;
  }
};

// The address this side writes in Via and Contact for a given transport.
struct LocalAddress {
  std::string host;  // numeric, IPv6 with brackets
  std::uint16_t port = 0;
  std::string host_port() const;
};

class TransportLayer {
 public:
  using Handler = std::function<void(Message&& message, const Peer& from)>;

  virtual ~TransportLayer() = default;
  // Every message received and parsed; requests already carry received/rport on the top Via.
  virtual void set_handler(Handler handler) = 0;
  // Sends a serialized message. On a stream transport an open connection to the peer
  // (inbound or outbound) is reused; otherwise one is opened.
  virtual Result<void> send(std::string bytes, const Peer& to) = 0;
  virtual bool reliable(Transport t) const { return t != Transport::Udp; }
  // The id of the open stream connection to `to` (as in Peer::connection), 0 when none.
  virtual std::uint64_t connection_to(const Peer& /*to*/) const { return 0; }
  virtual LocalAddress local(Transport t) const = 0;
  // Called when a connection this side opened to `to` ends before it carried anything (the
  // connect or the TLS handshake failed, the certificate was refused): what was queued for
  // it is lost (RFC 3261 §8.1.3.1, a transport error).
  using FailureHandler = std::function<void(const Peer& to)>;
  virtual void set_failure_handler(FailureHandler handler) { (void)handler; }
  // Called (later, never from inside send) when a connection this side opened to `to`
  // ends after it came up: the peer closed or reset it, or it failed. A user agent
  // registered over it has lost the way its calls come in.
  using ClosedHandler = std::function<void(const Peer& to)>;
  virtual void set_closed_handler(ClosedHandler handler) { (void)handler; }
};

using TransportLayerPtr = std::unique_ptr<TransportLayer>;

// Notes where a request really came from on its top Via (RFC 3261 §18.2.1, RFC 3581 §4):
// received= when the Via's host is not the source address, rport= filled in. So its
// responses go back to the source, whatever the Via claims. False without a usable Via.
bool stamp_received(Message& request, const Peer& from);

// Where to send a response (RFC 3261 §18.2.2 and RFC 3581): the connection it came on
// for streams, else received/rport/sent-by of the top Via.
Result<Peer> response_destination(const Message& response, const Peer& request_source);

// Where to send a request whose next hop is `uri` (a numeric or "localhost" host only;
// this device does no DNS): transport from ;transport=, TLS for a sips: URI (RFC 5630
// §3.1.3), default port 5060 (5061 for TLS).
Result<Peer> uri_destination(const Uri& uri);

// The address this host is reached at when a socket listens on every interface: the
// first non-loopback address of an interface that is up (IPv4 unless `ipv6`), else
// the loopback address. Written in Via, Contact and Record-Route.
std::string primary_address(bool ipv6);

// Numeric form of an IP literal ("[::1]" -> "::1"), nullopt when not an IP literal.
std::optional<std::string> numeric_ip(std::string_view host);

}  // namespace vto::sip
