// NetworkInterface: applies Network Setting › Basic's addresses to a Linux network interface
// on a real board (`vtod --network-interface eth0`): the IPv4 address and mask, the default
// route through the gateway, and the DNS servers in a resolv.conf. Without an interface
// (a PC running the simulated modules) vtod only keeps and shows the addresses.
//
// The address and route are set by running iproute2's `ip` directly (fork + exec of a
// fixed path, an argument vector of checked values: no shell), each run bounded in time.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace boost::asio {
class io_context;
}

namespace vto::station {

struct InterfaceAddresses {
  std::string ip, mask, gateway, dns1, dns2;  // checked IPv4 texts; gateway/dns may be empty
  bool operator==(const InterfaceAddresses&) const = default;
};

// 1-15 characters of letters, digits, '_', '-', '.' (and not "." or ".."): a Linux
// interface name; an error naming the rule otherwise.
Result<void> check_interface_name(std::string_view name);

// The prefix length of a checked netmask (255.255.255.0 -> 24).
int prefix_length(const std::string& mask);

// The `ip` runs that give `interface` the addresses, in order (argv without the program).
std::vector<std::vector<std::string>> ip_commands(const std::string& interface,
                                                  const InterfaceAddresses& a);

// The resolv.conf for the DNS servers (a header line, then one nameserver line each).
std::string resolv_conf_text(const InterfaceAddresses& a);

class NetworkInterface {
 public:
  // `interface` must pass check_interface_name(). `resolv_conf` empty: DNS is not written.
  // The `ip` runs are watched by `io` (the core's): nothing waits for them.
  NetworkInterface(boost::asio::io_context& io, std::string interface, std::string resolv_conf);

  const std::string& interface() const { return interface_; }

  // Runs ip_commands() one after the other and writes the resolv.conf (atomically), then
  // calls `done` on the io_context. Stops at the first failure, with `ip`'s own message;
  // a run that takes more than 5 s is killed and fails.
  void apply(const InterfaceAddresses& a, std::function<void(Result<void>)> done) const;
  // Takes the interface's global IPv4 addresses and its default route away, and writes a
  // resolv.conf without servers (a DHCP lease that ran out).
  void clear(std::function<void(Result<void>)> done) const;

 private:
  void run_from(std::shared_ptr<std::vector<std::vector<std::string>>> runs, std::size_t next,
                bool last_may_fail, InterfaceAddresses a,
                std::function<void(Result<void>)> done) const;
  Result<void> write_resolv_conf(const InterfaceAddresses& a) const;

  boost::asio::io_context& io_;
  std::string interface_;
  std::string resolv_conf_;
  std::string ip_tool_;  // /usr/sbin/ip or /sbin/ip
};

}  // namespace vto::station
