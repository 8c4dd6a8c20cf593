#include "sip/transport/transport.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>

#include <charconv>

namespace vto::sip {

std::string_view transport_name(Transport t) {
  switch (t) {
    case Transport::Udp:
      return "UDP";
    case Transport::Tcp:
      return "TCP";
    case Transport::Tls:
      return "TLS";
  }
  return "UDP";
}

std::optional<Transport> parse_transport(std::string_view name) {
  if (iequals(name, "udp")) return Transport::Udp;
  if (iequals(name, "tcp")) return Transport::Tcp;
  if (iequals(name, "tls")) return Transport::Tls;
  return std::nullopt;
}

std::string_view transport_param(Transport t) {
  switch (t) {
    case Transport::Udp:
      return "";
    case Transport::Tcp:
      return ";transport=tcp";
    case Transport::Tls:
      return ";transport=tls";
  }
  return "";
}

std::uint16_t default_port(Transport t) {
  return t == Transport::Tls ? 5061 : 5060;
}

static std::string bracket(std::string_view ip) {
  if (ip.find(':') != std::string_view::npos) return "[" + std::string(ip) + "]";
  return std::string(ip);
}

std::string Peer::host_port() const {
  return bracket(ip) + ":" + std::to_string(port);
}

std::string LocalAddress::host_port() const {
  return host + ":" + std::to_string(port);
}

std::optional<std::string> numeric_ip(std::string_view host) {
  if (iequals(host, "localhost")) return std::string("127.0.0.1");
  std::string text(host);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
    in6_addr a6{};
    if (inet_pton(AF_INET6, text.c_str(), &a6) != 1) return std::nullopt;
    char out[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &a6, out, sizeof out);
    return std::string(out);
  }
  in_addr a4{};
  if (inet_pton(AF_INET, text.c_str(), &a4) == 1) return text;
  in6_addr a6{};
  if (inet_pton(AF_INET6, text.c_str(), &a6) == 1) {
    char out[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &a6, out, sizeof out);
    return std::string(out);
  }
  return std::nullopt;
}

std::string primary_address(bool ipv6) {
  std::string found = ipv6 ? "::1" : "127.0.0.1";
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return found;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || (i->ifa_flags & IFF_UP) == 0 ||
        (i->ifa_flags & IFF_LOOPBACK) != 0) {
      continue;
    }
    char text[INET6_ADDRSTRLEN] = {};
    if (!ipv6 && i->ifa_addr->sa_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, text, sizeof text);
    } else if (ipv6 && i->ifa_addr->sa_family == AF_INET6) {
      const auto* a6 = reinterpret_cast<sockaddr_in6*>(i->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&a6->sin6_addr)) continue;
      inet_ntop(AF_INET6, &a6->sin6_addr, text, sizeof text);
    } else {
      continue;
    }
    found = text;
    break;
  }
  freeifaddrs(list);
  return found;
}

Result<Peer> response_destination(const Message& response, const Peer& request_source) {
  if (request_source.transport != Transport::Udp && request_source.connection != 0) {
    return request_source;
  }
  auto via = response.top_via();
  if (!via) return make_error("response without a usable Via: " + via.error().message);
  Peer to;
  auto transport = parse_transport(via->transport);
  if (!transport) return make_error("unsupported transport in Via");
  to.transport = *transport;
  if (auto received = via->received()) {
    auto ip = numeric_ip(*received);
    if (!ip) return make_error("Via received= is not an IP address");
    to.ip = *ip;
  } else {
    auto ip = numeric_ip(via->host);
    if (!ip) return make_error("Via host is not an IP address (no DNS on this device)");
    to.ip = *ip;
  }
  if (auto rport = via->rport(); rport && *rport != 0) {
    to.port = *rport;
  } else {
    to.port = via->port != 0 ? via->port : default_port(to.transport);
  }
  return to;
}

Result<Peer> uri_destination(const Uri& uri) {
  Peer to;
  auto ip = numeric_ip(uri.host());
  if (!ip)
    return make_error("next hop '" + std::string(uri.host()) + "' is not an IP address", 503);
  to.ip = *ip;
  to.transport = uri.secure() ? Transport::Tls : Transport::Udp;
  if (auto t = uri.params().get("transport")) {
    auto parsed = parse_transport(*t);
    if (!parsed) return make_error("unsupported transport '" + std::string(*t) + "'", 503);
    // sips: is TLS on every hop: ";transport=tcp" there still means TLS over TCP.
    if (!uri.secure()) to.transport = *parsed;
  }
  to.port = uri.port() != 0 ? uri.port() : default_port(to.transport);
  return to;
}

namespace {

// RFC 3261 §18.2.1 and RFC 3581 §4: note where a request really came from.
std::string stamped_via(const Via& via, const Peer& from) {
  std::string out;
  out.reserve(96);
  out.append(via.protocol).append("/").append(via.transport).append(" ").append(via.sent_by_text);
  auto host_ip = numeric_ip(via.host);
  bool add_received = !host_ip || *host_ip != from.ip;
  for (const Param& p : via.params.items()) {
    if (iequals(p.name, "received")) continue;
    out.append(";").append(p.name);
    if (iequals(p.name, "rport")) {
      out.append("=").append(std::to_string(from.port));
      add_received = true;  // RFC 3581: received is always added with rport
    } else if (p.has_value) {
      out.append("=").append(p.value);
    }
  }
  if (add_received) out.append(";received=").append(from.ip);
  return out;
}

}  // namespace

bool stamp_received(Message& request, const Peer& from) {
  auto via = request.top_via();
  if (!via) return false;
  std::string stamped = stamped_via(*via, from);
  request.remove_first_value(HeaderId::Via);
  request.prepend_header(HeaderId::Via, std::move(stamped));
  return true;
}

}  // namespace vto::sip
