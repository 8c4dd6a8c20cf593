// ONVIF (src/onvif): the Device and Media services on both web ports, and WS-Discovery, as
// Network › Integrations switches them. docs/onvif.md.
#include <openssl/sha.h>

#include <fstream>

#include "app/station.h"
#include "core/text.h"
#include "core/unix_clock.h"
#include "station/network_interface.h"

namespace vto::app {

namespace {

// Hex of SHA-256("openvto " + what + serial): stable per device, telling nothing of it.
std::string device_hash(const std::string& what, const std::string& serial) {
  const std::string input = "openvto " + what + " " + serial;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return core::hex(digest);
}

}  // namespace

// The MAC address clients know the door by (Home Assistant's unique id): the interface's
// own on a board, else a locally administered one made from the serial number.
std::string Station::onvif_mac() {
  if (!options_.network_interface.empty()) {
    std::ifstream in("/sys/class/net/" + options_.network_interface + "/address");
    std::string mac;
    if (in >> mac && mac.size() == 17) return mac;
  }
  const std::string h = device_hash("mac", serial_number());
  std::string mac = "02";
  for (int i = 0; i < 5; ++i) mac += ":" + h.substr(2 * i, 2);
  return mac;
}

onvif::DeviceFacts Station::onvif_device() {
  onvif::DeviceFacts d;
  d.firmware = VTO_VERSION;
  d.serial = serial_number();
  d.hardware = board_->board().description();
  if (d.hardware.empty() || d.hardware.size() > 64) d.hardware = "OpenVTO";
  d.name = "OpenVTO " + local_.vto_number;
  d.hostname = "openvto-" + local_.vto_number;
  d.mac = onvif_mac();
  d.ip = network_.ip;
  d.prefix_length = station::prefix_length(network_.mask);
  d.dhcp = network_.dhcp;
  for (const auto& s : {network_.dns1, network_.dns2})
    if (!s.empty()) d.dns.push_back(s);
  d.time_zone = time_zone_.empty() ? "UTC" : time_zone_;
  // System › Maintenance's time setting: NTP on or off, and its servers (none listed
  // while it was never saved).
  if (auto t = saved_time_setting()) {
    d.ntp = t->ntp;
    d.ntp_servers = t->ntp_servers;
  }
  return d;
}

void Station::add_onvif_routes() {
  onvif::OnvifService::Hooks hooks;
  hooks.device = [this] { return onvif_device(); };
  hooks.streams = [this] {
    onvif::StreamFacts s;
    s.main_width = options_.video_size.first;
    s.main_height = options_.video_size.second;
    s.sub_width = options_.sub_size.first;
    s.sub_height = options_.sub_size.second;
    s.rtsp_port = live_view_->port();
    return s;
  };
  hooks.now_ms = core::system_unix_ms;
  hooks.enabled = [this] { return integrations_.onvif; };
  hooks.allowed = [this](std::string_view ip) { return security_.allow_list.allows(ip); };
  hooks.reboot = [this](const std::string& user) {
    request_restart("asked by " + user + " over ONVIF");
  };
  hooks.audit = [this](const std::string& user, const std::string& address,
                       const std::string& action,
                       const std::string& detail) { audit_compat(user, address, action, detail); };
  onvif_ = std::make_unique<onvif::OnvifService>(*viewer_auth_, std::move(hooks));
  onvif_->add_routes(*http_);
  onvif_->add_routes(*redirect_);

  onvif::WsDiscovery::Hooks discovery;
  discovery.facts = [this] {
    const onvif::DeviceFacts d = onvif_device();
    const std::string h = device_hash("endpoint", d.serial);
    return onvif::DiscoveryFacts{"urn:uuid:" + h.substr(0, 8) + "-" + h.substr(8, 4) + "-5" +
                                     h.substr(13, 3) + "-8" + h.substr(17, 3) + "-" +
                                     h.substr(20, 12),
                                 onvif::device_scopes(d.name, d.hardware, d.mac), 1};
  };
  // The plain HTTP port, which every ONVIF client speaks; HTTPS when plain HTTP is off.
  discovery.xaddr = [this](const std::string& local) {
    const std::string host = network_.ip.empty() || network_.dhcp ? local : network_.ip;
    if (redirect_running_)
      return "http://" + host + ":" + std::to_string(redirect_->port()) + "/onvif/device_service";
    return "https://" + host + ":" + std::to_string(http_->port()) + "/onvif/device_service";
  };
  discovery.allowed = [this](std::string_view ip) { return security_.allow_list.allows(ip); };
  discovery.now_ms = core::system_unix_ms;
  ws_discovery_ = std::make_unique<onvif::WsDiscovery>(io_, std::move(discovery));
}

Result<void> Station::set_onvif_discovery(bool on) {
  if (on && !ws_discovery_->running()) {
    if (auto r = ws_discovery_->start(); !r) return r;
    log_->info("ONVIF WS-Discovery on UDP {}", ws_discovery_->port());
  } else if (!on && ws_discovery_->running()) {
    ws_discovery_->stop();
    log_->info("ONVIF WS-Discovery off");
  }
  return {};
}

}  // namespace vto::app
