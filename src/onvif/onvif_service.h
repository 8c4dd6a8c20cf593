// The door as an ONVIF Profile S camera (the subset that ONVIF Device Manager, Home
// Assistant's ONVIF integration, go2rtc and NVRs use): the Device and Media services over
// SOAP 1.2 at /onvif/device_service and /onvif/media_service (any /onvif/* path: one
// dispatcher keyed on the operation's namespace and name), on both web ports. Every
// operation but GetSystemDateAndTime needs a WS-Security UsernameToken with PasswordDigest
// and the account's ONVIF password; SystemReboot needs an admin. Refusals are SOAP Faults
// (ter:NotAuthorized for authentication), audited as "onvif_refused". docs/onvif.md.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/auth/viewer_auth.h"
#include "onvif/soap.h"
#include "onvif/ws_security.h"
#include "web/http_server.h"

namespace vto::onvif {

struct DeviceFacts {
  std::string manufacturer = "OpenVTO";
  std::string model = "Door station";
  std::string firmware;
  std::string serial;
  std::string hardware = "OpenVTO";
  std::string name;      // "OpenVTO 8001"
  std::string hostname;  // [A-Za-z0-9-]
  std::string mac;       // "aa:bb:cc:dd:ee:ff": the same in discovery and the interfaces
  std::string ip;        // the station's address (Network › Basic), may be empty
  int prefix_length = 24;
  bool dhcp = false;
  std::vector<std::string> dns;
  bool ntp = false;
  std::vector<std::string> ntp_servers;
  std::string time_zone = "UTC";  // as POSIX TZ text
};

struct StreamFacts {
  int main_width = 640, main_height = 480, sub_width = 320, sub_height = 240, fps = 15;
  int main_kbps = 1536, sub_kbps = 256;
  std::uint16_t rtsp_port = 554;  // 0: no RTSP
};

class OnvifService {
 public:
  struct Hooks {
    std::function<DeviceFacts()> device;
    std::function<StreamFacts()> streams;
    std::function<std::int64_t()> now_ms;
    std::function<bool()> enabled;                     // Network › Integrations
    std::function<bool(std::string_view ip)> allowed;  // the IP allow-list
    std::function<void(const std::string& user)> reboot;
    std::function<void(const std::string& user, const std::string& address,
                       const std::string& action, const std::string& detail)>
        audit;
  };

  OnvifService(api::ViewerAuth& auth, Hooks hooks);

  // Routes POST /onvif/* on `http` (both web servers).
  void add_routes(web::HttpServer& http);
  web::HttpResponse handle(const web::HttpRequest& req);

 private:
  struct Caller {
    std::string user;
    store::Role role = store::Role::Viewer;
  };
  // The answer to an operation of an authenticated (or, for GetSystemDateAndTime, any)
  // caller; base is "http://HOST:PORT" as the request reached us.
  web::HttpResponse answer(const SoapRequest& r, const Caller& who, const std::string& base,
                           const std::string& host, const web::HttpRequest& req);
  web::HttpResponse refuse(const web::HttpRequest& req, const std::string& user,
                           std::string_view subcode, const std::string& why, bool audit = true);

  api::ViewerAuth& auth_;
  Hooks hooks_;
  NonceCache nonces_;
  std::int64_t refusal_window_ms_ = 0;
  std::size_t refusals_in_window_ = 0;
};

// The host of a Host header ("[::1]:8080" -> "::1"), and the port (0 if none given).
std::pair<std::string, std::uint16_t> split_host(std::string_view host_header);

}  // namespace vto::onvif
