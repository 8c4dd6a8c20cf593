// WS-Discovery (2005/04, WS-Addressing 2004/08) for ONVIF clients and NVRs: vtod listens on
// UDP 3702 for multicast Probes to 239.255.255.250 and answers the ones that ask for an
// ONVIF NetworkVideoTransmitter or Device (or for anything) with a ProbeMatch, unicast to
// the prober; it announces itself with Hello when it starts and Bye when it stops. Off by
// default (Network › Integrations). Answers are capped (kMaxRepliesPerSecond) so that a
// forged source cannot turn the door into a flood.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace vto::onvif {

struct DiscoveryFacts {
  std::string endpoint;  // "urn:uuid:...", stable for the device
  std::vector<std::string> scopes;
  int metadata_version = 1;
};

// The ProbeMatches answer to `probe` (a datagram) with `xaddr` as the device service's
// address and `message_id` as its own id; none if it is not a Probe or asks for something
// this device is not.
std::optional<std::string> probe_match(std::string_view probe, const DiscoveryFacts& facts,
                                       const std::string& xaddr, const std::string& message_id);
// The same with the facts, the address and the id made only for a Probe that may match: a
// stranger's other datagrams cost their parse and nothing more.
std::optional<std::string> probe_match(std::string_view probe,
                                       const std::function<DiscoveryFacts()>& facts,
                                       const std::function<std::string()>& xaddr,
                                       const std::function<std::string()>& message_id);
// Hello (true) or Bye (false) to the multicast group.
std::string announcement(bool hello, const DiscoveryFacts& facts, const std::string& xaddr,
                         const std::string& message_id, std::uint64_t message_number);
// The scopes of a device: Profile/Streaming, its name, hardware and MAC ('/' and ' ' in a
// value percent-encoded).
std::vector<std::string> device_scopes(std::string_view name, std::string_view hardware,
                                       std::string_view mac);

class WsDiscovery {
 public:
  static constexpr std::uint16_t kPort = 3702;
  static constexpr const char* kGroup = "239.255.255.250";
  static constexpr int kMaxRepliesPerSecond = 20;

  struct Hooks {
    std::function<DiscoveryFacts()> facts;
    // The device service's URL as seen from `local` (the address the answer leaves from).
    std::function<std::string(const std::string& local)> xaddr;
    std::function<bool(std::string_view ip)> allowed;  // the IP allow-list
    std::function<std::int64_t()> now_ms;
  };

  WsDiscovery(boost::asio::io_context& io, Hooks hooks);
  ~WsDiscovery();

  // Listens (port 0: any, for tests) and says Hello.
  Result<void> start(std::uint16_t port = kPort);
  // Says Bye and closes.
  void stop();
  bool running() const { return socket_.is_open(); }
  std::uint16_t port() const;

 private:
  void receive();
  void answer(std::string_view datagram, const boost::asio::ip::udp::endpoint& from);
  void announce(bool hello);
  // The source address the kernel would use toward `to` (a connected UDP socket's).
  std::string local_address_toward(const boost::asio::ip::udp::endpoint& to);

  boost::asio::io_context& io_;
  Hooks hooks_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::ip::udp::endpoint from_;
  std::vector<char> buffer_ = std::vector<char>(16 * 1024);
  std::uint64_t message_number_ = 0;
  std::int64_t second_ = 0;
  int replies_this_second_ = 0;
};

}  // namespace vto::onvif
