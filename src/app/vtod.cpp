// vtod: the door station daemon. The one place where implementations are chosen and
// wired together: store, SIP transport, transactions, registrar, proxy, the VTO's own
// user agent and the HTTP API, all on one io_context (the core thread).
#include <malloc.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "access/access_control.h"
#include "access/credentials.h"
#include "access/keypad_hash.h"
#include "api/access_api.h"
#include "api/auth/viewer_auth.h"
#include "api/auth/web_auth.h"
#include "api/event_stream.h"
#include "api/facade_api.h"
#include "api/household_api.h"
#include "api/live_api.h"
#include "api/local_api.h"
#include "api/network_api.h"
#include "api/records_api.h"
#include "api/security_api.h"
#include "api/sim_api.h"
#include "api/web_ui.h"
#include "core/asio_timers.h"
#include "core/log.h"
#include "core/text.h"
#include "device/panel.h"
#include "hal/linux/libfprint_reader.h"
#include "hal/sim/sim_panel.h"
#include "media/tone_player.h"
#include "records/call_records.h"
#include "sip/auth/digest_server.h"
#include "sip/proxy/sip_server.h"
#include "sip/security/sip_guard.h"
#include "sip/transport/asio_transport.h"
#include "sip/transport/host_port.h"
#include "sip/ua/user_agent.h"
#include "station/alarm_centre.h"
#include "station/browser_video_feed.h"
#include "station/building_directory.h"
#include "station/call_recorder.h"
#include "station/door_media.h"
#include "station/interface_config.h"
#include "station/monitor_sessions.h"
#include "station/rtsp_live_view.h"
#include "station/ua_call_control.h"
#include "store/settings.h"
#include "web/http_server.h"
#include "web/query.h"
#include "web/tls_certificate.h"

namespace asio = boost::asio;
using nlohmann::json;
using namespace vto;

namespace {

struct Options {
  std::string data_dir = "/var/lib/openvto";
  std::string sip_listen = "0.0.0.0:5060";
  std::string sip_advertise;
  std::string http_listen = "127.0.0.1:8080";   // plain HTTP: redirects to HTTPS only
  std::string https_listen = "127.0.0.1:8443";  // the web interface and the API
  std::string vto_number;
  std::string platform;  // HOST:PORT of an external SIP server; empty = this VTO is the server
  std::string platform_user;
  std::string platform_password;
  std::string platform_domain;
  std::string log_level = "info";
  std::vector<std::string> digest_algorithms = {"MD5"};
  std::vector<std::string> buttons = {"101", "102"};  // call button N -> room (sim facade)
  std::string unlock_code;                            // DTMF code; empty: remote unlock off
  int unlock_hold_seconds = 5;
  int ring_timeout_seconds = 30;
  int talk_limit_seconds = 120;
  std::string microphone = "tone:440";        // tone:HZ, wav:PATH or alsa:DEVICE
  std::string speaker;                        // alsa:DEVICE; empty: level meter only
  std::string speaker_record;                 // directory of per-call WAV recordings
  std::string camera;                         // V4L2 device; empty: test pattern
  std::string fingerprint = "sim";            // the fingerprint module: sim or libfprint
  std::string network_interface;              // gets Network Setting's addresses; empty: kept only
  std::string resolv_conf;                    // written with Network Setting's DNS; empty: not
  std::string rtsp_listen = "127.0.0.1:554";  // players and NVRs; the saved RTSP port wins
  std::string video_size = "640x480";         // the main stream
  std::string sub_size = "320x240";           // the sub-stream
};

// "640x480" as width and height, each 16 to 4096 and even (the encoder's 4:2:0 needs it).
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

// A call's record (and the snapshot it asks for) is written this long after the panel
// starts the call: the INVITE that rings the flat does not wait for the disk or the camera.
constexpr core::Duration kRecordDelay{20};

// The cadence of each tone the panel cues (ETSI-style 425 Hz ringback and busy, the
// three-frequency special information tone for errors).
media::TonePattern tone_pattern(device::Tone tone) {
  using device::Tone;
  const std::string name(device::tone_name(tone));
  switch (tone) {
    case Tone::KeyClick:
      return {name, {{1000, 40}}, 1};
    case Tone::Ringback:
      return {name, {{425, 1000}, {0, 4000}}, 0};  // until the panel leaves Calling
    case Tone::Busy:
      return {name, {{425, 500}, {0, 500}}, 4};
    case Tone::Error:
      return {name, {{950, 330}, {1400, 330}, {1800, 330}, {0, 1000}}, 2};
    case Tone::Unlock:
      return {name, {{1200, 120}, {0, 80}}, 2};
    case Tone::Alarm:
      return {name, {{880, 250}, {1320, 250}}, 30};  // the tamper alarm: 15 s
  }
  return {name, {{0, 1}}, 1};
}

// The tones the panel cues, played on the speaker and kept for the virtual panel's state.
class SpeakerFeedback final : public device::Feedback {
 public:
  explicit SpeakerFeedback(media::TonePlayer& player) : player_(player) {}
  void tone(device::Tone t) override {
    last_ = device::tone_name(t);
    ++count_;
    // The tamper alarm sounds its 15 s whatever the keypad does meanwhile.
    if (t != device::Tone::Alarm && player_.current() == "alarm") return;
    if (auto r = player_.play(tone_pattern(t)); !r) {
      core::logger("vtod")->error("tone {}: {}", last_, r.error().message);
    }
  }
  std::string_view last() const { return last_; }
  std::uint64_t count() const { return count_; }

 private:
  media::TonePlayer& player_;
  std::string_view last_;
  std::uint64_t count_ = 0;
};

// A register password nobody needs to type: this VTO's own entry in the VTO list (its own
// calls do not register through digest), 20 letters and digits from the kernel's RNG.
// The SIP side locks out like the web login: the Security page's figures.
sip::SipGuardSettings sip_guard_settings(const api::LoginPolicy& policy) {
  sip::SipGuardSettings s;
  s.max_failures = policy.max_failures;
  s.block = std::chrono::minutes(policy.lock_minutes);
  return s;
}

// VTO No. Management lists this VTO itself: its entry is made when missing,
// and follows a new VTO No. (keeping building, unit, IP and web account).
Result<void> keep_own_vto(store::Directory& dir, const std::string& number,
                          const std::string& old_number) {
  auto own = dir.find_vto(number);
  if (!own) return own.error();
  if (*own) return {};
  store::Vto entry{number, store::Directory::random_password(20), "", "", ""};
  if (!old_number.empty() && old_number != number) {
    if (auto old = dir.find_vto(old_number); old && *old) {
      entry = **old;
      entry.number = number;
      entry.password = store::Directory::random_password(20);
      if (auto removed = dir.remove_vto(old_number); !removed) return removed;
    }
  }
  return dir.add_vto(entry);
}

json event_json(const sip::UaEvent& e) {
  json j{{"event", sip::event_name(e.type)}};
  if (e.call) j["call"] = e.call;
  if (e.status) j["status"] = e.status;
  if (!e.peer.empty()) j["peer"] = e.peer;
  if (!e.reason.empty()) j["reason"] = e.reason;
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  // GStreamer starts and ends threads with every call; glibc would give them up to 8 malloc
  // arenas per core, each keeping the peak of what was freed in it (an encoder's frames).
  // Two arenas hold vtod's memory where it was after the first calls.
  mallopt(M_ARENA_MAX, 2);
  Options o;
  CLI::App cli{"vtod - OpenVTO door station daemon"};
  cli.add_option("--data", o.data_dir, "data directory (database, keys)");
  cli.add_option("--sip-listen", o.sip_listen, "SIP address IP:PORT (UDP and TCP)");
  cli.add_option("--sip-advertise", o.sip_advertise,
                 "address written in Via/Contact/Record-Route (default: the listen address, or "
                 "the primary interface's when listening on all)");
  cli.add_option("--https-listen", o.https_listen,
                 "web interface and API address IP:PORT (HTTPS; default 127.0.0.1:8443)");
  cli.add_option("--http-listen", o.http_listen,
                 "plain HTTP address IP:PORT, which only redirects to HTTPS (default "
                 "127.0.0.1:8080)");
  cli.add_option("--vto-number", o.vto_number,
                 "this VTO's number (1-5 digits) at first start (default 8001); afterwards the "
                 "one saved in Local Setting > Basic");
  cli.add_option("--platform", o.platform,
                 "external SIP server HOST:PORT (this VTO then registers to it)");
  cli.add_option("--platform-user", o.platform_user, "user name at the external SIP server");
  cli.add_option("--platform-password", o.platform_password, "password at the external SIP server");
  cli.add_option("--platform-domain", o.platform_domain, "SIP domain at the external server");
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
  cli.add_option("--microphone", o.microphone,
                 "what calls hear from the door: tone:HZ (default tone:440, the simulated "
                 "microphone), wav:PATH (played once per call) or alsa:DEVICE");
  cli.add_option("--speaker", o.speaker,
                 "where calls are played: alsa:DEVICE (default: nowhere, only measured; the "
                 "level shows in /api/v1/sim/state)");
  cli.add_option("--speaker-record", o.speaker_record,
                 "directory where what the door's speaker plays in each call is recorded "
                 "(call-<unix ms>-<call>.wav; default: not recorded)");
  cli.add_option("--camera", o.camera, "V4L2 camera device (default: a test pattern with a clock)");
  cli.add_option("--fingerprint", o.fingerprint,
                 "the fingerprint module's reader: sim (default, driven from the virtual panel) "
                 "or libfprint (the first reader libfprint finds that can identify)")
      ->check(CLI::IsMember({"sim", "libfprint"}));
  cli.add_option("--network-interface", o.network_interface,
                 "on a board: the interface that gets Network Setting > Basic's IP address, "
                 "mask and default gateway (with iproute2's ip; needs CAP_NET_ADMIN). Default: "
                 "none, the addresses are kept and shown only");
  cli.add_option("--resolv-conf", o.resolv_conf,
                 "with --network-interface: the file written with Network Setting > Basic's DNS "
                 "servers (e.g. /etc/resolv.conf; default: none)");
  cli.add_option("--rtsp-listen", o.rtsp_listen,
                 "RTSP address IP:PORT for players and NVRs "
                 "(rtsp://HOST:PORT/cam/realmonitor?channel=1&subtype=0; default 127.0.0.1:554, "
                 "the port saved in Network Setting > Basic wins; port 0: any free port; off: "
                 "no RTSP)");
  cli.add_option("--video-size", o.video_size, "the main stream's WIDTHxHEIGHT (default 640x480)");
  cli.add_option("--sub-size", o.sub_size, "the sub-stream's WIDTHxHEIGHT (default 320x240)");
  cli.add_option("--sip-digest", o.digest_algorithms,
                 "digest algorithms offered to registering devices, most preferred first: "
                 "MD5 (default), SHA-256")
      ->delimiter(',')
      ->check(CLI::IsMember({"MD5", "SHA-256"}));
  CLI11_PARSE(cli, argc, argv);
  core::set_log_level(o.log_level);
  auto log = core::logger("vtod");

  auto sip_addr = sip::parse_host_port(o.sip_listen, 5060);
  auto http_addr = sip::parse_host_port(o.http_listen, 8080);
  auto https_addr = sip::parse_host_port(o.https_listen, 8443);
  const bool rtsp_on = o.rtsp_listen != "off";
  auto rtsp_addr = sip::parse_host_port(rtsp_on ? o.rtsp_listen : "127.0.0.1:554", 554);
  if (!sip_addr || !http_addr || !https_addr || !rtsp_addr) {
    std::cerr << "vtod: --sip-listen, --http-listen, --https-listen and --rtsp-listen take a "
                 "numeric IP:PORT\n";
    return 2;
  }
  const auto video_size = parse_size(o.video_size);
  const auto sub_size = parse_size(o.sub_size);
  if (!video_size || !sub_size) {
    std::cerr << "vtod: --video-size and --sub-size take WIDTHxHEIGHT, even, 16 to 4096\n";
    return 2;
  }
  std::optional<station::InterfaceConfig> interface_config;
  if (!o.network_interface.empty()) {
    if (auto ok = station::check_interface_name(o.network_interface); !ok) {
      std::cerr << "vtod: --" << ok.error().message << "\n";
      return 2;
    }
    interface_config.emplace(o.network_interface, o.resolv_conf);
  } else if (!o.resolv_conf.empty()) {
    std::cerr << "vtod: --resolv-conf needs --network-interface\n";
    return 2;
  }
  if (!o.vto_number.empty() &&
      (o.vto_number.size() > 5 ||
       o.vto_number.find_first_not_of("0123456789") != std::string::npos)) {
    std::cerr << "vtod: --vto-number must be 1-5 digits\n";
    return 2;
  }
  // The microphone and speaker, checked here so that a typo stops vtod at once.
  double microphone_tone_hz = 0;
  std::string microphone_wav, microphone_device, speaker_device;
  if (o.microphone.starts_with("tone:")) {
    try {
      std::size_t used = 0;
      microphone_tone_hz = std::stod(o.microphone.substr(5), &used);
      if (used != o.microphone.size() - 5) microphone_tone_hz = -1;
    } catch (...) {
      microphone_tone_hz = -1;
    }
    if (microphone_tone_hz < 0 || microphone_tone_hz > 20000) {
      std::cerr << "vtod: --microphone tone:HZ takes a frequency from 0 (silence) to 20000\n";
      return 2;
    }
  } else if (o.microphone.starts_with("wav:") && o.microphone.size() > 4) {
    microphone_wav = o.microphone.substr(4);
    if (microphone_wav.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789/_-.:,=") != std::string::npos) {
      std::cerr << "vtod: --microphone wav:PATH: letters, digits and / _ - . : , = only\n";
      return 2;
    }
    if (::access(microphone_wav.c_str(), R_OK) != 0) {
      std::cerr << "vtod: --microphone: cannot read " << microphone_wav << "\n";
      return 2;
    }
  } else if (o.microphone.starts_with("alsa:") && o.microphone.size() > 5) {
    microphone_device = o.microphone.substr(5);
  } else {
    std::cerr << "vtod: --microphone takes tone:HZ, wav:PATH or alsa:DEVICE\n";
    return 2;
  }
  if (!o.speaker.empty()) {
    if (!o.speaker.starts_with("alsa:") || o.speaker.size() <= 5) {
      std::cerr << "vtod: --speaker takes alsa:DEVICE\n";
      return 2;
    }
    speaker_device = o.speaker.substr(5);
  }
  if (!o.speaker_record.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.speaker_record, ec);
    const bool plain = o.speaker_record.find_first_not_of(
                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_-.") ==
                       std::string::npos;
    if (!plain || !std::filesystem::is_directory(o.speaker_record, ec)) {
      std::cerr << "vtod: --speaker-record needs a directory it can create, named with letters, "
                   "digits and / _ - . only\n";
      return 2;
    }
  }
  std::optional<sip::HostPort> platform_addr;
  if (!o.platform.empty()) {
    platform_addr = sip::parse_host_port(o.platform, 5080);
    if (!platform_addr || o.platform_user.empty()) {
      std::cerr << "vtod: --platform takes a numeric IP[:PORT] and needs --platform-user\n";
      return 2;
    }
  }

  auto directory = station::BuildingDirectory::open(o.data_dir);
  if (!directory) {
    std::cerr << "vtod: " << directory.error().message << "\n";
    return 1;
  }
  // The settings the web interface changes, and its accounts, on a connection of their own.
  auto config_db = store::Database::open(o.data_dir);
  if (!config_db) {
    std::cerr << "vtod: " << config_db.error().message << "\n";
    return 1;
  }
  store::Settings settings(**config_db);
  auto loaded_security = api::load_security(settings);
  if (!loaded_security) {
    std::cerr << "vtod: " << loaded_security.error().message << "\n";
    return 1;
  }
  api::SecurityState security = std::move(*loaded_security);
  api::LocalBasic local_defaults;
  local_defaults.vto_number = o.vto_number.empty() ? "8001" : o.vto_number;
  auto loaded_local = api::load_local_basic(settings, local_defaults);
  if (!loaded_local) {
    std::cerr << "vtod: " << loaded_local.error().message << "\n";
    return 1;
  }
  api::LocalBasic local = *loaded_local;
  o.vto_number = local.vto_number;
  if (auto own = keep_own_vto((*directory)->directory(), local.vto_number, ""); !own) {
    log->warn("VTO list: this VTO ({}) is not in it: {}", local.vto_number, own.error().message);
  }
  // Network Setting: saved ports override the command line's; the SIP Server setting, once
  // saved, overrides --platform*.
  auto saved_network = api::load_network(settings);
  auto saved_sip = api::load_sip_server(settings);
  if (!saved_network || !saved_sip) {
    std::cerr << "vtod: "
              << (!saved_network ? saved_network.error().message : saved_sip.error().message)
              << "\n";
    return 1;
  }
  // The command line's ports stay the way back in: a saved port that cannot be bound at
  // start (another program took it) falls back to them, so the station stays reachable.
  const sip::HostPort cli_sip = *sip_addr, cli_http = *http_addr, cli_https = *https_addr;
  if (*saved_network) {
    sip_addr->port = (*saved_network)->sip_port;
    http_addr->port = (*saved_network)->http_port;
    https_addr->port = (*saved_network)->https_port;
  }
  api::SipServerSetting sip_setting;
  if (*saved_sip) {
    sip_setting = **saved_sip;
  } else if (platform_addr) {
    sip_setting.mode = "platform";
    sip_setting.server_ip = platform_addr->host;
    sip_setting.server_port = platform_addr->port;
    sip_setting.domain = o.platform_domain;
    sip_setting.user = o.platform_user;
    sip_setting.password = o.platform_password;
  }
  // Whether this VTO is the building's SIP server (else it registers to another server).
  auto serving = [&sip_setting] { return sip_setting.mode == "this"; };
  // Call records, on a connection of their own, fed by the panel and the user agent.
  auto records_db = store::Database::open(o.data_dir);
  if (!records_db) {
    std::cerr << "vtod: " << records_db.error().message << "\n";
    return 1;
  }
  records::CallRecords call_records(**records_db);
  // Calls that a crash or power cut ended are closed now, not left "ongoing" for ever.
  if (auto closed = call_records.close_interrupted(core::system_unix_ms()); !closed) {
    std::cerr << "vtod: " << closed.error().message << "\n";
    return 1;
  } else if (*closed > 0) {
    core::logger("vtod")->warn("{} call record(s) left open by the last run were closed", *closed);
  }

  asio::io_context io;
  core::AsioTimers timers(io);
  // Access control: credentials in the configuration database, unlock records written by
  // their own thread, keypad passwords hashed on a worker thread.
  auto record_writer = records::RecordWriter::open(o.data_dir);
  auto keypad_hasher = access::KeypadHasher::open(o.data_dir);
  auto lock_settings = api::load_lock_settings(settings);
  if (!record_writer || !keypad_hasher || !lock_settings) {
    std::cerr << "vtod: "
              << (!record_writer   ? record_writer.error().message
                  : !keypad_hasher ? keypad_hasher.error().message
                                   : lock_settings.error().message)
              << "\n";
    return 1;
  }
  if (auto saved = settings.get("access.lock"); saved && !*saved) {
    lock_settings->unlock_seconds = o.unlock_hold_seconds;  // until the settings are saved
  }
  records::UnlockRecords unlock_records(**records_db, **record_writer);
  auto loaded_caps = api::load_record_caps(settings);
  if (!loaded_caps) {
    std::cerr << "vtod: " << loaded_caps.error().message << "\n";
    return 1;
  }
  api::RecordCaps record_caps = *loaded_caps;
  access::Cards cards(**config_db);
  access::Fingerprints fingerprints(**config_db);
  access::KeypadCodes keypad_codes(**config_db);
  asio::thread_pool hash_pool(1);
  const access::AccessControl::HashAsync hash_async =
      [&io, &hash_pool](std::function<std::string()> hash, std::function<void(std::string)> done) {
        asio::post(hash_pool, [&io, hash = std::move(hash), done = std::move(done)]() mutable {
          std::string h = hash();
          asio::post(io, [done = std::move(done), h = std::move(h)] { done(h); });
        });
      };
  // Alarms: recorded, pushed on the event stream and sent to the centre (888888) by the
  // VTO's own user agent; the speaker and the stream are wired once they exist.
  records::AlarmRecords alarm_records(**records_db);
  // How many records of each kind are kept (Records › Storage).
  const auto apply_record_caps = [&](const api::RecordCaps& c) {
    call_records.set_max_rows(c.calls);
    (*record_writer)->set_cap(std::string(records::UnlockRecords::kTable), c.unlocks);
    alarm_records.set_max_rows(c.alarms);
  };
  apply_record_caps(record_caps);
  sip::UserAgent* alarm_ua = nullptr;
  std::function<void(const json&)> publish_event;
  std::function<void()> sound_alarm;
  station::AlarmCentre alarm_centre(
      alarm_records, timers,
      station::AlarmCentre::Hooks{
          [&alarm_ua](const std::string& body, std::function<void(int)> done) {
            if (alarm_ua == nullptr) return done(503);
            alarm_ua->send_message(std::string(device::kCentreNumber), "application/json", body,
                                   std::move(done));
          },
          [&publish_event](const json& e) {
            if (publish_event) publish_event(e);
          },
          [&local] { return local.vto_number; }, core::system_unix_ms,
          [&sound_alarm] {
            if (sound_alarm) sound_alarm();
          }});
  access::AccessControl access_control(
      access::AccessControl::Stores{cards, fingerprints, keypad_codes, *keypad_hasher,
                                    unlock_records},
      timers, core::system_unix_ms, hash_async, &alarm_centre, *lock_settings);
  access_control.set_monitor_code(o.unlock_code);
  api::ReaderEnrolment reader_enrolment(access_control, timers);
  // After `io`: the recorder's file thread posts to it until the recorder is destroyed.
  station::CallRecorder call_recorder(call_records, o.vto_number.empty() ? "panel" : o.vto_number,
                                      core::system_unix_ms);
  call_recorder.defer_writes(timers, kRecordDelay);

  sip::TransportConfig tcfg;
  tcfg.listen_ip = sip_addr->host;
  tcfg.port = sip_addr->port;
  tcfg.advertise_ip = o.sip_advertise;
  auto transport_ptr = std::make_unique<sip::AsioTransport>(io, tcfg);
  if (auto r = transport_ptr->start(); !r) {
    if (!*saved_network || cli_sip.port == sip_addr->port) {
      std::cerr << "vtod: " << r.error().message << "\n";
      return 1;
    }
    log->error("saved SIP port: {}; using the command line's port {} instead", r.error().message,
               cli_sip.port);
    tcfg.port = cli_sip.port;
    sip_addr->port = cli_sip.port;
    transport_ptr = std::make_unique<sip::AsioTransport>(io, tcfg);
    if (auto again = transport_ptr->start(); !again) {
      std::cerr << "vtod: " << again.error().message << "\n";
      return 1;
    }
  }
  sip::AsioTransport& transport = *transport_ptr;
  sip::TransactionLayer tl(timers, transport);
  // Password guessing over SIP: the Security page's lock-out figures, per source and user.
  sip::SipGuard sip_guard(timers, sip_guard_settings(security.login));
  transport.set_handler([&tl, &sip_guard](sip::Message&& m, const sip::Peer& from) {
    if (sip_guard.admit(m, from)) tl.receive(std::move(m), from);
  });

  // MD5 alone by default: some phones (baresip 1.0's libre) give up on a 401 that also
  // offers an algorithm they do not know. `--sip-digest SHA-256,MD5` offers both
  // (RFC 8760), most preferred first.
  sip::auth::DigestOptions digest_options;
  digest_options.algorithms.clear();
  for (const auto& name : o.digest_algorithms)
    digest_options.algorithms.push_back(*sip::auth::parse_algorithm(name));
  sip::auth::DigestServer digest(timers, digest_options);
  sip::MemoryLocationStore locations(timers);
  sip::Registrar registrar(locations, digest, **directory, timers);
  registrar.set_guard(&sip_guard);
  sip::Proxy proxy(tl);
  sip::SipServer server(tl, registrar, locations, proxy, **directory,
                        sip::SipServerOptions{"VDP", o.vto_number});
  // Never blocked: the real device at its own address, and this VTO's own user agent.
  sip_guard.set_device_at_source(
      [&registrar, &server](const sip::Message& m, const sip::Peer& from) {
        return server.is_own_source(from) || registrar.from_registered_source(m, from);
      });
  locations.set_observer([&log](std::string_view aor, bool online) {
    log->info("{} is {}", aor, online ? "online" : "offline");
  });
  // Monitor > Door on the building's monitors: the door stations, and which are online.
  server.set_doors([&] {
    json doors = json::array();
    auto vtos = (*directory)->directory().list_vtos();
    if (!vtos) return doors.dump();
    for (const auto& v : *vtos) {
      const bool own = v.number == local.vto_number;
      json d{{"number", v.number}, {"online", own || !locations.lookup(v.number).empty()}};
      if (!v.building.empty()) d["building"] = v.building;
      if (!v.unit.empty()) d["unit"] = v.unit;
      if (own) d["this"] = true;
      doors.push_back(std::move(d));
    }
    return json{{"doors", doors}}.dump();
  });

  // This VTO's own user agent: its calls go through the building server (itself) or
  // through the platform when one is configured.
  // The account of this VTO's user agent for a SIP Server setting: itself as the server, or
  // the other VTO's or the platform's (main or alternate) account.
  auto ua_config_for = [&](const api::SipServerSetting& st, bool alternate) {
    sip::UaConfig c;
    c.user_agent = "OpenVTO-vtod/0.1";
    if (st.mode == "this") {
      c.user = local.vto_number;
      c.domain = "VDP";
      c.server =
          sip::Peer{sip::Transport::Udp, sip_addr->host == "0.0.0.0" ? "127.0.0.1" : sip_addr->host,
                    transport.local(sip::Transport::Udp).port, 0};
    } else {
      // Registered to another server over TCP: calls come back over that connection,
      // the proof of who sends them; others must answer this account's challenge.
      c.user = alternate ? st.alternate_user : st.user;
      c.password = alternate ? st.alternate_password : st.password;
      c.domain = st.domain;
      c.server = sip::Peer{sip::Transport::Tcp, alternate ? st.alternate_ip : st.server_ip,
                           st.server_port, 0};
      c.authenticate_callers = true;
    }
    return c;
  };
  sip::UserAgent ua(tl, ua_config_for(sip_setting, false));
  ua.set_guard(&sip_guard);
  alarm_ua = &ua;
  bool on_alternate = false;  // registered (or trying) at the platform's alternate server
  core::Timers::Id main_retry = 0;
  std::function<void(bool alternate)> use_sip_setting;  // defined once the panel exists
  std::vector<json> recent_events;
  // Media of the VTO's calls: the SDP, and the camera's video to monitors that accept it.
  station::DoorMediaConfig media_config;
  media_config.address = *sip::numeric_ip(transport.local(sip::Transport::Udp).host);
  media_config.camera_device = o.camera;
  media_config.microphone_tone_hz = microphone_tone_hz;
  media_config.microphone_wav = microphone_wav;
  media_config.microphone_device = microphone_device;
  media_config.speaker_device = speaker_device;
  media_config.speaker_record_dir = o.speaker_record;
  media::StreamBudget stream_budget;
  media_config.budget = &stream_budget;
  media_config.camera.width = video_size->first;
  media_config.camera.height = video_size->second;
  media_config.camera.sub_width = sub_size->first;
  media_config.camera.sub_height = sub_size->second;
  device::Panel* panel_for_dtmf = nullptr;                // set once the panel exists
  station::MonitorSessions* monitors_for_dtmf = nullptr;  // set once they exist
  media_config.on_dtmf = [&panel_for_dtmf, &monitors_for_dtmf](std::uint64_t call, char key) {
    if (monitors_for_dtmf && monitors_for_dtmf->on_dtmf(call, key)) return;
    if (panel_for_dtmf) panel_for_dtmf->on_dtmf(call, std::string(1, key));
  };
  auto call_media = station::DoorMedia::open(io, std::move(media_config));
  if (!call_media) {
    std::cerr << "vtod: " << call_media.error().message << "\n";
    return 1;
  }
  // A JPEG of the camera's next frame, answered on the core thread (call records, snapshot
  // routes, the browser's live view).
  const auto snapshot_on_core = [&](std::function<void(Result<std::vector<std::uint8_t>>)> done) {
    (*call_media)->snapshot([&io, done = std::move(done)](Result<std::vector<std::uint8_t>> jpeg) {
      asio::post(io, [done, jpeg = std::move(jpeg)]() mutable { done(std::move(jpeg)); });
    });
  };
  // The visitor's picture, taken when each call starts, saved beside its record.
  if (auto enabled = call_recorder.enable_snapshots(
          o.data_dir + "/snapshots", snapshot_on_core,
          [&io](std::function<void()> fn) { asio::post(io, std::move(fn)); });
      !enabled) {
    log->warn("call records without snapshots: {}", enabled.error().message);
  }
  ua.set_sdp_provider([&](sip::CallHandle id, const std::string& remote_offer) {
    return (*call_media)->sdp_for(id, remote_offer);
  });
  // Live view for players and NVRs (RTSP), with the web accounts' digest keys.
  auto viewer_auth = api::ViewerAuth::open(o.data_dir, timers);
  if (!viewer_auth) {
    std::cerr << "vtod: " << viewer_auth.error().message << "\n";
    return 1;
  }
  station::RtspLiveViewConfig live_config;
  // The RTSP server's thread reads the IP allow-list: a copy of its own, under a lock.
  std::mutex rtsp_allow_mutex;
  api::AllowList rtsp_allow = security.allow_list;
  live_config.allowed = [&rtsp_allow_mutex, &rtsp_allow](std::string_view ip) {
    std::lock_guard lock(rtsp_allow_mutex);
    return rtsp_allow.allows(ip);
  };
  live_config.microphone_device = microphone_device;
  live_config.tone_hz = microphone_wav.empty() ? microphone_tone_hz : 440;
  station::RtspLiveView live_view(io, **call_media, stream_budget, **viewer_auth, live_config);
  // Monitor > Door: monitors calling this VTO's number watch the door.
  station::MonitorSessions monitor_sessions(ua, **call_media, stream_budget, timers, access_control,
                                            station::MonitorSessions::Config{o.unlock_code});
  monitors_for_dtmf = &monitor_sessions;
  station::UaCallControl call_control(ua);
  ua.set_event_handler([&](const sip::UaEvent& e) {
    json j = event_json(e);
    log->info("call event: {}", j.dump());
    recent_events.push_back(std::move(j));
    if (recent_events.size() > 100) recent_events.erase(recent_events.begin());
    call_recorder.on_ua_event(e);  // before the panel hears of it
    // The platform's main server does not answer: fail over to the alternate (and try the
    // main one again every minute).
    if (e.type == sip::UaEvent::Type::RegistrationFailed && !serving() && !on_alternate &&
        sip_setting.mode == "platform" && !sip_setting.alternate_ip.empty()) {
      log->warn("SIP server {} failed ({}): using the alternate {}", e.peer, e.status,
                sip_setting.alternate_ip);
      asio::post(io, [&] { use_sip_setting(true); });
    }
    switch (e.type) {
      case sip::UaEvent::Type::Answered:
        (*call_media)->on_established(e.call, e.body);
        break;
      case sip::UaEvent::Type::Bye:
      case sip::UaEvent::Type::Cancelled:
      case sip::UaEvent::Type::Rejected:
      case sip::UaEvent::Type::Error:
        (*call_media)->on_ended(e.call);
        break;
      default:
        break;
    }
    if (monitor_sessions.on_event(e)) return;
    call_control.on_event(e);
  });

  // The door panel on simulated modules, laid out as the facade setting says (at first
  // start: lights, a button module for the --button targets, a keypad, a display, a card
  // reader and a fingerprint module).
  if (o.buttons.size() > 5) {
    std::cerr << "vtod: at most 5 call buttons on the first facade\n";
    return 2;
  }
  api::Facade facade_defaults;
  facade_defaults.modules = {{hal::ModuleKind::Indicators, 0},
                             {hal::ModuleKind::Buttons, o.buttons.size() <= 1   ? std::size_t{1}
                                                        : o.buttons.size() <= 2 ? std::size_t{2}
                                                                                : std::size_t{5}},
                             {hal::ModuleKind::Keypad, 0},
                             {hal::ModuleKind::Display, 0},
                             {hal::ModuleKind::CardReader, 0},
                             {hal::ModuleKind::Fingerprint, 0}};
  facade_defaults.buttons = o.buttons;
  auto loaded_facade = api::load_facade(settings, facade_defaults);
  if (!loaded_facade) {
    std::cerr << "vtod: " << loaded_facade.error().message << "\n";
    return 1;
  }
  api::Facade facade = *loaded_facade;
  device::PanelConfig panel_config;
  panel_config.unlock_code = o.unlock_code;
  panel_config.unlock_hold = std::chrono::seconds(o.unlock_hold_seconds);
  panel_config.ring_timeout = std::chrono::seconds(o.ring_timeout_seconds);
  panel_config.talk_limit = std::chrono::seconds(o.talk_limit_seconds);
  media::TonePlayer::Config tone_config;
  tone_config.speaker_device = speaker_device;
  tone_config.on_error = [](std::string message) {
    core::logger("vtod")->error("speaker: {}", message);  // spdlog is thread-safe
  };
  auto tones = media::TonePlayer::create(timers, std::move(tone_config));
  if (!tones) {
    std::cerr << "vtod: " << tones.error().message << "\n";
    return 2;
  }
  SpeakerFeedback feedback(**tones);
  sound_alarm = [&feedback] { feedback.tone(device::Tone::Alarm); };
  // A real fingerprint reader (libfprint), when asked for, in place of the simulated one.
  std::unique_ptr<hal::linux_backend::LibfprintReader> libfprint_reader;
  if (o.fingerprint == "libfprint") {
    libfprint_reader = std::make_unique<hal::linux_backend::LibfprintReader>(io);
  }
  const auto fingerprint_reader_of = [&](hal::sim::SimPanel& s) -> hal::FingerprintReader* {
    if (s.fingerprint_reader() == nullptr) return nullptr;  // no module in the facade
    if (libfprint_reader) return libfprint_reader.get();
    return s.fingerprint_reader();
  };
  // The fingerprint module compares fingers with the enrolled prints.
  const auto give_prints = [&fingerprints](hal::FingerprintReader* reader) {
    if (reader == nullptr) return;
    auto prints = fingerprints.list();
    if (!prints) {
      core::logger("access")->error("fingerprints: {}", prints.error().message);
      return;
    }
    std::vector<hal::EnrolledPrint> enrolled;
    for (auto& p : *prints) {
      enrolled.push_back({static_cast<std::uint64_t>(p.id), std::move(p.template_data)});
    }
    reader->set_enrolled(std::move(enrolled));
  };
  // The simulated modules and the panel on them, built again when the facade changes.
  hal::sim::SimPanelPtr sim;
  // Declared after `sim`, so gone before it: the access control lets go of the modules
  // first, however main() ends.
  struct DetachAccess {
    access::AccessControl& access;
    api::ReaderEnrolment& enrolment;
    station::AlarmCentre& alarms;
    ~DetachAccess() {
      access.set_devices(nullptr, nullptr);
      enrolment.set_readers(nullptr, nullptr);
      alarms.set_tamper_switch(nullptr);
    }
  } detach_access{access_control, reader_enrolment, alarm_centre};
  device::PanelPtr panel;
  auto build_panel = [&](const api::Facade& f) -> Result<void> {
    hal::sim::SimPanelConfig sim_config;
    for (const auto& m : f.modules) sim_config.modules.push_back({m.kind, m.buttons});
    auto new_sim = hal::sim::SimPanel::create(timers, sim_config);
    if (!new_sim) return new_sim.error();
    device::PanelConfig config = panel_config;
    for (std::size_t i = 0; i < f.buttons.size(); ++i)
      if (!f.buttons[i].empty()) config.buttons[i] = f.buttons[i];
    std::vector<hal::KeySource*> keys{&(*new_sim)->call_buttons()};
    if ((*new_sim)->keypad()) keys.push_back((*new_sim)->keypad());
    auto new_panel = device::Panel::create(
        config,
        device::PanelDevices{keys, (*new_sim)->lock(), (*new_sim)->indicators(),
                             (*new_sim)->display(), &feedback, (*new_sim)->card_reader(),
                             fingerprint_reader_of(**new_sim), &reader_enrolment},
        call_control, timers);
    if (!new_panel) return new_panel.error();
    (*new_panel)->add_state_listener([&call_recorder](const device::PanelStatus& st) {
      call_recorder.on_panel_status(st);
    });
    // Ringback plays while the flat rings, and no longer.
    (*new_panel)->add_state_listener([&tones](const device::PanelStatus& st) {
      if (st.state != device::PanelState::Calling) (*tones)->stop("ringback");
    });
    // The exit button inside opens the door for the usual time.
    (*new_sim)->exit_button().add_listener([&access_control] { access_control.exit_button(); });
    (*new_sim)->lock().set_normally_closed(access_control.settings().normally_closed);
    give_prints(fingerprint_reader_of(**new_sim));
    // The access control moves to the new modules before the old ones go.
    access_control.set_devices(&(*new_sim)->lock(), &(*new_sim)->door_sensor());
    reader_enrolment.set_readers((*new_sim)->card_reader(), fingerprint_reader_of(**new_sim));
    alarm_centre.set_tamper_switch(&(*new_sim)->tamper_switch());
    call_control.set_panel(new_panel->get());
    panel_for_dtmf = new_panel->get();
    panel = std::move(*new_panel);  // the old panel goes before the modules it used
    sim = std::move(*new_sim);
    return {};
  };
  if (auto built = build_panel(facade); !built) {
    std::cerr << "vtod: " << built.error().message << "\n";
    return 2;
  }
  // Serves the building, or registers to the SIP server of the setting (the platform's
  // alternate while its main server does not answer).
  std::function<void()> retry_main;
  use_sip_setting = [&](bool alternate) {
    timers.cancel(main_retry);
    on_alternate = alternate;
    // The platform and its alternate are never blocked for wrong answers.
    std::vector<std::string> trusted;
    if (!serving()) {
      for (const auto& ip : {sip_setting.server_ip, sip_setting.alternate_ip})
        if (!ip.empty()) trusted.push_back(ip);
    }
    sip_guard.set_trusted(std::move(trusted));
    ua.reconfigure(ua_config_for(sip_setting, alternate));
    if (serving()) {
      tl.set_user(&server);
      server.set_local_user(&ua);
      return;
    }
    tl.set_user(&ua);
    ua.start_registration();
    if (alternate) main_retry = timers.start(std::chrono::seconds(60), [&] { retry_main(); });
  };
  retry_main = [&] { use_sip_setting(false); };
  use_sip_setting(false);

  // The web interface: HTTPS with the station's certificate (made at first start), and a
  // plain HTTP port that only redirects there.
  web::SelfSignedOptions cert_options;
  cert_options.dns_names = {"localhost"};
  cert_options.ip_addresses = {"127.0.0.1"};
  if (https_addr->host != "0.0.0.0" && https_addr->host != "127.0.0.1" && https_addr->host != "::")
    cert_options.ip_addresses.push_back(https_addr->host);
  auto identity = web::load_or_create(o.data_dir + "/tls", cert_options);
  if (!identity) {
    std::cerr << "vtod: " << identity.error().message << "\n";
    return 1;
  }
  api::WebAuth auth(io, timers, **config_db);
  auth.set_login_policy(security.login);  // the saved login rules (Security page)
  // Players' and NVRs' digest answers: the same figures, and the same audit log.
  (*viewer_auth)
      ->set_lockout(security.login.max_failures, std::chrono::minutes(security.login.lock_minutes));
  (*viewer_auth)
      ->set_observer([&io, &auth](const std::string& user, const std::string& address,
                                  const std::string& action, const std::string& detail) {
        asio::post(io, [&auth,
                        who =
                            api::Principal{
                                core::printable(user, 64), store::Role::Viewer, address, false, {}},
                        action, detail] { auth.audit(who, action, detail); });
      });
  // Wrong SIP answers and blocked sources: in the audit log and on the event stream.
  sip_guard.set_observer([&](const sip::SecurityEvent& e) {
    const bool blocked = e.kind == sip::SecurityEvent::Kind::SourceBlocked;
    const std::string user = core::printable(e.user, 64);
    const std::string detail =
        blocked ? "SIP source blocked for " +
                      std::to_string(
                          std::chrono::duration_cast<std::chrono::seconds>(e.block).count()) +
                      " s after wrong answers for " + user
                : e.method + " with a wrong answer for " + user;
    auth.audit(api::Principal{"", store::Role::Viewer, e.source, false, {}},
               blocked ? "sip_source_blocked" : "sip_auth_failed", detail);
    if (publish_event) {
      publish_event(json{{"event", blocked ? "sip_source_blocked" : "sip_auth_failed"},
                         {"source", e.source},
                         {"user", user},
                         {"method", e.method}});
    }
  });
  const api::Guard guard = [&auth](store::Role least, web::HttpServer::Handler h) {
    return auth.guard(least, [h = std::move(h)](const web::HttpRequest& req,
                                                const api::Principal&) { return h(req); });
  };
  web::HttpConfig hcfg;
  hcfg.listen_ip = https_addr->host;
  hcfg.port = https_addr->port;
  hcfg.tls_certificate_pem = identity->certificate_pem;
  hcfg.tls_private_key_pem = identity->private_key_pem;
  web::HttpServer http(io, hcfg);
  security.certificate_pem = identity->certificate_pem;
  // The IP allow-list (Security page) holds for both ports; loopback is always allowed.
  const auto allowed = [&security](const std::string& ip) {
    return security.allow_list.allows(ip);
  };
  http.set_access_filter(allowed);
  web::HttpConfig redirect_cfg;
  redirect_cfg.listen_ip = http_addr->host;
  redirect_cfg.port = http_addr->port;
  redirect_cfg.redirect_to_https_port = https_addr->port;  // set again once HTTPS listens
  web::HttpServer redirect(io, redirect_cfg);
  redirect.set_access_filter(allowed);
  bool redirect_running = false;
  auth.add_routes(http);
  api::add_ui_routes(http);
  api::add_household_routes(
      http, auth, (*directory)->directory(),
      [&locations](const std::string& number) {
        std::vector<std::string> devices;
        for (const auto& b : locations.lookup_prefix(number + "#")) devices.push_back(b.aor);
        for (const auto& b : locations.lookup(number)) devices.push_back(b.aor);
        return devices;
      },
      api::RoomUsers{[&local] { return local.vto_number; },
                     [&facade](const std::string& number) -> std::optional<std::string> {
                       for (std::size_t i = 0; i < facade.buttons.size(); ++i) {
                         if (facade.buttons[i] == number) {
                           return "room " + number + " is on call button " + std::to_string(i + 1) +
                                  ": change the façade first";
                         }
                       }
                       return std::nullopt;
                     }});
  api::DeviceInfo device_info{"OpenVTO modular door station (simulated modules)", 9, false};
  // Network Setting. Until the page is saved, it shows what vtod was started with.
  api::NetworkBasic network;
  if (*saved_network) network = **saved_network;
  auto fill_network = [&] {
    // The ports in force (a saved one may have been taken at start), and until the page is
    // saved, the address vtod advertises.
    network.http_port = redirect_running ? redirect.port() : http_addr->port;
    network.https_port = http.port();
    network.sip_port = transport.local(sip::Transport::Udp).port;
    if (live_view.running()) network.rtsp_port = live_view.port();
    if (*saved_network) return;
    const std::string advertised = transport.local(sip::Transport::Udp).host;
    network.ip = advertised.starts_with("[") ? "" : advertised;
  };
  api::add_network_routes(
      http, auth, settings, network,
      [&](const api::NetworkBasic& before, const api::NetworkBasic& after) -> Result<void> {
        // Each changed port is moved on its own; a failure moves the others back.
        std::vector<std::function<void()>> undo;
        auto fail = [&](const Error& e) -> Result<void> {
          for (auto it = undo.rbegin(); it != undo.rend(); ++it) (*it)();
          return make_error(e.message, 409);
        };
        if (after.https_port != before.https_port) {
          if (auto r = http.rebind(https_addr->host, after.https_port); !r) return fail(r.error());
          undo.push_back([&, p = before.https_port] { (void)http.rebind(https_addr->host, p); });
          redirect.set_redirect_to_https_port(after.https_port);
          undo.push_back([&, p = before.https_port] { redirect.set_redirect_to_https_port(p); });
        }
        if (after.http_port != before.http_port && redirect_running) {
          if (auto r = redirect.rebind(http_addr->host, after.http_port); !r)
            return fail(r.error());
          undo.push_back([&, p = before.http_port] { (void)redirect.rebind(http_addr->host, p); });
        }
        if (after.rtsp_port != before.rtsp_port && live_view.running()) {
          if (auto r = live_view.listen(rtsp_addr->host, after.rtsp_port); !r)
            return fail(r.error());
          undo.push_back([&, p = before.rtsp_port] { (void)live_view.listen(rtsp_addr->host, p); });
        }
        if (after.sip_port != before.sip_port) {
          if (auto r = transport.rebind(after.sip_port); !r) return fail(r.error());
          // This VTO's own calls go to its server at the new port.
          if (serving()) ua.reconfigure(ua_config_for(sip_setting, false));
        }
        const auto addresses = [](const api::NetworkBasic& n) {
          return station::InterfaceAddresses{n.ip, n.mask, n.gateway, n.dns1, n.dns2};
        };
        if (interface_config && addresses(after) != addresses(before)) {
          if (auto r = interface_config->apply(addresses(after)); !r) {
            log->error("network: {}: {}", interface_config->interface(), r.error().message);
            // Back to what it was; the ports too.
            if (!before.ip.empty()) (void)interface_config->apply(addresses(before));
            for (auto it = undo.rbegin(); it != undo.rend(); ++it) (*it)();
            return make_error(interface_config->interface() + ": " + r.error().message, 500);
          }
          log->info("network: {} is {}/{}, gateway {}", interface_config->interface(), after.ip,
                    station::prefix_length(after.mask),
                    after.gateway.empty() ? "none" : after.gateway);
        }
        log->info("network: HTTPS {}, HTTP {}, SIP {}", after.https_port, after.http_port,
                  after.sip_port);
        return {};
      },
      sip_setting,
      [&](const api::SipServerSetting&, const api::SipServerSetting& after) -> Result<void> {
        // Who serves the building changes how calls are routed: not in the middle of one.
        if (panel->state().state != device::PanelState::Idle)
          return make_error("the panel is busy with a call: save again when it ends", 409);
        if (!serving()) ua.unregister();
        sip_setting = after;
        use_sip_setting(false);
        log->info("SIP server: {}", after.mode == "this" ? std::string("this VTO")
                                                         : after.mode + " " + after.server_ip);
        return {};
      },
      [&] {
        return json{{"serving", serving()},
                    {"registered", serving() ? true : ua.registered()},
                    {"active", serving() ? "this" : (on_alternate ? "alternate" : "main")},
                    {"server", serving() ? "" : ua.config().server.host_port()}};
      },
      interface_config ? interface_config->interface() : std::string());
  // On a board, the saved addresses are the interface's from the start.
  if (interface_config && *saved_network) {
    const api::NetworkBasic& n = **saved_network;
    if (auto r = interface_config->apply({n.ip, n.mask, n.gateway, n.dns1, n.dns2}); !r) {
      log->error("network: {}: {}", interface_config->interface(), r.error().message);
    } else {
      log->info("network: {} is {}/{}", interface_config->interface(), n.ip,
                station::prefix_length(n.mask));
    }
  }
  api::SecurityHooks security_hooks;
  security_hooks.tls_dir = o.data_dir + "/tls";
  security_hooks.self_signed = cert_options;
  security_hooks.apply_certificate = [&http](const web::TlsIdentity& id) {
    return http.set_tls(id.certificate_pem, id.private_key_pem);
  };
  security_hooks.apply_allow_list = [&](const api::AllowList& list) {
    {
      std::lock_guard lock(rtsp_allow_mutex);
      rtsp_allow = list;
    }
    log->info("allow-list: {}", list.empty() ? std::string("everyone")
                                             : std::to_string(list.entries().size()) + " entries");
  };
  security_hooks.apply_login_policy = [&](const api::LoginPolicy& policy) {
    auth.set_login_policy(policy);
    (*viewer_auth)->set_lockout(policy.max_failures, std::chrono::minutes(policy.lock_minutes));
    sip_guard.set_settings(sip_guard_settings(policy));
  };
  security_hooks.set_http_service = [&](bool on) -> Result<void> {
    if (on == redirect_running) return {};
    if (!on) {
      redirect.stop();
      redirect_running = false;
      log->info("plain HTTP port closed");
      return {};
    }
    if (auto r = redirect.start(); !r) return make_error(r.error().message, 409);
    redirect_running = true;
    if (*saved_network || network.http_port != redirect.port()) {
      if (auto r = redirect.rebind(http_addr->host, network.http_port); !r)
        log->warn("plain HTTP stays on {}: {}", redirect.port(), r.error().message);
    }
    log->info("plain HTTP port {} open (redirects to HTTPS)", redirect.port());
    return {};
  };
  api::add_security_routes(http, auth, settings, security, std::move(security_hooks));
  api::add_facade_routes(
      http, auth, settings, device_info, facade,
      [&directory](const std::string& number) {
        auto room = (*directory)->directory().find_room(number);
        return room && room->has_value();
      },
      [&sim] {
        json presence = json::array();
        for (const auto& m : sim->module_bus().modules()) {
          presence.push_back({{"position", m.position},
                              {"kind", hal::module_kind_name(m.kind)},
                              {"presence", hal::presence_name(m.presence)}});
        }
        return presence;
      },
      [&](const api::Facade& f) -> Result<void> {
        // The panel is rebuilt only between calls: a visitor mid-call keeps the buttons.
        if (panel->state().state != device::PanelState::Idle)
          return make_error("the panel is busy with a call: save again when it ends", 409);
        if (auto built = build_panel(f); !built) return built;
        log->info("facade changed: {} modules, {} call buttons", f.modules.size(),
                  f.button_count());
        return {};
      });
  api::add_local_routes(
      http, auth, settings, device_info, local, [&sip_setting] { return sip_setting.mode; },
      [&](const api::LocalBasic& before, const api::LocalBasic& after) {
        if (before.vto_number == after.vto_number) return;
        // New calls go out under the new number; calls in progress keep theirs.
        server.set_own_number(after.vto_number);
        if (serving()) ua.set_user(after.vto_number);
        call_recorder.set_caller(after.vto_number);
        if (auto own = keep_own_vto((*directory)->directory(), after.vto_number, before.vto_number);
            !own) {
          log->error("VTO list: {}", own.error().message);
        }
        log->info("VTO No. is now {}", after.vto_number);
      },
      [&directory, &local](const std::string& number) -> std::optional<std::string> {
        auto& dir = (*directory)->directory();
        if (auto room = dir.find_room(number); room && room->has_value())
          return "room " + number + " has this number";
        if (auto vto = dir.find_vto(number); vto && vto->has_value() && number != local.vto_number)
          return "VTO " + number + " in the VTO list has this number";
        return std::nullopt;
      });
  http.route("GET", "/api/v1/health", [&](const web::HttpRequest&) {
    web::HttpResponse r;
    r.body = json{{"status", "ok"},
                  {"mode", serving() ? "sip-server" : sip_setting.mode},
                  {"registered", serving() ? true : ua.registered()}}
                 .dump();
    return r;
  });
  http.route(
      "GET", "/api/v1/registrations", guard(store::Role::Viewer, [&](const web::HttpRequest& req) {
        json list = json::array();
        auto prefix = web::query_param(req.query, "aor");
        if (!prefix) return web::json_error(400, prefix.error().message);
        for (const auto& b : locations.lookup_prefix(prefix->value_or(""))) {
          auto left =
              std::chrono::duration_cast<std::chrono::seconds>(b.expires_at - timers.now()).count();
          list.push_back({{"aor", b.aor},
                          {"contact", b.contact},
                          {"expires", left},
                          {"source", b.source.host_port()},
                          {"user_agent", b.user_agent}});
        }
        web::HttpResponse r;
        r.body = json{{"registrations", list}}.dump();
        return r;
      }));
  http.route("POST", "/api/v1/calls",
             guard(store::Role::Operator, [&](const web::HttpRequest& req) {
               auto body = json::parse(req.body, nullptr, false);
               if (body.is_discarded() || !body.is_object() || !body.contains("to") ||
                   !body["to"].is_string()) {
                 return web::json_error(400, "body must be {\"to\": \"NUMBER\"}");
               }
               std::string to = body["to"];
               if (to.empty() || to.size() > 32 ||
                   to.find_first_not_of(
                       "0123456789#abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
                       std::string::npos) {
                 return web::json_error(400, "\"to\" must be a room, device or VTO number");
               }
               sip::CallHandle id = ua.call(to);
               web::HttpResponse r;
               r.status = 202;
               r.body = json{{"call", id}, {"to", to}}.dump();
               return r;
             }));
  http.route("DELETE", "/api/v1/calls/*",
             guard(store::Role::Operator, [&](const web::HttpRequest& req) {
               std::string id_text = req.path.substr(std::string("/api/v1/calls/").size());
               sip::CallHandle id = 0;
               try {
                 id = std::stoull(id_text);
               } catch (...) {
                 return web::json_error(400, "bad call id");
               }
               if (auto res = ua.hangup(id); !res) return web::json_error(404, res.error().message);
               web::HttpResponse r;
               r.body = json{{"call", id}, {"state", "hung up"}}.dump();
               return r;
             }));
  http.route("GET", "/api/v1/calls/events",
             guard(store::Role::Viewer, [&](const web::HttpRequest&) {
               web::HttpResponse r;
               r.body = json{{"events", recent_events}}.dump();
               return r;
             }));
  auto extra_state = [&](json& state) {
    const auto& status = panel->state();
    state["panel"] = {{"state", device::state_name(status.state)},
                      {"dialled", status.dialled},
                      {"number", status.number},
                      {"call", status.call}};
    state["tone"] = {{"last", feedback.last()},
                     {"count", feedback.count()},
                     {"playing", (*tones)->current()},
                     {"level_db", (*tones)->level_db()}};
    // The simulated speaker's level meter and the microphone's stream, per call.
    json audio = json::array();
    for (const auto& a : (*call_media)->audio_status()) {
      audio.push_back({{"call", a.call},
                       {"codec", a.codec},
                       {"packets_received", a.stats.packets_received},
                       {"packets_sent", a.stats.packets_sent},
                       {"level_db", a.stats.level_db},
                       {"peak_level_db", a.stats.peak_level_db},
                       {"dtmf_received", a.stats.dtmf_received}});
    }
    state["audio"] = std::move(audio);
  };
  api::add_sim_routes(
      http, auth, [&sim]() -> hal::sim::SimPanel& { return *sim; }, extra_state);
  api::add_sim_live(
      http, timers,
      [&auth](const web::HttpRequest& req) -> std::optional<web::HttpResponse> {
        auto who = auth.authenticate(req, store::Role::Viewer);
        if (auto* refused = std::get_if<web::HttpResponse>(&who)) return *refused;
        return std::nullopt;
      },
      [&auth](const web::HttpRequest& req) { return auth.still_authorized(req); },
      [&] {
        json state = hal::sim::to_json(sim->state());
        extra_state(state);
        return state;
      });
  // The camera's picture for the virtual panel, a JPEG at a time.
  http.route_async(
      "GET", "/api/v1/sim/camera.jpg",
      auth.guard_async(store::Role::Viewer, [&](const web::HttpRequest&, const api::Principal& who,
                                                web::HttpServer::Reply reply) {
        if (!(*viewer_auth)->may_watch(who.role))
          return reply(web::json_error(403, "this account may not watch the door"));
        snapshot_on_core(
            [reply](Result<std::vector<std::uint8_t>> jpeg) { reply(api::jpeg_response(jpeg)); });
      }));
  // Live view: stream status, who may watch, snapshots (also for NVRs, with digest).
  auto live_settings = api::load_live_settings(settings);
  if (!live_settings) {
    std::cerr << "vtod: " << live_settings.error().message << "\n";
    return 1;
  }
  api::LiveSettings live = *live_settings;
  (*viewer_auth)->set_watch_roles(live.watch_roles);
  monitor_sessions.set_max_time(std::chrono::seconds(live.monitor_seconds));
  api::add_live_routes(
      http, {&http, &redirect}, auth,
      api::LiveApiDeps{settings, live,
                       [&](const api::LiveSettings& l) {
                         (*viewer_auth)->set_watch_roles(l.watch_roles);
                         monitor_sessions.set_max_time(std::chrono::seconds(l.monitor_seconds));
                       },
                       stream_budget, **viewer_auth, snapshot_on_core,
                       [&live_view] { return live_view.port(); }});
  // The camera in the browser (Live page, virtual panel), counted in the six streams.
  station::BrowserVideoFeed live_video(
      http, timers, stream_budget,
      [&](const web::HttpRequest& req) -> std::optional<web::HttpResponse> {
        auto who = auth.authenticate(req, store::Role::Viewer);
        if (auto* refused = std::get_if<web::HttpResponse>(&who)) return *refused;
        if (!live.watch_roles.contains(std::get<api::Principal>(who).role))
          return web::json_error(403, "this account may not watch the door");
        return std::nullopt;
      },
      [&auth](const web::HttpRequest& req) { return auth.still_authorized(req); },
      snapshot_on_core);
  // Pictures of the door (call records' snapshots): only for the roles that may watch it.
  const api::Guard watch_guard = [&auth, &viewers = **viewer_auth](store::Role least,
                                                                   web::HttpServer::Handler h) {
    return auth.guard(least, [h = std::move(h), &viewers](const web::HttpRequest& req,
                                                          const api::Principal& who) {
      if (!viewers.may_watch(who.role))
        return web::json_error(403, "this account may not watch the door");
      return h(req);
    });
  };
  api::add_record_routes(http, guard, watch_guard, call_records);
  api::EventStream events(
      http, timers,
      [&auth](const web::HttpRequest& req) -> std::optional<web::HttpResponse> {
        auto who = auth.authenticate(req, store::Role::Viewer);
        if (auto* refused = std::get_if<web::HttpResponse>(&who)) return *refused;
        return std::nullopt;
      },
      [&auth](const web::HttpRequest& req) { return auth.still_authorized(req); });
  publish_event = [&events](const json& e) { events.publish(e); };
  api::add_alarm_routes(http, auth, alarm_records);
  api::add_record_caps_routes(http, auth, settings, record_caps, apply_record_caps);
  api::add_access_routes(
      http, auth,
      api::AccessApiDeps{settings, access_control, reader_enrolment, cards, fingerprints,
                         keypad_codes, unlock_records, timers, hash_async, *keypad_hasher,
                         core::system_unix_ms, [&] { give_prints(fingerprint_reader_of(*sim)); },
                         [&](const access::LockSettings& s) {
                           sim->lock().set_normally_closed(s.normally_closed);
                         }});
  if (auto r = http.start(); !r) {
    if (!*saved_network || cli_https.port == https_addr->port) {
      std::cerr << "vtod: " << r.error().message << "\n";
      return 1;
    }
    log->error("saved HTTPS port: {}; using the command line's port {} instead", r.error().message,
               cli_https.port);
    if (auto again = http.rebind(https_addr->host, cli_https.port); !again) {
      std::cerr << "vtod: " << again.error().message << "\n";
      return 1;
    }
  }
  redirect.set_redirect_to_https_port(http.port());
  if (security.http_service) {
    if (auto r = redirect.start(); !r) {
      if (!*saved_network || cli_http.port == http_addr->port) {
        std::cerr << "vtod: " << r.error().message << "\n";
        return 1;
      }
      log->error("saved HTTP port: {}; using the command line's port {} instead", r.error().message,
                 cli_http.port);
      if (auto again = redirect.rebind(http_addr->host, cli_http.port); !again) {
        std::cerr << "vtod: " << again.error().message << "\n";
        return 1;
      }
    }
    redirect_running = true;
  }

  // RTSP on the saved port, else the command line's.
  if (rtsp_on) {
    const std::uint16_t rtsp_port = *saved_network ? (**saved_network).rtsp_port : rtsp_addr->port;
    if (auto r = live_view.listen(rtsp_addr->host, rtsp_port); !r) {
      log->error("RTSP: {}", r.error().message);
      if (rtsp_port != rtsp_addr->port) {
        if (auto again = live_view.listen(rtsp_addr->host, rtsp_addr->port); !again)
          log->error("RTSP off: {}", again.error().message);
      } else {
        log->error("RTSP off: live view for players and NVRs is not available");
      }
    }
  }
  fill_network();
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int sig) {
    log->info("signal {}: stopping", sig);
    if (!serving()) ua.unregister();
    timers.start(core::Duration(serving() ? 0 : 300), [&] { io.stop(); });
  });

  log->info(
      "vtod ready: SIP on {} (UDP, TCP), web interface on https://{}:{}/ (http://{}:{}/ "
      "redirects there), data in {}",
      sip::Peer{sip::Transport::Udp, sip_addr->host, transport.local(sip::Transport::Udp).port, 0}
          .host_port(),
      https_addr->host, http.port(), http_addr->host, redirect_running ? redirect.port() : 0,
      o.data_dir);
  std::cout << "vtod ready sip=" << transport.local(sip::Transport::Udp).port
            << " https=" << http.port() << " http=" << (redirect_running ? redirect.port() : 0)
            << " rtsp=" << live_view.port() << std::endl;
  alarm_centre.start();  // what the last run left undelivered
  io.run();
  log->info("vtod stopped");
  return 0;
}
