// "IP:PORT" parsing for command lines and configuration (numeric addresses only).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sip/transport/transport.h"

namespace vto::sip {

struct HostPort {
  std::string host;  // numeric, IPv6 without brackets
  std::uint16_t port = 0;
};

inline std::optional<HostPort> parse_host_port(const std::string& text,
                                               std::uint16_t default_port) {
  std::string host = text;
  std::uint16_t port = default_port;
  auto colon = text.rfind(':');
  auto bracket = text.rfind(']');
  const bool bare_ipv6 = bracket == std::string::npos && text.find(':') != colon;  // "::1": no port
  if (colon != std::string::npos && !bare_ipv6 &&
      (bracket == std::string::npos || colon > bracket)) {
    host = text.substr(0, colon);
    const std::string digits = text.substr(colon + 1);
    if (digits.empty() || digits.size() > 5 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    const int p = std::stoi(digits);
    if (p > 65535) return std::nullopt;
    port = static_cast<std::uint16_t>(p);
  }
  auto ip = sip::numeric_ip(host);
  if (!ip) return std::nullopt;
  return HostPort{*ip, port};
}

}  // namespace vto::sip
