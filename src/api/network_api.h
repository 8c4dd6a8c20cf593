// Network Setting in the API.
//   GET|PUT /api/v1/settings/network  Basic: IP, mask, gateway, DNS or DHCP, and the ports
//       (HTTP, HTTPS, RTSP, SIP, SIP over TLS). The addresses are applied to a network
//       interface when vtod has one (`--network-interface`, a real board: NetworkInterface, or
//       DhcpClient's lease), else kept and shown; port changes are applied at once by
//       re-binding just that listener.
//   GET|PUT /api/v1/settings/sip      SIP Server: this VTO is the SIP server ("this"),
//       another VTO is ("vto"), or a platform is ("platform", with an alternate server the
//       VTO fails over to while the main one is down), over TCP or TLS; and SRTP (off,
//       preferred, required). Applied at once.
// Passwords are write-only: a missing or empty one keeps the saved one.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "api/auth/web_auth.h"
#include "store/settings.h"

namespace vto::api {

struct NetworkBasic {
  std::string ip, mask = "255.255.255.0", gateway, dns1, dns2;
  // DHCP: the interface takes its addresses from the network's DHCP server (a board only);
  // the fields above are kept for when it is turned off.
  bool dhcp = false;
  std::uint16_t http_port = 80, https_port = 443, rtsp_port = 554, sip_port = 5060,
                sip_tls_port = 5061;
  std::uint16_t dhip_port = 5000;  // the device family's event protocol (compat/dhip_server.h)
  bool operator==(const NetworkBasic&) const = default;
};

// Network › Integrations: the device family's protocols, each switched on or off (on by
// default on the simulated board, off on a real one): its HTTP API (/cgi-bin/*.cgi but
// snapshot.cgi, which goes with the live view), its event protocol on port 5000, and RTSP
// two-way audio; and ONVIF (the same default) with its WS-Discovery (off by default
// everywhere: it answers anyone on the LAN). Saved as "network.integrations".
struct Integrations {
  bool http_api = false;
  bool port5000 = false;
  bool rtsp_backchannel = false;
  bool onvif = false;
  bool onvif_discovery = false;
  bool operator==(const Integrations&) const = default;
};
inline constexpr std::string_view kIntegrationsKey = "network.integrations";
Result<Integrations> load_integrations(store::Settings& settings, const Integrations& defaults);
nlohmann::json to_json(const Integrations& i);
// A PUT body's fields over `current`; an unknown field or a value not boolean: Errc::Invalid.
Result<Integrations> integrations_from_json(const nlohmann::json& j, const Integrations& current);

// Who is the building's SIP server: this VTO, another VTO, or a platform (with an
// alternate server while its main one does not answer).
enum class SipServerMode { This, Vto, Platform };
std::string_view mode_name(SipServerMode mode);  // "this", "vto", "platform"
std::optional<SipServerMode> parse_sip_server_mode(std::string_view name);

struct SipServerSettings {
  SipServerMode mode = SipServerMode::This;
  std::string server_ip;
  std::uint16_t server_port = 5060;  // platform: 5080 by default
  std::string domain = "VDP";        // platform: may be empty
  std::string user, password;
  std::string alternate_ip, alternate_user, alternate_password, alternate_vts_ip;
  // To another server (vto, platform): "tcp", or "tls" verified with server_certificate
  // (PEM: the CA that signed the servers' certificates, or their own certificates). Over
  // TLS the connection this VTO opened is the proof of who calls it.
  std::string transport = "tcp";
  std::string server_certificate;
  // SRTP in every call whose signalling is TLS: "off", "preferred", "required".
  std::string srtp = "preferred";
  bool operator==(const SipServerSettings&) const = default;
};

// The rules of each page, as {field, message} of the first broken one.
struct SettingError {
  std::string field, message;
};
// `saved`, when given, is the setting before the change: a port clash is said beside the
// port that changed.
std::optional<SettingError> check_network(const NetworkBasic& n,
                                          const NetworkBasic* saved = nullptr);
std::optional<SettingError> check_sip_server(const SipServerSettings& s);

// The saved page, or nothing when it was never saved (then vtod's command line holds).
Result<std::optional<NetworkBasic>> load_network(store::Settings& settings);
Result<std::optional<SipServerSettings>> load_sip_server(store::Settings& settings);

nlohmann::json to_json(const NetworkBasic& n);
nlohmann::json to_json(const SipServerSettings& s);  // passwords as *_set booleans

// Applies a checked change to the running daemon; an error (a port that cannot be bound,
// a call in progress) leaves everything as it was and is answered with its code (409...).
// Network Setting › Basic is applied asynchronously (a board's `ip` runs): `done` answers.
using ApplyNetwork = std::function<void(const NetworkBasic& before, const NetworkBasic& after,
                                        std::function<void(Result<void>)> done)>;
using ApplySipServer =
    std::function<Result<void>(const SipServerSettings& before, const SipServerSettings& after)>;
using SipStatus = std::function<nlohmann::json()>;    // registration state, for the page
using LeaseStatus = std::function<nlohmann::json()>;  // the DHCP lease, null when not in use

// `addresses_interface` is shown as the page's "interface" (empty: null, addresses kept only,
// and DHCP cannot be chosen); `lease` as its "lease".
void add_network_routes(web::HttpServer& http, WebAuth& auth, store::Settings& settings,
                        NetworkBasic& network, ApplyNetwork apply_network, SipServerSettings& sip,
                        ApplySipServer apply_sip, SipStatus sip_status,
                        std::string addresses_interface, LeaseStatus lease);

}  // namespace vto::api
