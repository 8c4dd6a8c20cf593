// The real transport: UDP and TCP sockets on a Boost.Asio io_context (the core thread).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "sip/transport/transport.h"

namespace boost::asio {
class io_context;
}

namespace vto::sip {

struct TransportConfig {
  std::string listen_ip = "0.0.0.0";  // numeric; "::" for IPv6
  std::uint16_t port = 5060;
  // The address written in Via, Contact and Record-Route; empty: the listen address, or
  // the primary interface's address when listening on every interface.
  std::string advertise_ip;
  bool udp = true;
  bool tcp = true;
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_source = 32;  // inbound, from one address
  std::size_t max_buffer = 256 * 1024;          // per TCP connection, unframed bytes
  // Bytes waiting to be written to one TCP connection; a peer that sends and never reads
  // (its answers pile up) is disconnected past this.
  std::size_t max_write_queue = 1024 * 1024;
  std::chrono::seconds idle_timeout{600};  // closes TCP connections without traffic
  Limits limits;
};

class AsioTransport final : public TransportLayer {
 public:
  AsioTransport(boost::asio::io_context& io, TransportConfig config);
  ~AsioTransport() override;

  // Binds the sockets; an error names the address that could not be bound.
  Result<void> start();
  void stop();
  // Moves UDP and the TCP listener to another port (same address): the new sockets are
  // bound first (an error changes nothing), then the old ones are closed. Established TCP
  // connections stay. Port 0 is refused here.
  Result<void> rebind(std::uint16_t port);

  void set_handler(Handler handler) override;
  Result<void> send(std::string bytes, const Peer& to) override;
  LocalAddress local(Transport t) const override;
  std::uint64_t connection_to(const Peer& to) const override;

  std::size_t connection_count() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with pending asynchronous operations
};

}  // namespace vto::sip
