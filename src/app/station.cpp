#include "app/station.h"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "core/text.h"
#ifdef VTO_WITH_LIBFPRINT
#include "hal/linux/libfprint_reader.h"
#endif
#include "core/unix_clock.h"
#include "store/directory.h"

namespace asio = boost::asio;
using nlohmann::json;

namespace vto::app {
namespace {

// A call's record (and the snapshot it asks for) is written this long after the panel
// starts the call: the INVITE that rings the flat does not wait for the disk or the camera.
constexpr core::Duration kRecordDelay{20};

Error fatal(const Error& e) {
  return make_error(e.message, 1);
}

}  // namespace

// The SIP side locks out like the web login: the Security page's figures.
sip::SipGuardConfig Station::sip_guard_config(const api::LoginPolicy& policy) {
  sip::SipGuardConfig c;
  c.max_failures = policy.max_failures;
  c.block = std::chrono::minutes(policy.lock_minutes);
  return c;
}

Station::Station(Options options) : options_(std::move(options)), log_(core::logger("vtod")) {}

Result<std::unique_ptr<Station>> Station::create(Options options) {
  std::unique_ptr<Station> s(new Station(std::move(options)));
  for (auto step :
       // The board right after the settings (the relay type): on a Linux board it drives the
       // lock line locked before any other part starts.
       {&Station::open_store, &Station::choose_board, &Station::open_records,
        &Station::open_web_identity, &Station::start_sip, &Station::open_media,
        &Station::start_services, &Station::build_board, &Station::add_routes, &Station::listen}) {
    if (auto ok = ((*s).*step)(); !ok) return ok.error();
  }
  return s;
}

Station::~Station() {
  // The access control lets go of the modules before they go.
  if (access_control_) access_control_->set_devices(nullptr, nullptr);
  if (reader_enrolment_) reader_enrolment_->set_readers(nullptr, nullptr);
  if (alarm_centre_) alarm_centre_->set_tamper_switch(nullptr);
}

Result<void> Station::open_store() {
  auto directory = station::BuildingDirectory::open(options_.data_dir);
  if (!directory) return fatal(directory.error());
  directory_ = std::move(*directory);
  auto config_db = store::Database::open(options_.data_dir);
  if (!config_db) return fatal(config_db.error());
  config_db_ = std::move(*config_db);
  settings_ = std::make_unique<store::Settings>(*config_db_);
  auto security = api::load_security(*settings_);
  if (!security) return fatal(security.error());
  security_ = std::move(*security);
  api::LocalBasic local_defaults;
  local_defaults.vto_number = options_.vto_number.empty() ? "8001" : options_.vto_number;
  auto local = api::load_local_basic(*settings_, local_defaults);
  if (!local) return fatal(local.error());
  local_ = *local;
  options_.vto_number = local_.vto_number;
  if (auto own = station::keep_own_vto(directory_->directory(), local_.vto_number, ""); !own) {
    log_->warn("VTO list: this VTO ({}) is not in it: {}", local_.vto_number, own.error().message);
  }
  // Network Setting: saved ports override the command line's; the SIP Server setting, once
  // saved, overrides --platform*.
  auto saved_network = api::load_network(*settings_);
  if (!saved_network) return fatal(saved_network.error());
  auto saved_sip = api::load_sip_server(*settings_);
  if (!saved_sip) return fatal(saved_sip.error());
  saved_network_ = *saved_network;
  cli_sip_ = options_.sip;
  cli_sip_tls_ = options_.sip_tls;
  cli_http_ = options_.http;
  cli_https_ = options_.https;
  if (saved_network_) {
    options_.sip.port = saved_network_->sip_port;
    if (options_.sip_tls) options_.sip_tls->port = saved_network_->sip_tls_port;
    options_.http.port = saved_network_->http_port;
    options_.https.port = saved_network_->https_port;
  }
  if (*saved_sip) {
    saved_sip_ = **saved_sip;
  } else if (options_.platform) {
    saved_sip_.mode = api::SipServerMode::Platform;
    saved_sip_.server_ip = options_.platform->host;
    saved_sip_.server_port = options_.platform->port;
    saved_sip_.domain = options_.platform_domain;
    saved_sip_.user = options_.platform_user;
    saved_sip_.password = options_.platform_password;
    if (!options_.platform_certificate.empty()) {
      saved_sip_.transport = "tls";
      saved_sip_.server_certificate = options_.platform_certificate;
    }
  }
  if (saved_network_) network_ = *saved_network_;
  if (!options_.network_interface.empty())
    network_interface_.emplace(io_, options_.network_interface, options_.resolv_conf);
  return {};
}

Result<void> Station::open_records() {
  auto records_db = store::Database::open(options_.data_dir);
  if (!records_db) return fatal(records_db.error());
  records_db_ = std::move(*records_db);
  call_records_ = std::make_unique<records::CallRecords>(*records_db_);
  // Calls that a crash or power cut ended are closed now, not left "ongoing" for ever.
  auto closed = call_records_->close_interrupted(core::system_unix_ms());
  if (!closed) return fatal(closed.error());
  if (*closed > 0) log_->warn("{} call record(s) left open by the last run were closed", *closed);

  // Access control: credentials in the configuration database, unlock records written by
  // their own thread, keypad passwords hashed on a worker thread.
  auto record_writer = records::RecordWriter::open(options_.data_dir);
  if (!record_writer) return fatal(record_writer.error());
  record_writer_ = std::move(*record_writer);
  auto keypad_hasher = access::KeypadHasher::open(options_.data_dir);
  if (!keypad_hasher) return fatal(keypad_hasher.error());
  keypad_hasher_.emplace(std::move(*keypad_hasher));
  auto lock_settings = api::load_lock_settings(*settings_);
  if (!lock_settings) return fatal(lock_settings.error());
  lock_settings_ = *lock_settings;
  if (auto saved = settings_->get("access.lock"); saved && !*saved) {
    lock_settings_.unlock_seconds = options_.unlock_hold_seconds;  // until the settings are saved
  }
  unlock_records_ = std::make_unique<records::UnlockRecords>(*records_db_, *record_writer_);
  auto caps = api::load_record_caps(*settings_);
  if (!caps) return fatal(caps.error());
  record_caps_ = *caps;
  cards_ = std::make_unique<access::Cards>(*config_db_);
  fingerprints_ = std::make_unique<access::Fingerprints>(*config_db_);
  keypad_codes_ = std::make_unique<access::KeypadCodes>(*config_db_);
  hash_async_ = [this](std::function<std::string()> hash, std::function<void(std::string)> done) {
    asio::post(hash_pool_, [this, hash = std::move(hash), done = std::move(done)]() mutable {
      std::string h = hash();
      asio::post(io_, [done = std::move(done), h = std::move(h)] { done(h); });
    });
  };
  alarm_records_ = std::make_unique<records::AlarmRecords>(*records_db_);
  apply_record_caps(record_caps_);
  return {};
}

// How many records of each kind are kept (Records › Storage).
void Station::apply_record_caps(const api::RecordCaps& c) {
  call_records_->set_max_rows(c.calls);
  record_writer_->set_cap(std::string(records::UnlockRecords::kTable), c.unlocks);
  alarm_records_->set_max_rows(c.alarms);
}

// The web interface: HTTPS with the station's certificate (made at first start), a plain
// HTTP port that only redirects there, the accounts, and the event stream.
Result<void> Station::open_web_identity() {
  cert_options_.dns_names = {"localhost"};
  cert_options_.ip_addresses = {"127.0.0.1"};
  const std::string& host = options_.https.host;
  // The certificate names the addresses phones reach the web interface and SIP over TLS at.
  for (const std::string& ip : {host, options_.sip.host, options_.sip_advertise}) {
    if (ip.empty() || ip == "0.0.0.0" || ip == "::") continue;
    if (std::find(cert_options_.ip_addresses.begin(), cert_options_.ip_addresses.end(), ip) ==
        cert_options_.ip_addresses.end())
      cert_options_.ip_addresses.push_back(ip);
  }
  auto identity = web::load_or_create(options_.data_dir + "/tls", cert_options_);
  if (!identity) return fatal(identity.error());
  identity_ = *identity;
  auth_ = std::make_unique<api::WebAuth>(io_, timers_, *config_db_);
  auth_->set_login_policy(security_.login);  // the saved login rules (Security page)
  auto viewer_auth = api::ViewerAuth::open(options_.data_dir, timers_);
  if (!viewer_auth) return fatal(viewer_auth.error());
  viewer_auth_ = std::move(*viewer_auth);
  // The accounts' ONVIF passwords (Users page), sealed with the device's ONVIF key.
  auto onvif_secrets = accounts::OnvifSecrets::open(options_.data_dir);
  if (!onvif_secrets) return fatal(onvif_secrets.error());
  onvif_secrets_.emplace(*onvif_secrets);
  auth_->set_onvif_secrets(&*onvif_secrets_);
  viewer_auth_->set_onvif_secrets(&*onvif_secrets_);
  // Players' and NVRs' digest answers: the same figures, and the same audit log.
  viewer_auth_->set_lockout(security_.login.max_failures,
                            std::chrono::minutes(security_.login.lock_minutes));
  viewer_auth_->set_observer([this](const std::string& user, const std::string& address,
                                    const std::string& action, const std::string& detail) {
    asio::post(
        io_,
        [this,
         who = api::Principal{core::printable(user, 64), store::Role::Viewer, address, false, {}},
         action, detail] { auth_->audit(who, action, detail); });
  });
  web::HttpConfig hcfg;
  hcfg.listen_ip = options_.https.host;
  hcfg.port = options_.https.port;
  hcfg.tls_certificate_pem = identity_->certificate_pem;
  hcfg.tls_private_key_pem = identity_->private_key_pem;
  http_ = std::make_unique<web::HttpServer>(io_, hcfg);
  security_.certificate_pem = identity_->certificate_pem;
  // The IP allow-list (Security page) holds for both ports; loopback is always allowed.
  const auto allowed = [this](const std::string& ip) { return security_.allow_list.allows(ip); };
  http_->set_access_filter(allowed);
  web::HttpConfig redirect_cfg;
  redirect_cfg.listen_ip = options_.http.host;
  redirect_cfg.port = options_.http.port;
  redirect_cfg.redirect_to_https_port = options_.https.port;  // set again once HTTPS listens
  redirect_ = std::make_unique<web::HttpServer>(io_, redirect_cfg);
  redirect_->set_access_filter(allowed);
  events_ = std::make_unique<api::EventStream>(
      *http_, timers_,
      [this](const web::HttpRequest& req) { return auth_->refusal(req, store::Role::Viewer); },
      [this](const web::HttpRequest& req) { return auth_->still_authorized(req); });
  return {};
}

void Station::publish(const json& event) {
  events_->publish(event);
}

Result<void> Station::start_sip() {
  sip::TransportConfig tcfg;
  tcfg.listen_ip = options_.sip.host;
  tcfg.port = options_.sip.port;
  tcfg.advertise_ip = options_.sip_advertise;
  if (options_.sip_tls) {
    tcfg.tls_port = options_.sip_tls->port;
    tcfg.tls_certificate_pem = identity_->certificate_pem;
    tcfg.tls_private_key_pem = identity_->private_key_pem;
  }
  transport_ = std::make_unique<sip::AsioTransport>(io_, tcfg);
  if (auto r = transport_->start(); !r) {
    const bool saved_ports_differ =
        cli_sip_.port != options_.sip.port ||
        (cli_sip_tls_ && options_.sip_tls && cli_sip_tls_->port != options_.sip_tls->port);
    if (!saved_network_ || !saved_ports_differ) return fatal(r.error());
    log_->error("saved SIP ports: {}; using the command line's instead", r.error().message);
    tcfg.port = cli_sip_.port;
    options_.sip.port = cli_sip_.port;
    if (cli_sip_tls_) {
      tcfg.tls_port = cli_sip_tls_->port;
      options_.sip_tls->port = cli_sip_tls_->port;
    }
    transport_ = std::make_unique<sip::AsioTransport>(io_, tcfg);
    if (auto again = transport_->start(); !again) return fatal(again.error());
  }
  tl_ = std::make_unique<sip::TransactionLayer>(timers_, *transport_);
  // Password guessing over SIP: the Security page's lock-out figures, per source and user.
  sip_guard_ = std::make_unique<sip::SipGuard>(timers_, sip_guard_config(security_.login));
  transport_->set_handler([this](sip::Message&& m, const sip::Peer& from) {
    if (sip_guard_->admit(m, from)) tl_->receive(std::move(m), from);
  });
  // Wrong SIP answers and blocked sources: in the audit log and on the event stream.
  sip_guard_->set_observer([this](const sip::SecurityEvent& e) { on_sip_security_event(e); });

  // MD5 alone by default: some phones (baresip 1.0's libre) give up on a 401 that also
  // offers an algorithm they do not know. `--sip-digest SHA-256,MD5` offers both
  // (RFC 8760), most preferred first.
  sip::auth::DigestConfig digest_options;
  digest_options.algorithms.clear();
  for (const auto& name : options_.digest_algorithms)
    digest_options.algorithms.push_back(*sip::auth::parse_algorithm(name));
  digest_ = std::make_unique<sip::auth::DigestServer>(timers_, digest_options);
  locations_ = std::make_unique<sip::MemoryLocationStore>(timers_);
  registrar_ = std::make_unique<sip::Registrar>(*locations_, *digest_, *directory_, timers_);
  registrar_->set_guard(sip_guard_.get());
  proxy_ = std::make_unique<sip::Proxy>(*tl_);
  server_ = std::make_unique<sip::SipServer>(*tl_, *registrar_, *locations_, *proxy_, *directory_,
                                             sip::SipServerConfig{"VDP", options_.vto_number});
  // Never blocked: the real device at its own address, and this VTO's own user agent.
  sip_guard_->set_device_at_source([this](const sip::Message& m, const sip::Peer& from) {
    return server_->is_own_source(from) || registrar_->from_registered_source(m, from);
  });
  locations_->set_observer([this](std::string_view aor, bool online) {
    log_->info("{} is {}", aor, online ? "online" : "offline");
  });
  // Monitor > Door on the building's monitors: the door stations, and which are online.
  server_->set_doors([this] { return doors_json(); });
  // This VTO's own user agent: its calls go through the building server (itself) or
  // through the platform when one is configured.
  ua_ = std::make_unique<sip::UserAgent>(*tl_, sip::UaConfig{});
  // A closed connection to the platform is a lost registration: registered again at once
  // (or, when the server is gone, failed over to the alternate).
  transport_->set_closed_handler([this](const sip::Peer& to) { ua_->connection_closed(to); });
  sip_switch_ = std::make_unique<SipServerSwitch>(
      SipServerSwitch::Parts{timers_, *tl_, *server_, *ua_, *sip_guard_}, saved_sip_,
      [this] { return local_.vto_number; },
      [this] {
        return sip::Peer{sip::Transport::Udp,
                         options_.sip.host == "0.0.0.0" ? "127.0.0.1" : options_.sip.host,
                         transport_->local(sip::Transport::Udp).port, 0};
      });
  if (auto secured = apply_sip_security(saved_sip_); !secured) {
    log_->error("SIP server setting: {}", secured.error().message);
  }
  ua_->reconfigure(sip_switch_->ua_config(false));
  ua_->set_guard(sip_guard_.get());
  ua_->set_event_handler([this](const sip::UaEvent& e) { on_ua_event(e); });
  return {};
}

// Whom this VTO may reach over TLS (its platform or other VTO, with the certificate the
// page holds), and SRTP in calls: the policy, and what a plain hop gets of the door's offers.
Result<void> Station::apply_sip_security(const api::SipServerSettings& s) {
  std::vector<sip::TlsPeerTrust> peers;
  if (s.mode != api::SipServerMode::This && s.transport == "tls") {
    if (!options_.sip_tls)
      return make_error("SIP over TLS is off (vtod --sip-tls-listen off)", Errc::Unavailable);
    for (const std::string& ip : {s.server_ip, s.alternate_ip}) {
      if (!ip.empty()) peers.push_back(sip::TlsPeerTrust{ip, s.server_port, s.server_certificate});
    }
  }
  if (auto trusted = transport_->set_tls_trust(std::move(peers)); !trusted)
    return make_error("server_certificate: " + trusted.error().message, Errc::Invalid);
  srtp_policy_ = media::parse_srtp_policy(s.srtp).value_or(media::SrtpPolicy::Preferred);
  if (door_media_) door_media_->set_srtp_policy(srtp_policy_);
  server_->set_plain_copies(srtp_policy_ == media::SrtpPolicy::Preferred);
  return {};
}

void Station::on_sip_security_event(const sip::SecurityEvent& e) {
  const bool blocked = e.kind == sip::SecurityEvent::Kind::SourceBlocked;
  const std::string user = core::printable(e.user, 64);
  const std::string detail =
      blocked
          ? "SIP source blocked for " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(e.block).count()) +
                " s after wrong answers for " + user
          : e.method + " with a wrong answer for " + user;
  auth_->audit(api::Principal{"", store::Role::Viewer, e.source, false, {}},
               blocked ? "sip_source_blocked" : "sip_auth_failed", detail);
  publish(json{{"event", blocked ? "sip_source_blocked" : "sip_auth_failed"},
               {"source", e.source},
               {"user", user},
               {"method", e.method}});
}

std::string Station::doors_json() {
  json doors = json::array();
  auto vtos = directory_->directory().list_vtos();
  if (!vtos) return doors.dump();
  for (const auto& v : *vtos) {
    const bool own = v.number == local_.vto_number;
    json d{{"number", v.number}, {"online", own || !locations_->lookup(v.number).empty()}};
    if (!v.building.empty()) d["building"] = v.building;
    if (!v.unit.empty()) d["unit"] = v.unit;
    if (own) d["this"] = true;
    doors.push_back(std::move(d));
  }
  return json{{"doors", doors}}.dump();
}

Result<void> Station::choose_board() {
  auto lock = api::load_lock_settings(*settings_);
  if (!lock) return fatal(lock.error());
  auto board =
      boards::choose_board(options_.board, io_, timers_, options_.media, lock->normally_closed);
  if (!board) return board.error();
  board_ = std::move(*board);
  device_info_ = api::DeviceInfo{board_->board().description(), 9, false, options_.board == "sim"};
  return {};
}

Result<void> Station::open_media() {
  // Media of the VTO's calls: the SDP, and the camera's video to monitors that accept it.
  const hal::MediaDevices devices = board_->board().media_devices();
  station::DoorMediaConfig media_config;
  media_config.address = *sip::numeric_ip(transport_->local(sip::Transport::Udp).host);
  media_config.camera_device = devices.camera.device;
  media_config.microphone_tone_hz = devices.microphone.tone_hz;
  media_config.microphone_wav = devices.microphone.wav;
  media_config.microphone_device = devices.microphone.device;
  media_config.speaker_device = devices.speaker.device;
  media_config.speaker_record_dir = options_.speaker_record;
  media_config.budget = &stream_budget_;
  media_config.camera.width = options_.video_size.first;
  media_config.camera.height = options_.video_size.second;
  media_config.camera.sub_width = options_.sub_size.first;
  media_config.camera.sub_height = options_.sub_size.second;
  media_config.on_dtmf = [this](std::uint64_t call, char key) { route_dtmf(call, key); };
  media_config.srtp = srtp_policy_;
  auto door_media = station::DoorMedia::open(io_, std::move(media_config));
  if (!door_media) return fatal(door_media.error());
  door_media_ = std::move(*door_media);
  ua_->set_sdp_provider(
      [this](sip::CallHandle id, const std::string& remote_offer, bool keys_allowed) {
        return door_media_->sdp_for(id, remote_offer, keys_allowed);
      });
  media::TonePlayer::Config tone_config;
  tone_config.speaker_device = devices.speaker.device;
  tone_config.on_error = [](std::string message) {
    core::logger("vtod")->error("speaker: {}", message);  // spdlog is thread-safe
  };
  auto tones = media::TonePlayer::create(timers_, std::move(tone_config));
  if (!tones) return make_error(tones.error().message, 2);
  tones_ = std::move(*tones);
  feedback_ = std::make_unique<SpeakerFeedback>(*tones_);
  // Talkers outside a call (RTSP two-way audio, audio.cgi) on the same speaker.
  media::RemoteSpeaker::Config talk_config;
  talk_config.speaker_device = devices.speaker.device;
  talk_config.on_error = [](std::string message) {
    core::logger("vtod")->error("speaker (two-way audio): {}", message);
  };
  auto talk = media::RemoteSpeaker::create(std::move(talk_config));
  if (!talk) return make_error(talk.error().message, 2);
  remote_speaker_ = std::move(*talk);
  return {};
}

// A digit from a call: Monitor > Door sessions first, else the panel's call.
void Station::route_dtmf(std::uint64_t call, char key) {
  if (monitor_sessions_ && monitor_sessions_->on_dtmf(call, key)) return;
  if (panel_) panel_->on_dtmf(call, std::string(1, key));
}

// A JPEG of the camera's next frame, answered on the core thread (call records, snapshot
// routes, the browser's live view).
void Station::snapshot_on_core(std::function<void(Result<std::vector<std::uint8_t>>)> done) {
  door_media_->snapshot([this, done = std::move(done)](Result<std::vector<std::uint8_t>> jpeg) {
    asio::post(io_, [done, jpeg = std::move(jpeg)]() mutable { done(std::move(jpeg)); });
  });
}

// The tamper alarm: its tone on the speaker for 15 s, and the board's sounder for as long.
void Station::sound_alarm() {
  feedback_->tone(device::Tone::Alarm);
  hal::BinaryOutput* sounder = modules_ ? modules_->sounder() : nullptr;
  if (!sounder) return;
  sounder->write(true);
  if (sounder_timer_) timers_.cancel(*sounder_timer_);
  sounder_timer_ = timers_.start(std::chrono::seconds(15), [this] {
    sounder_timer_.reset();
    if (hal::BinaryOutput* s = modules_ ? modules_->sounder() : nullptr) s->write(false);
  });
}

Result<void> Station::start_services() {
  // Alarms: recorded, pushed on the event stream, sounded, and sent to the centre (888888)
  // by the VTO's own user agent.
  door_events_ = std::make_unique<station::DoorEvents>(core::system_unix_ms);
  alarm_centre_ = std::make_unique<station::AlarmCentre>(
      *alarm_records_, timers_,
      station::AlarmCentre::Callbacks{
          [this](const std::string& body, std::function<void(int)> done) {
            ua_->send_message(std::string(device::kCentreNumber), "application/json", body,
                              std::move(done));
          },
          [this](const json& e) {
            publish(e);
            door_events_->on_alarm(e);
          },
          [this] { return local_.vto_number; }, core::system_unix_ms, [this] { sound_alarm(); }});
  access_control_ = std::make_unique<access::AccessControl>(
      access::AccessControl::Stores{*cards_, *fingerprints_, *keypad_codes_, *keypad_hasher_,
                                    *unlock_records_},
      timers_, core::system_unix_ms, hash_async_, alarm_centre_.get(), lock_settings_);
  access_control_->set_monitor_code(options_.unlock_code);
  reader_enrolment_ = std::make_unique<station::ReaderEnrolment>(*access_control_, timers_);
  call_recorder_ = std::make_unique<station::CallRecorder>(
      *call_records_, options_.vto_number.empty() ? "panel" : options_.vto_number,
      core::system_unix_ms);
  call_recorder_->defer_writes(timers_, kRecordDelay);
  call_recorder_->set_encryption_probe(
      [this](device::CallHandle call) { return door_media_->encrypted(call); });
  access_control_->set_unlock_listener([this] { call_recorder_->door_opened(); });
  access_control_->set_record_listener(
      [this](const records::UnlockRecord& r) { door_events_->on_unlock(r); });
  // The visitor's picture, taken when each call starts, saved beside its record.
  if (auto enabled = call_recorder_->enable_snapshots(
          options_.data_dir + "/snapshots",
          [this](station::SnapshotDone done) { snapshot_on_core(std::move(done)); },
          [this](std::function<void()> fn) { asio::post(io_, std::move(fn)); });
      !enabled) {
    log_->warn("call records without snapshots: {}", enabled.error().message);
  }
  // Live view for players and NVRs (RTSP), with the web accounts' digest keys.
  station::RtspLiveViewConfig live_config;
  rtsp_allow_ = security_.allow_list;
  live_config.allowed = [this](std::string_view ip) {
    std::lock_guard lock(rtsp_allow_mutex_);
    return rtsp_allow_.allows(ip);
  };
  const hal::MicrophoneSource microphone = board_->board().media_devices().microphone;
  live_config.microphone_device = microphone.device;
  // RTSP viewers hear the live microphone, or the tone; a WAV file is for calls only.
  live_config.tone_hz =
      microphone.kind == hal::MicrophoneSource::Kind::Tone ? microphone.tone_hz : 440;
  live_config.speaker = remote_speaker_.get();  // offered or not: Network › Integrations
  live_view_ = std::make_unique<station::RtspLiveView>(io_, *door_media_, stream_budget_,
                                                       *viewer_auth_, live_config);
  // Monitor > Door: monitors calling this VTO's number watch the door.
  monitor_sessions_ = std::make_unique<station::MonitorSessions>(
      *ua_, *door_media_, stream_budget_, timers_, *access_control_,
      station::MonitorSessions::Config{options_.unlock_code});
  call_control_ = std::make_unique<station::UaCallControl>(*ua_);
  // Live view: who may watch, how long a monitor may.
  auto live = api::load_live_settings(*settings_);
  if (!live) return fatal(live.error());
  live_ = *live;
  viewer_auth_->set_watch_roles(live_.watch_roles);
  monitor_sessions_->set_max_time(std::chrono::seconds(live_.monitor_seconds));
  // The camera in the browser (Live page, virtual panel), counted in the six streams.
  video_feed_ = std::make_unique<station::BrowserVideoFeed>(
      *http_, timers_, stream_budget_,
      [this](const web::HttpRequest& req) -> std::optional<web::HttpResponse> {
        auto who = auth_->authenticate(req, store::Role::Viewer);
        if (auto* refused = std::get_if<web::HttpResponse>(&who)) return *refused;
        if (!live_.watch_roles.contains(std::get<api::Principal>(who).role))
          return web::json_error(403, "this account may not watch the door");
        return std::nullopt;
      },
      [this](const web::HttpRequest& req) { return auth_->still_authorized(req); },
      [this](station::SnapshotDone done) { snapshot_on_core(std::move(done)); });
  return {};
}

void Station::on_ua_event(const sip::UaEvent& e) {
  json j = api::event_json(e);
  log_->info("call event: {}", j.dump());
  call_events_.add(std::move(j));
  // The media first: the call's record says whether it is encrypted.
  if (e.type == sip::UaEvent::Type::Answered) door_media_->on_established(e.call, e.body);
  call_recorder_->on_ua_event(e);  // before the panel hears of it
  // The platform's main server does not answer: fail over to the alternate (and try the
  // main one again every minute).
  sip_switch_->on_ua_event(e);
  if (e.type == sip::UaEvent::Type::Registered) door_events_->on_registration(true);
  if (e.type == sip::UaEvent::Type::RegistrationFailed) door_events_->on_registration(false);
  switch (e.type) {
    case sip::UaEvent::Type::Bye:
    case sip::UaEvent::Type::Cancelled:
    case sip::UaEvent::Type::Rejected:
    case sip::UaEvent::Type::Error:
      door_media_->on_ended(e.call);
      break;
    default:
      break;
  }
  if (monitor_sessions_->on_event(e)) return;
  call_control_->on_event(e);
}

// The door panel on the board's modules, laid out as the facade setting says (at first
// start: lights, a button module for the --button targets, a keypad, a display, a card
// reader and a fingerprint module).
Result<void> Station::build_board() {
  const std::size_t buttons = options_.buttons.size();
  api::Facade defaults;
  defaults.modules = {{hal::ModuleKind::Indicators, 0},
                      {hal::ModuleKind::Buttons, buttons <= 1   ? std::size_t{1}
                                                 : buttons <= 2 ? std::size_t{2}
                                                                : std::size_t{5}},
                      {hal::ModuleKind::Keypad, 0},
                      {hal::ModuleKind::Display, 0},
                      {hal::ModuleKind::CardReader, 0},
                      {hal::ModuleKind::Fingerprint, 0}};
  defaults.buttons = options_.buttons;
  auto facade = api::load_facade(*settings_, defaults);
  if (!facade) return fatal(facade.error());
  facade_ = *facade;
  panel_config_.unlock_code = options_.unlock_code;
  panel_config_.unlock_hold = std::chrono::seconds(options_.unlock_hold_seconds);
  panel_config_.ring_timeout = std::chrono::seconds(options_.ring_timeout_seconds);
  panel_config_.talk_limit = std::chrono::seconds(options_.talk_limit_seconds);
  // A real fingerprint reader (libfprint), when asked for, in place of the board's.
#ifdef VTO_WITH_LIBFPRINT
  if (options_.fingerprint == "libfprint")
    libfprint_reader_ = std::make_unique<hal::linux_backend::LibfprintReader>(io_);
#endif
  if (auto built = build_panel(facade_); !built) return make_error(built.error().message, 2);
  sip_switch_->use();
  return {};
}

hal::FingerprintReader* Station::fingerprint_reader_of(hal::DoorModules& modules) {
  const auto in_facade = modules.module_bus().modules();
  if (std::none_of(in_facade.begin(), in_facade.end(), [](const hal::ModuleStatus& m) {
        return m.kind == hal::ModuleKind::Fingerprint;
      }))
    return nullptr;  // no module in the facade
  if (libfprint_reader_) return libfprint_reader_.get();
  return modules.fingerprint_reader();
}

// The fingerprint module compares fingers with the enrolled prints.
void Station::give_prints(hal::FingerprintReader* reader) {
  if (reader == nullptr) return;
  auto prints = fingerprints_->list();
  if (!prints) {
    core::logger("access")->error("fingerprints: {}", prints.error().message);
    return;
  }
  std::vector<hal::EnrolledPrint> enrolled;
  for (auto& p : *prints) {
    // "print 3: Bob, room 102, right index", as the Fingerprints page lists it.
    std::string label = "print " + std::to_string(p.id) + ":";
    if (!p.person.empty()) label += " " + p.person + ",";
    if (!p.room.empty()) label += " room " + p.room + ",";
    label += p.finger.empty() ? std::string(" a finger") : " " + p.finger;
    enrolled.push_back({static_cast<std::uint64_t>(p.id), std::move(p.template_data), label});
  }
  reader->set_enrolled(std::move(enrolled));
}

// The modules and the panel on them, built again when the facade changes.
Result<void> Station::build_panel(const api::Facade& f) {
  std::vector<hal::ModuleSlot> layout;
  for (const auto& m : f.modules) layout.push_back({m.kind, m.buttons});
  auto modules = board_->board().modules(layout);
  if (!modules) return modules.error();
  hal::DoorModules& m = **modules;
  device::PanelConfig config = panel_config_;
  for (std::size_t i = 0; i < f.buttons.size(); ++i)
    if (!f.buttons[i].empty()) config.buttons[i] = f.buttons[i];
  std::vector<hal::KeySource*> keys{&m.call_buttons()};
  if (m.keypad()) keys.push_back(m.keypad());
  auto panel = device::Panel::create(
      config,
      device::PanelDevices{keys, m.lock(), m.indicators(), m.display(), feedback_.get(),
                           m.card_reader(), fingerprint_reader_of(m), reader_enrolment_.get()},
      *call_control_, timers_);
  if (!panel) return panel.error();
  (*panel)->add_state_listener(
      [this](const device::PanelStatus& st) { call_recorder_->on_panel_status(st); });
  (*panel)->add_state_listener([this](const device::PanelStatus& st) {
    door_events_->on_panel(st);
    // A visitor's call has the speaker: two-way audio from elsewhere waits.
    remote_speaker_->set_call_active(st.state == device::PanelState::Calling ||
                                     st.state == device::PanelState::Talking);
  });
  m.door_sensor().add_listener([this](hal::DoorState s) { door_events_->on_door(s); });
  m.lock().add_listener([this](bool open) {
    if (mqtt_) mqtt_->on_lock(open);
  });
  // Ringback plays while the flat rings, and no longer.
  (*panel)->add_state_listener([this](const device::PanelStatus& st) {
    if (st.state != device::PanelState::Calling) tones_->stop("ringback");
  });
  // The exit button inside opens the door for the usual time.
  m.exit_button().add_listener([this] { access_control_->exit_button(); });
  m.lock().set_normally_closed(access_control_->settings().normally_closed);
  give_prints(fingerprint_reader_of(m));
  // The access control moves to the new modules before the old ones go.
  access_control_->set_devices(&m.lock(), &m.door_sensor());
  reader_enrolment_->set_readers(m.card_reader(), fingerprint_reader_of(m));
  alarm_centre_->set_tamper_switch(&m.tamper_switch());
  call_control_->set_panel(panel->get());
  if (mqtt_) mqtt_->set_ring_rooms(f.buttons);  // the doorbell's event types
  panel_ = std::move(*panel);                   // the old panel goes before the modules it used
  modules_ = std::move(*modules);
  return {};
}

}  // namespace vto::app
