#include "app/options.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mqtt/mqtt_settings.h"
#include "station/network_interface.h"

namespace vto::app {
namespace {

constexpr std::string_view kPathChars =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_-.";

Error usage(std::string message) {
  return make_error(std::move(message), 2);
}

Result<hal::MicrophoneSource> parse_microphone(const std::string& text) {
  using Kind = hal::MicrophoneSource::Kind;
  hal::MicrophoneSource m;
  if (text.starts_with("tone:")) {
    try {
      std::size_t used = 0;
      m.tone_hz = std::stod(text.substr(5), &used);
      if (used != text.size() - 5) m.tone_hz = -1;
    } catch (...) {
      m.tone_hz = -1;
    }
    if (m.tone_hz < 0 || m.tone_hz > 20000)
      return usage("--microphone tone:HZ takes a frequency from 0 (silence) to 20000");
    return m;
  }
  if (text.starts_with("wav:") && text.size() > 4) {
    m.kind = Kind::Wav;
    m.wav = text.substr(4);
    if (m.wav.find_first_not_of(std::string(kPathChars) + ":,=") != std::string::npos)
      return usage("--microphone wav:PATH: letters, digits and / _ - . : , = only");
    if (::access(m.wav.c_str(), R_OK) != 0) return usage("--microphone: cannot read " + m.wav);
    return m;
  }
  if (text.starts_with("alsa:") && text.size() > 5) {
    m.kind = Kind::Alsa;
    m.device = text.substr(5);
    return m;
  }
  return usage("--microphone takes tone:HZ, wav:PATH or alsa:DEVICE");
}

}  // namespace

std::optional<std::pair<int, int>> parse_size(const std::string& text) {
  const auto x = text.find('x');
  if (x == std::string::npos || x == 0 || x + 1 >= text.size()) return std::nullopt;
  if (text.find_first_not_of("0123456789x") != std::string::npos) return std::nullopt;
  if (x > 4 || text.size() - x - 1 > 4) return std::nullopt;
  const int w = std::stoi(text.substr(0, x));
  const int h = std::stoi(text.substr(x + 1));
  if (w < 16 || h < 16 || w > 4096 || h > 4096 || w % 2 || h % 2) return std::nullopt;
  return std::pair(w, h);
}

Result<Options> parse_options(int argc, const char* const* argv) {
  Options o;
  std::string sip_listen = "0.0.0.0:5060", sip_tls_listen, http_listen = "127.0.0.1:8080",
              https_listen = "127.0.0.1:8443", rtsp_listen = "127.0.0.1:554",
              dhip_listen = "127.0.0.1:5000", platform, microphone = "tone:440", speaker, camera,
              video_size = "640x480", sub_size = "320x240";
  CLI::App cli{"vtod - OpenVTO door station daemon"};
  cli.add_option("--data", o.data_dir, "data directory (database, keys)");
  cli.add_option("--sip-listen", sip_listen, "SIP address IP:PORT (UDP and TCP)");
  cli.add_option("--sip-tls-listen", sip_tls_listen,
                 "SIP over TLS address IP:PORT, with the web interface's certificate (default: "
                 "the --sip-listen address, port 5061, or any free port when that port is 0; "
                 "the port saved in Network Setting > Basic wins; off: no SIP over TLS)");
  cli.add_option("--sip-advertise", o.sip_advertise,
                 "address written in Via/Contact/Record-Route (default: the listen address, or "
                 "the primary interface's when listening on all)");
  cli.add_option("--https-listen", https_listen,
                 "web interface and API address IP:PORT (HTTPS; default 127.0.0.1:8443)");
  cli.add_option("--http-listen", http_listen,
                 "plain HTTP address IP:PORT, which only redirects to HTTPS (default "
                 "127.0.0.1:8080)");
  cli.add_option("--vto-number", o.vto_number,
                 "this VTO's number (1-5 digits) at first start (default 8001); afterwards the "
                 "one saved in Local Setting > Basic");
  cli.add_option("--platform", platform,
                 "external SIP server HOST:PORT (this VTO then registers to it)");
  cli.add_option("--platform-user", o.platform_user, "user name at the external SIP server");
  cli.add_option("--platform-password", o.platform_password, "password at the external SIP server");
  cli.add_option("--platform-domain", o.platform_domain, "SIP domain at the external server");
  cli.add_option("--platform-certificate", o.platform_certificate,
                 "register to the external server over TLS, verifying it with this PEM file (its "
                 "certificate, or the CA that signed it)");
  cli.add_option("--log-level", o.log_level, "trace, debug, info, warn, error");
  cli.add_option("--button", o.buttons,
                 "room number (or 888888) called by each call button, in facade order "
                 "(default: 101 102)")
      ->delimiter(',');
  cli.add_option("--unlock-code", o.unlock_code,
                 "DTMF digits a monitor sends during a call to open the door (default: none, "
                 "remote unlock by DTMF off)");
  cli.add_option("--unlock-hold", o.unlock_hold_seconds,
                 "seconds the lock stays open, until the lock settings are saved (default 5)")
      ->check(CLI::Range(1, 60));
  cli.add_option("--ring-timeout", o.ring_timeout_seconds, "seconds a call may ring")
      ->check(CLI::Range(5, 600));
  cli.add_option("--talk-limit", o.talk_limit_seconds, "seconds a call may last")
      ->check(CLI::Range(10, 3600));
  cli.add_option("--microphone", microphone,
                 "what calls hear from the door: tone:HZ (default tone:440, the simulated "
                 "microphone), wav:PATH (played once per call) or alsa:DEVICE");
  cli.add_option("--speaker", speaker,
                 "where calls are played: alsa:DEVICE (default: nowhere, only measured; the "
                 "level shows in /api/v1/sim/state)");
  cli.add_option("--speaker-record", o.speaker_record,
                 "directory where what the door's speaker plays in each call is recorded "
                 "(call-<unix ms>-<call>.wav; default: not recorded)");
  cli.add_option("--camera", camera, "V4L2 camera device (default: a test pattern with a clock)");
  cli.add_option("--board", o.board,
                 "the door's modules: sim (default, simulated modules driven from the virtual "
                 "panel and /api/v1/sim) or a board file, the JSON file that says which "
                 "module of a Linux board is wired where (docs/hal.md)")
      ->check(CLI::IsMember({"sim"}) | CLI::ExistingFile);
  cli.add_option("--fingerprint", o.fingerprint,
                 "the fingerprint module's reader: sim (default, driven from the virtual panel) "
                 "or libfprint (the first reader libfprint finds that can identify)")
#ifdef VTO_WITH_LIBFPRINT
      ->check(CLI::IsMember({"sim", "libfprint"}));
#else
      ->check(CLI::IsMember({"sim"}));  // built without libfprint
#endif
  cli.add_option("--network-interface", o.network_interface,
                 "on a board: the interface that gets Network Setting > Basic's IP address, "
                 "mask and default gateway (with iproute2's ip; needs CAP_NET_ADMIN). Default: "
                 "none, the addresses are kept and shown only");
  cli.add_option("--resolv-conf", o.resolv_conf,
                 "with --network-interface: the file written with Network Setting > Basic's DNS "
                 "servers (e.g. /etc/resolv.conf; default: none)");
  cli.add_flag("--set-clock", o.set_clock,
               "on a board: let NTP (System > Maintenance) and the page set the system clock "
               "(vtod needs CAP_SYS_TIME); without it the clock is only checked");
  cli.add_option("--rtsp-listen", rtsp_listen,
                 "RTSP address IP:PORT for players and NVRs "
                 "(rtsp://HOST:PORT/cam/realmonitor?channel=1&subtype=0; default 127.0.0.1:554, "
                 "the port saved in Network Setting > Basic wins; port 0: any free port; off: "
                 "no RTSP)");
  cli.add_option("--dhip-listen", dhip_listen,
                 "address IP:PORT of the device family's event protocol, for home automation "
                 "clients (default 127.0.0.1:5000, the port saved in Network Setting > Basic "
                 "wins; Network Setting > Integrations switches it on or off; port 0: any free "
                 "port; off: never)");
  cli.add_option("--mqtt", o.mqtt_url,
                 "at first start, the MQTT broker to publish the door's events to: "
                 "mqtt://USER:PASSWORD@HOST:PORT or mqtts://... (afterwards: Network Setting > "
                 "MQTT)");
  cli.add_option("--video-size", video_size, "the main stream's WIDTHxHEIGHT (default 640x480)");
  cli.add_option("--sub-size", sub_size, "the sub-stream's WIDTHxHEIGHT (default 320x240)");
  cli.add_option("--ui-dir", o.ui_dir,
                 "while developing: serve the web interface from this directory (web/ui of the "
                 "source tree) instead of the copy built into vtod; each page load reads it again");
  cli.add_option("--sip-digest", o.digest_algorithms,
                 "digest algorithms offered to registering devices, most preferred first: "
                 "MD5 (default), SHA-256")
      ->delimiter(',')
      ->check(CLI::IsMember({"MD5", "SHA-256"}));
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return make_error("", cli.exit(e));  // CLI11 prints the help or the mistake
  }

  auto sip_addr = sip::parse_host_port(sip_listen, 5060);
  if (sip_tls_listen.empty() && sip_addr) {
    sip_tls_listen = sip::Peer{sip::Transport::Tls, sip_addr->host,
                               static_cast<std::uint16_t>(sip_addr->port == 0 ? 0 : 5061), 0}
                         .host_port();
  }
  const bool sip_tls_on = sip_tls_listen != "off";
  auto sip_tls_addr = sip::parse_host_port(sip_tls_on ? sip_tls_listen : "0.0.0.0:5061", 5061);
  auto http_addr = sip::parse_host_port(http_listen, 8080);
  auto https_addr = sip::parse_host_port(https_listen, 8443);
  const bool rtsp_on = rtsp_listen != "off";
  auto rtsp_addr = sip::parse_host_port(rtsp_on ? rtsp_listen : "127.0.0.1:554", 554);
  const bool dhip_on = dhip_listen != "off";
  auto dhip_addr = sip::parse_host_port(dhip_on ? dhip_listen : "127.0.0.1:5000", 5000);
  if (!sip_addr || !sip_tls_addr || !http_addr || !https_addr || !rtsp_addr || !dhip_addr) {
    return usage(
        "--sip-listen, --sip-tls-listen, --http-listen, --https-listen, --rtsp-listen and "
        "--dhip-listen take a numeric IP:PORT");
  }
  o.sip = *sip_addr;
  o.sip_tls = sip_tls_on ? sip_tls_addr : std::nullopt;
  if (o.sip_tls && o.sip_tls->host != o.sip.host) {
    return usage("--sip-tls-listen must use the --sip-listen address, " + o.sip.host);
  }
  o.http = *http_addr;
  o.https = *https_addr;
  o.rtsp = rtsp_on ? rtsp_addr : std::nullopt;
  o.dhip = dhip_on ? dhip_addr : std::nullopt;
  if (!o.mqtt_url.empty()) {
    if (auto mqtt = mqtt::parse_mqtt_url(o.mqtt_url); !mqtt)
      return usage("--mqtt: " + mqtt.error().message);
  }
  const auto video = parse_size(video_size);
  const auto sub = parse_size(sub_size);
  if (!video || !sub)
    return usage("--video-size and --sub-size take WIDTHxHEIGHT, even, 16 to 4096");
  o.video_size = *video;
  o.sub_size = *sub;
  if (!o.network_interface.empty()) {
    if (auto ok = station::check_interface_name(o.network_interface); !ok)
      return usage("--network-interface " + o.network_interface + ": " +
                   ok.error().message.substr(ok.error().message.find(": ") + 2));
  } else if (!o.resolv_conf.empty()) {
    return usage("--resolv-conf needs --network-interface");
  }
  if (!o.vto_number.empty() && (o.vto_number.size() > 5 ||
                                o.vto_number.find_first_not_of("0123456789") != std::string::npos))
    return usage("--vto-number must be 1-5 digits");
  auto mic = parse_microphone(microphone);
  if (!mic) return mic.error();
  o.media.microphone = *mic;
  if (!speaker.empty()) {
    if (!speaker.starts_with("alsa:") || speaker.size() <= 5)
      return usage("--speaker takes alsa:DEVICE");
    o.media.speaker = {hal::SpeakerSink::Kind::Alsa, speaker.substr(5)};
  }
  if (!camera.empty()) o.media.camera = {hal::CameraSource::Kind::V4l2, camera};
  if (!o.speaker_record.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.speaker_record, ec);
    const bool plain = o.speaker_record.find_first_not_of(kPathChars) == std::string::npos;
    if (!plain || !std::filesystem::is_directory(o.speaker_record, ec)) {
      return usage(
          "--speaker-record needs a directory it can create, named with letters, digits and "
          "/ _ - . only");
    }
  }
  if (!platform.empty()) {
    o.platform = sip::parse_host_port(platform, 5080);
    if (!o.platform || o.platform_user.empty())
      return usage("--platform takes a numeric IP[:PORT] and needs --platform-user");
  }
  if (!o.platform_certificate.empty()) {
    if (!o.platform) return usage("--platform-certificate needs --platform");
    std::ifstream in(o.platform_certificate);
    std::stringstream text;
    text << in.rdbuf();
    if (!in || text.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos)
      return usage("--platform-certificate " + o.platform_certificate +
                   ": cannot read PEM certificates from it");
    o.platform_certificate = text.str();
  }
  if (!o.ui_dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::path(o.ui_dir) / "index.html", ec))
      return usage("--ui-dir " + o.ui_dir + ": no index.html there");
  }
  if (o.buttons.size() > 5) return usage("at most 5 call buttons on the first facade");
  return o;
}

}  // namespace vto::app
