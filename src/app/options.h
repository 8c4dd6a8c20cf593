// vtod's command line: what it was given, checked whole before anything starts, so that a
// typo stops vtod at once with a message naming the option.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "hal/media.h"
#include "sip/transport/host_port.h"

namespace vto::app {

struct Options {
  std::string data_dir = "/var/lib/openvto";
  sip::HostPort sip{"0.0.0.0", 5060};
  // SIP over TLS with the station's certificate; nullopt: off. Default: the SIP address,
  // port 5061 (any free port when the SIP port is 0).
  std::optional<sip::HostPort> sip_tls = sip::HostPort{"0.0.0.0", 5061};
  std::string sip_advertise;
  sip::HostPort http{"127.0.0.1", 8080};   // plain HTTP: redirects to HTTPS only
  sip::HostPort https{"127.0.0.1", 8443};  // the web interface and the API
  std::optional<sip::HostPort> rtsp = sip::HostPort{"127.0.0.1", 554};  // nullopt: off
  // The device family's event protocol (port 5000); nullopt: off.
  std::optional<sip::HostPort> dhip = sip::HostPort{"127.0.0.1", 5000};
  std::string vto_number;  // at first start; empty: 8001
  // An external SIP server (this VTO then registers to it); nullopt: this VTO serves.
  std::optional<sip::HostPort> platform;
  std::string platform_user, platform_password, platform_domain;
  std::string platform_certificate;  // PEM file: register over TLS and verify with it
  std::string log_level = "info";
  std::vector<std::string> digest_algorithms = {"MD5"};
  std::vector<std::string> buttons = {"101", "102"};  // call button N -> room
  std::string unlock_code;                            // DTMF code; empty: remote unlock off
  int unlock_hold_seconds = 5;
  int ring_timeout_seconds = 30;
  int talk_limit_seconds = 120;
  // The camera, microphone and speaker of the simulated board (--camera, --microphone,
  // --speaker): a test pattern, a 440 Hz tone and no speaker unless a PC's devices are named.
  hal::MediaDevices media;
  std::string speaker_record;       // directory of per-call WAV recordings; empty: none
  std::string board = "sim";        // the door's modules: sim, or a board file
  std::string fingerprint = "sim";  // the fingerprint module: sim or libfprint
  std::string network_interface;    // gets Network Setting's addresses; empty: kept only
  bool set_clock = false;           // NTP and System › Maintenance may set the system clock
  std::string resolv_conf;          // written with Network Setting's DNS; empty: not
  std::pair<int, int> video_size{640, 480};
  std::pair<int, int> sub_size{320, 240};
  // At first start (no Network › MQTT saved yet): mqtt[s]://USER:PASSWORD@HOST:PORT.
  std::string mqtt_url;
  std::string ui_dir;  // serve the web interface from here (development); empty: built in
};

// Parses and checks the command line. On --help the error's code is 0 and the help has
// been printed; on a mistake the code is 2 and the message says what is wrong (without
// the "vtod: " prefix).
Result<Options> parse_options(int argc, const char* const* argv);

// "640x480" as width and height, each 16 to 4096 and even (the encoder's 4:2:0 needs it).
std::optional<std::pair<int, int>> parse_size(const std::string& text);

}  // namespace vto::app
