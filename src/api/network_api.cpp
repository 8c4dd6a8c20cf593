#include "api/network_api.h"

#include <arpa/inet.h>

#include <map>
#include <set>

namespace vto::api {
namespace {

using nlohmann::json;

bool ipv4(const std::string& s) {
  in_addr a{};
  return !s.empty() && s.size() <= 15 && ::inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool netmask(const std::string& s) {
  in_addr a{};
  if (!ipv4(s) || ::inet_pton(AF_INET, s.c_str(), &a) != 1) return false;
  const std::uint32_t m = ntohl(a.s_addr);
  return m != 0 && ((~m + 1) & ~m) == 0;  // ones, then zeros
}

// A checked IPv4 text as a number, host byte order.
std::uint32_t host_order(const std::string& s) {
  in_addr a{};
  ::inet_pton(AF_INET, s.c_str(), &a);
  return ntohl(a.s_addr);
}

bool account_name(const std::string& s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '#' || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool sip_password(const std::string& s) {
  if (s.size() > 64) return false;
  for (char c : s)
    if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') return false;
  return true;
}

bool domain_text(const std::string& s) {
  if (s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

constexpr const char* kNetworkText[] = {"ip", "mask", "gateway", "dns1", "dns2"};
constexpr const char* kNetworkPorts[] = {"http_port", "https_port",   "rtsp_port",
                                         "sip_port",  "sip_tls_port", "dhip_port"};
constexpr const char* kSipText[] = {"server_ip",
                                    "domain",
                                    "user",
                                    "password",
                                    "alternate_ip",
                                    "alternate_user",
                                    "alternate_password",
                                    "alternate_vts_ip",
                                    "transport",
                                    "server_certificate",
                                    "srtp"};
constexpr std::size_t kMaxCertificateText = 64 * 1024;

std::string* text_member(NetworkBasic& n, std::string_view k) {
  if (k == "ip") return &n.ip;
  if (k == "mask") return &n.mask;
  if (k == "gateway") return &n.gateway;
  if (k == "dns1") return &n.dns1;
  return &n.dns2;
}

std::uint16_t* port_member(NetworkBasic& n, std::string_view k) {
  if (k == "http_port") return &n.http_port;
  if (k == "https_port") return &n.https_port;
  if (k == "rtsp_port") return &n.rtsp_port;
  if (k == "dhip_port") return &n.dhip_port;
  if (k == "sip_tls_port") return &n.sip_tls_port;
  return &n.sip_port;
}

std::string* sip_member(SipServerSettings& s, std::string_view k) {
  if (k == "server_ip") return &s.server_ip;
  if (k == "domain") return &s.domain;
  if (k == "user") return &s.user;
  if (k == "password") return &s.password;
  if (k == "alternate_ip") return &s.alternate_ip;
  if (k == "alternate_user") return &s.alternate_user;
  if (k == "alternate_password") return &s.alternate_password;
  if (k == "transport") return &s.transport;
  if (k == "server_certificate") return &s.server_certificate;
  if (k == "srtp") return &s.srtp;
  return &s.alternate_vts_ip;
}

}  // namespace

std::optional<SettingError> check_network(const NetworkBasic& n, const NetworkBasic* saved) {
  if (!ipv4(n.ip)) return SettingError{"ip", "an IPv4 address like 192.168.1.108"};
  if (!netmask(n.mask)) return SettingError{"mask", "a subnet mask like 255.255.255.0"};
  if (!n.gateway.empty() && !ipv4(n.gateway))
    return SettingError{"gateway", "empty, or an IPv4 address"};
  const std::uint32_t ip = host_order(n.ip), mask = host_order(n.mask);
  if (mask <= 0xFFFFFFFCu) {  // a /30 or wider has a network and a broadcast address
    if ((ip & ~mask) == 0) return SettingError{"ip", "the network's own address, not a device's"};
    if ((ip & ~mask) == ~mask) return SettingError{"ip", "the network's broadcast address"};
  }
  if (!n.gateway.empty()) {
    const std::uint32_t gw = host_order(n.gateway);
    if ((gw & mask) != (ip & mask))
      return SettingError{"gateway", "must be in the IP address's network (IP address and mask)"};
    if (gw == ip) return SettingError{"gateway", "must not be this device's own IP address"};
  }
  if (!n.dns1.empty() && !ipv4(n.dns1)) return SettingError{"dns1", "empty, or an IPv4 address"};
  if (!n.dns2.empty() && !ipv4(n.dns2)) return SettingError{"dns2", "empty, or an IPv4 address"};
  std::map<std::uint16_t, const char*> seen;
  NetworkBasic copy = n;
  NetworkBasic before = saved ? *saved : n;
  for (const char* k : kNetworkPorts) {
    const std::uint16_t p = *port_member(copy, k);
    if (p == 0) return SettingError{k, "1 to 65535"};
    auto [it, fresh] = seen.emplace(p, k);
    if (fresh) continue;
    // The error goes beside the port that was changed, naming the other one.
    const char* other = it->second;
    const char* changed = k;
    if (saved && *port_member(before, other) != p && *port_member(before, k) == p) {
      std::swap(changed, other);
    }
    return SettingError{changed,
                        "already used by " + std::string(other) + " (" + std::to_string(p) + ")"};
  }
  return std::nullopt;
}

std::string_view mode_name(SipServerMode mode) {
  switch (mode) {
    case SipServerMode::This:
      return "this";
    case SipServerMode::Vto:
      return "vto";
    case SipServerMode::Platform:
      return "platform";
  }
  return "this";
}

std::optional<SipServerMode> parse_sip_server_mode(std::string_view name) {
  if (name == "this") return SipServerMode::This;
  if (name == "vto") return SipServerMode::Vto;
  if (name == "platform") return SipServerMode::Platform;
  return std::nullopt;
}

std::optional<SettingError> check_sip_server(const SipServerSettings& s) {
  if (s.srtp != "off" && s.srtp != "preferred" && s.srtp != "required")
    return SettingError{"srtp", "off, preferred or required"};
  if (s.server_certificate.size() > kMaxCertificateText)
    return SettingError{"server_certificate", "at most 64 KiB of PEM"};
  if (!s.server_certificate.empty() &&
      s.server_certificate.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return SettingError{"server_certificate", "PEM certificates (-----BEGIN CERTIFICATE-----)"};
  if (s.mode == SipServerMode::This) return std::nullopt;
  if (s.transport != "tcp" && s.transport != "tls") return SettingError{"transport", "tcp or tls"};
  if (s.transport == "tls" && s.server_certificate.empty())
    return SettingError{"server_certificate",
                        "required over TLS: the server's certificate, or the CA that signed it"};
  if (!ipv4(s.server_ip)) return SettingError{"server_ip", "an IPv4 address"};
  if (s.server_port == 0) return SettingError{"server_port", "1 to 65535"};
  if (!domain_text(s.domain))
    return SettingError{"domain", "letters, digits, '.' and '-', at most 64"};
  if (s.mode == SipServerMode::Vto && s.domain.empty())
    return SettingError{"domain", "required (usually VDP)"};
  if (!account_name(s.user))
    return SettingError{"user", "1 to 32 letters, digits, '#', '_', '-' or '.'"};
  if (!sip_password(s.password))
    return SettingError{"password", "at most 64 printable characters without spaces, '\"' or '\\'"};
  if (s.mode == SipServerMode::Platform) {
    if (!s.alternate_ip.empty() && !ipv4(s.alternate_ip))
      return SettingError{"alternate_ip", "empty, or an IPv4 address"};
    if (!s.alternate_ip.empty() && !account_name(s.alternate_user))
      return SettingError{"alternate_user", "1 to 32 letters, digits, '#', '_', '-' or '.'"};
    if (!sip_password(s.alternate_password))
      return SettingError{"alternate_password",
                          "at most 64 printable characters without spaces, '\"' or '\\'"};
    if (!s.alternate_vts_ip.empty() && !ipv4(s.alternate_vts_ip))
      return SettingError{"alternate_vts_ip", "empty, or an IPv4 address"};
  }
  return std::nullopt;
}

Result<std::optional<NetworkBasic>> load_network(store::Settings& settings) {
  auto saved = settings.get("network.basic");
  if (!saved) return saved.error();
  if (!*saved) return std::optional<NetworkBasic>{};
  auto j = json::parse(**saved, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return make_error("setting network.basic: not JSON", Errc::Invalid);
  NetworkBasic n;
  for (const char* k : kNetworkText) *text_member(n, k) = j.value(k, "");
  NetworkBasic defaults;  // a port saved before it existed has its default
  for (const char* k : kNetworkPorts) *port_member(n, k) = j.value(k, *port_member(defaults, k));
  n.dhcp = j.value("dhcp", false);
  return std::optional<NetworkBasic>{n};
}

Result<std::optional<SipServerSettings>> load_sip_server(store::Settings& settings) {
  auto saved = settings.get("network.sip_server");
  if (!saved) return saved.error();
  if (!*saved) return std::optional<SipServerSettings>{};
  auto j = json::parse(**saved, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return make_error("setting network.sip_server: not JSON", Errc::Invalid);
  SipServerSettings s;
  SipServerSettings defaults;  // a field saved before it existed has its default
  for (const char* k : kSipText) *sip_member(s, k) = j.value(k, *sip_member(defaults, k));
  const auto mode = parse_sip_server_mode(j.value("mode", "this"));
  if (!mode)
    return make_error("setting network.sip_server: mode: this, vto or platform", Errc::Invalid);
  s.mode = *mode;
  s.server_port = j.value("server_port", std::uint16_t{5060});
  return std::optional<SipServerSettings>{s};
}

json to_json(const NetworkBasic& n) {
  json j;
  NetworkBasic copy = n;
  for (const char* k : kNetworkText) j[k] = *text_member(copy, k);
  for (const char* k : kNetworkPorts) j[k] = *port_member(copy, k);
  j["dhcp"] = n.dhcp;
  return j;
}

Result<Integrations> load_integrations(store::Settings& settings, const Integrations& defaults) {
  auto saved = settings.get(std::string(kIntegrationsKey));
  if (!saved) return saved.error();
  if (!*saved) return defaults;
  auto j = json::parse(**saved, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return make_error("setting network.integrations: not JSON", Errc::Invalid);
  return Integrations{
      j.value("http_api", defaults.http_api), j.value("port5000", defaults.port5000),
      j.value("rtsp_backchannel", defaults.rtsp_backchannel), j.value("onvif", defaults.onvif),
      j.value("onvif_discovery", defaults.onvif_discovery)};
}

json to_json(const Integrations& i) {
  return {{"http_api", i.http_api},
          {"port5000", i.port5000},
          {"rtsp_backchannel", i.rtsp_backchannel},
          {"onvif", i.onvif},
          {"onvif_discovery", i.onvif_discovery}};
}

Result<Integrations> integrations_from_json(const json& j, const Integrations& current) {
  Integrations out = current;
  for (const auto& [k, v] : j.items()) {
    bool* member = k == "http_api"           ? &out.http_api
                   : k == "port5000"         ? &out.port5000
                   : k == "rtsp_backchannel" ? &out.rtsp_backchannel
                   : k == "onvif"            ? &out.onvif
                   : k == "onvif_discovery"  ? &out.onvif_discovery
                                             : nullptr;
    if (member == nullptr) return make_error(k + ": no such setting", Errc::Invalid);
    if (!v.is_boolean()) return make_error(k + ": true or false", Errc::Invalid);
    *member = v.get<bool>();
  }
  return out;
}

json to_json(const SipServerSettings& s) {
  return {{"mode", mode_name(s.mode)},
          {"server_ip", s.server_ip},
          {"server_port", s.server_port},
          {"domain", s.domain},
          {"user", s.user},
          {"password_set", !s.password.empty()},
          {"alternate_ip", s.alternate_ip},
          {"alternate_user", s.alternate_user},
          {"alternate_password_set", !s.alternate_password.empty()},
          {"alternate_vts_ip", s.alternate_vts_ip},
          {"transport", s.transport},
          {"server_certificate", s.server_certificate},
          {"srtp", s.srtp}};
}

namespace {

json stored(const SipServerSettings& s) {
  json j = to_json(s);
  j.erase("password_set");
  j.erase("alternate_password_set");
  j["password"] = s.password;
  j["alternate_password"] = s.alternate_password;
  return j;
}

}  // namespace

void add_network_routes(web::HttpServer& http, WebAuth& auth, store::Settings& settings,
                        NetworkBasic& network, ApplyNetwork apply_network, SipServerSettings& sip,
                        ApplySipServer apply_sip, SipStatus sip_status,
                        std::string addresses_interface, LeaseStatus lease) {
  const bool board = !addresses_interface.empty();
  // The page: the setting, the interface its addresses are applied to (null: kept only) and
  // the DHCP lease.
  const auto page = [iface = std::move(addresses_interface), lease](const NetworkBasic& n) {
    json j = to_json(n);
    j["interface"] = iface.empty() ? json(nullptr) : json(iface);
    j["lease"] = n.dhcp && lease ? lease() : json(nullptr);
    return j.dump();
  };
  http.route(
      "GET", "/api/v1/settings/network",
      auth.guard(store::Role::Viewer, [&network, page](const web::HttpRequest&, const Principal&) {
        web::HttpResponse r;
        r.body = page(network);
        return r;
      }));
  // One change at a time: the next waits for the one being applied.
  auto applying = std::make_shared<bool>(false);
  http.route_async(
      "PUT", "/api/v1/settings/network",
      auth.guard_async(store::Role::Admin, [&, apply_network, page, applying, board](
                                               const web::HttpRequest& req, const Principal& who,
                                               web::HttpServer::Reply reply) {
        auto body = object_body(req);
        if (!body) return reply(error_response(body.error()));
        NetworkBasic next = network;
        for (const char* k : kNetworkText) {
          auto it = body->find(k);
          if (it == body->end() || it->is_null()) continue;
          if (!it->is_string()) return reply(field_error(k, "type", "must be text"));
          *text_member(next, k) = it->get<std::string>();
        }
        for (const char* k : kNetworkPorts) {
          auto it = body->find(k);
          if (it == body->end() || it->is_null()) continue;
          if (!it->is_number_unsigned() || it->get<std::uint64_t>() > 65535)
            return reply(field_error(k, "range", "1 to 65535"));
          *port_member(next, k) = static_cast<std::uint16_t>(it->get<std::uint64_t>());
        }
        if (auto it = body->find("dhcp"); it != body->end() && !it->is_null()) {
          if (!it->is_boolean()) return reply(field_error("dhcp", "type", "true or false"));
          next.dhcp = it->get<bool>();
        }
        if (next.dhcp && !board) {
          web::HttpResponse r = field_error("dhcp", "no_interface",
                                            "DHCP needs vtod to manage a network interface "
                                            "(--network-interface); here the computer's own "
                                            "network settings apply");
          r.status = 409;
          return reply(r);
        }
        if (auto bad = check_network(next, &network))
          return reply(field_error(bad->field, "invalid", bad->message));
        if (*applying)
          return reply(web::json_error(409, "a network change is being applied: try again"));
        *applying = true;
        const NetworkBasic before = network;
        apply_network(before, next, [&, next, who, reply, page, applying](Result<void> applied) {
          *applying = false;
          if (!applied) return reply(error_response(applied.error()));
          if (auto saved = settings.set("network.basic", to_json(next).dump()); !saved)
            return reply(web::json_error(500, saved.error().message));
          network = next;
          auth.audit(who, "settings_changed", "network: " + to_json(next).dump());
          web::HttpResponse r;
          r.body = page(network);
          reply(r);
        });
      }));
  http.route("GET", "/api/v1/settings/sip",
             auth.guard(store::Role::Viewer,
                        [&sip, sip_status](const web::HttpRequest&, const Principal&) {
                          json j = to_json(sip);
                          j["status"] = sip_status ? sip_status() : json::object();
                          web::HttpResponse r;
                          r.body = j.dump();
                          return r;
                        }));
  http.route(
      "PUT", "/api/v1/settings/sip",
      auth.guard(store::Role::Admin, [&, apply_sip, sip_status](const web::HttpRequest& req,
                                                                const Principal& who) {
        auto body = object_body(req);
        if (!body) return error_response(body.error());
        SipServerSettings next = sip;
        if (auto it = body->find("mode"); it != body->end() && !it->is_null()) {
          const auto mode =
              it->is_string() ? parse_sip_server_mode(it->get<std::string>()) : std::nullopt;
          if (!mode) return field_error("mode", "invalid", "this, vto or platform");
          next.mode = *mode;
        }
        for (const char* k : kSipText) {
          auto it = body->find(k);
          if (it == body->end() || it->is_null()) continue;
          if (!it->is_string()) return field_error(k, "type", "must be text");
          const std::string value = it->get<std::string>();
          // Passwords are write-only: empty keeps the saved one.
          if ((std::string_view(k) == "password" || std::string_view(k) == "alternate_password") &&
              value.empty())
            continue;
          *sip_member(next, k) = value;
        }
        if (auto it = body->find("server_port"); it != body->end() && !it->is_null()) {
          if (!it->is_number_unsigned() || it->get<std::uint64_t>() > 65535)
            return field_error("server_port", "range", "1 to 65535");
          next.server_port = static_cast<std::uint16_t>(it->get<std::uint64_t>());
        } else if (next.mode != sip.mode) {
          next.server_port = next.mode == SipServerMode::Platform ? 5080 : 5060;  // its default
        }
        if (next.mode == SipServerMode::This) next.domain = "VDP";
        if (auto bad = check_sip_server(next))
          return field_error(bad->field, "invalid", bad->message);
        const SipServerSettings before = sip;
        if (auto applied = apply_sip(before, next); !applied)
          return error_response(applied.error());
        if (auto saved = settings.set("network.sip_server", stored(next).dump()); !saved)
          return web::json_error(500, saved.error().message);
        sip = next;
        auth.audit(who, "settings_changed",
                   "SIP server: mode " + std::string(mode_name(next.mode)) +
                       (next.mode == SipServerMode::This
                            ? ""
                            : " at " + next.server_ip + ":" + std::to_string(next.server_port)));
        json j = to_json(sip);
        j["status"] = sip_status ? sip_status() : json::object();
        web::HttpResponse r;
        r.body = j.dump();
        return r;
      }));
}

}  // namespace vto::api
