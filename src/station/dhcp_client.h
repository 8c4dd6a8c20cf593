// DhcpClient: takes a board's IPv4 address from the network's DHCP server (RFC 2131) when
// Network Setting › Basic is set to DHCP and vtod manages an interface (`--network-interface`).
//
// One UDP socket on port 68, tied to the interface (SO_BINDTODEVICE), asks with the
// BROADCAST flag so the answers reach a board that has no address yet. The transaction id
// comes from the CSPRNG; a reply counts only with that id, this interface's MAC, and (once
// an offer is taken) the chosen server's identifier. A lease is taken only with plausible
// values (lease_from_ack): a unicast address, a contiguous mask, a router inside the subnet.
// The client renews at T1 (unicast to its server), rebinds at T2 (broadcast), and gives the
// address up when the lease runs out; retransmissions back off from 4 s to 64 s.
//
// It does not set the address itself: `on_lease` and `on_lost` tell the Station, which has
// NetworkInterface apply or clear it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "station/dhcp_message.h"
#include "station/network_interface.h"

namespace boost::asio {
class io_context;
}

namespace vto::station {

struct DhcpLease {
  std::uint32_t ip = 0, mask = 0, gateway = 0, server = 0;  // host byte order; gateway 0: none
  std::vector<std::uint32_t> dns;                           // at most 2
  std::uint32_t lease_s = 0, t1_s = 0, t2_s = 0;            // lease_s 0xFFFFFFFF: infinite
  bool operator==(const DhcpLease&) const = default;

  InterfaceAddresses addresses() const;
};

// The lease an ACK gives, or why it is not taken ("the mask is not contiguous"...).
Result<DhcpLease> lease_from_ack(const DhcpReply& ack);

std::string ipv4_text(std::uint32_t host_order);

// The interface's Ethernet address (SIOCGIFHWADDR), or an error naming the interface.
Result<MacAddress> interface_mac(const std::string& interface);

class DhcpClient {
 public:
  enum class State { Stopped, Selecting, Requesting, Bound, Renewing, Rebinding };
  static std::string_view state_name(State s);  // "stopped", "selecting", ...

  struct Status {
    State state = State::Stopped;
    std::optional<DhcpLease> lease;
    std::chrono::system_clock::time_point obtained{};  // when the lease was last acknowledged
    std::string error;                                 // why the client cannot run, if so
  };

  // `on_lease(lease, changed)`: a lease was acknowledged (`changed`: the addresses differ
  // from the ones held before, or none were held). `on_lost`: the lease ran out or the
  // server refused it (NAK); the address must go.
  DhcpClient(boost::asio::io_context& io, std::string interface,
             std::function<void(const DhcpLease&, bool changed)> on_lease,
             std::function<void()> on_lost);
  ~DhcpClient();
  DhcpClient(const DhcpClient&) = delete;
  DhcpClient& operator=(const DhcpClient&) = delete;

  // Opens the socket and starts asking. An error (no such interface, port 68 taken by
  // another client) is also kept in status().error.
  Result<void> start();
  // Releases a held lease (a DHCPRELEASE to its server) and stops. The address itself is
  // the caller's to clear.
  void stop();

  const Status& status() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with its pending handlers
};

}  // namespace vto::station
