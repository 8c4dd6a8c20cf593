// The door station: every subsystem of vtod, owned as members declared in the order they
// are built (store -> web identity and auth -> SIP -> media -> services -> board and panel
// -> API routes), started by run() and destroyed in reverse. The only place where
// implementations are chosen and wired together (the board by boards::choose_board).
//
// Where two parts need each other, the later one is reached through the Station's own
// methods (the user agent's events, DTMF, the panel's state), which run only once
// everything is built: nothing is set "later" through a nullable pointer.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "access/access_control.h"
#include "access/credentials.h"
#include "access/keypad_hash.h"
#include "accounts/onvif_secrets.h"
#include "api/access_api.h"
#include "api/alarms_api.h"
#include "api/auth/allow_list.h"
#include "api/auth/viewer_auth.h"
#include "api/auth/web_auth.h"
#include "api/calls_api.h"
#include "api/event_stream.h"
#include "api/facade_api.h"
#include "api/live_api.h"
#include "api/local_api.h"
#include "api/network_api.h"
#include "api/security_api.h"
#include "app/options.h"
#include "app/service_notify.h"
#include "app/sip_server_switch.h"
#include "app/speaker_feedback.h"
#include "boards/board_choice.h"
#include "compat/cgi_api.h"
#include "compat/dhip_server.h"
#include "core/asio_timers.h"
#include "core/log.h"
#include "device/panel.h"
#include "media/sdp_crypto.h"
#include "media/stream_budget.h"
#include "media/tone_player.h"
#include "mqtt/mqtt_bridge.h"
#include "onvif/onvif_service.h"
#include "onvif/ws_discovery.h"
#include "records/alarm_records.h"
#include "records/call_records.h"
#include "records/record_writer.h"
#include "records/unlock_records.h"
#include "sip/auth/digest_server.h"
#include "sip/proxy/proxy.h"
#include "sip/proxy/sip_server.h"
#include "sip/registrar/location_store.h"
#include "sip/registrar/registrar.h"
#include "sip/security/sip_guard.h"
#include "sip/transaction/transaction_layer.h"
#include "sip/transport/asio_transport.h"
#include "sip/ua/user_agent.h"
#include "station/alarm_centre.h"
#include "station/browser_video_feed.h"
#include "station/building_directory.h"
#include "station/call_recorder.h"
#include "station/dhcp_client.h"
#include "station/door_events.h"
#include "station/door_media.h"
#include "station/hosted_monitor.h"
#include "station/monitor_sessions.h"
#include "station/network_interface.h"
#include "station/rtsp_live_view.h"
#include "station/sntp.h"
#include "station/ua_call_control.h"
#include "store/database.h"
#include "store/settings.h"
#include "web/http_server.h"
#include "web/tls_certificate.h"
#include "webhooks/webhooks.h"

namespace vto::app {

// System › Maintenance's date and time setting (station_time.cpp).
struct TimeSetting {
  std::string time_zone;  // empty: the system's
  bool ntp = false;
  std::vector<std::string> ntp_servers{"pool.ntp.org"};
};

class Station {
 public:
  // Builds every part; the error says what could not be opened or bound (code 1), or what
  // in the saved settings or the options cannot be (code 2).
  static Result<std::unique_ptr<Station>> create(Options options);
  ~Station();
  Station(const Station&) = delete;
  Station& operator=(const Station&) = delete;

  // Listens, serves until SIGINT or SIGTERM, and returns the exit status: kRestartExit
  // when a restart was asked for (restart, restore, factory reset).
  int run();
  static constexpr int kRestartExit = 75;
  // After a run that ended in kRestartExit: whether the data directory is to be emptied
  // first, and the listening options to start again with (the ports bound, so that a port 0
  // keeps the port it got).
  bool factory_reset_requested() const { return factory_reset_; }
  std::vector<std::pair<std::string, std::string>> bound_addresses() const;
  const std::string& data_dir() const { return options_.data_dir; }

 private:
  explicit Station(Options options);

  // The build steps, in member order.
  Result<void> open_store();
  Result<void> open_records();
  Result<void> open_web_identity();
  Result<void> start_sip();
  Result<void> choose_board();
  void sound_alarm();
  Result<void> open_media();
  Result<void> start_services();
  Result<void> build_board();
  Result<void> add_routes();  // station_routes.cpp
  void add_network_routes();
  void add_settings_routes();
  void add_call_routes();
  void add_live_routes();
  void add_system_routes();              // GET /api/v1/system/info
  void add_system_maintenance_routes();  // station_system.cpp
  void add_hosted_monitor_routes();      // station_system.cpp
  void add_time_routes();                // station_time.cpp: time zone, NTP, the clock
  // System › Maintenance's time setting as saved (station_time.cpp); nullopt while it was
  // never saved.
  std::optional<TimeSetting> saved_time_setting() const;
  void add_sound_routes();  // station_system.cpp: the volumes
  void request_restart(const std::string& why, bool factory_reset = false);
  Result<void> listen();

  // What the parts ask of each other once everything runs.
  bool serving() const { return sip_switch_->serving(); }
  void on_ua_event(const sip::UaEvent& e);
  void route_dtmf(std::uint64_t call, char key);
  Result<void> build_panel(const api::Facade& facade);
  hal::FingerprintReader* fingerprint_reader_of(hal::DoorModules& modules);
  void give_prints(hal::FingerprintReader* reader);
  void apply_record_caps(const api::RecordCaps& caps);
  void snapshot_on_core(std::function<void(Result<std::vector<std::uint8_t>>)> done);
  void on_sip_security_event(const sip::SecurityEvent& e);
  Result<void> apply_sip_security(const api::SipServerSettings& s);
  void publish(const nlohmann::json& event);
  static sip::SipGuardConfig sip_guard_config(const api::LoginPolicy& policy);
  void fill_network();
  void announce_ready();  // the "vtod ready" line that tests and scripts wait for
  void apply_network(const api::NetworkBasic& before, const api::NetworkBasic& after,
                     std::function<void(Result<void>)> done);
  Result<void> start_dhcp();
  void stop_dhcp();
  nlohmann::json lease_json() const;
  Result<void> set_http_service(bool on);
  std::string doors_json();
  void extra_state(nlohmann::json& state);
  // station_compat.cpp: the device family's API.
  void add_compat_routes();
  std::string serial_number();  // made once, at random, and saved
  compat::DeviceIdentity identity();
  std::optional<nlohmann::json> compat_config(std::string_view name);
  std::optional<std::vector<nlohmann::json>> compat_records(std::string_view name,
                                                            const compat::RecordQuery& query);
  Result<void> compat_set_config(const std::vector<std::pair<std::string, std::string>>& pairs,
                                 const std::string& user);
  std::string compat_open_door(const std::string& user, const std::string& via);
  void audit_compat(const std::string& user, const std::string& address, const std::string& action,
                    const std::string& detail);
  Result<void> apply_integrations(const api::Integrations& next);
  // station_onvif.cpp: ONVIF and WS-Discovery.
  void add_onvif_routes();
  onvif::DeviceFacts onvif_device();
  std::string onvif_mac();
  Result<void> set_onvif_discovery(bool on);
  // station_mqtt.cpp: Network › MQTT.
  Result<void> start_mqtt();
  void add_mqtt_routes();
  void add_webhook_routes();
  mqtt::DeviceFacts mqtt_device();
  std::optional<int> button_of(const station::DoorEvent& e) const;

  Options options_;
  std::shared_ptr<spdlog::logger> log_;

  // --- store: the building's directory, the settings the web interface changes and its
  // accounts (a connection of its own), the records (another).
  std::unique_ptr<station::BuildingDirectory> directory_;
  std::unique_ptr<store::Database> config_db_;
  std::unique_ptr<store::Settings> settings_;
  api::SecurityState security_;
  api::LocalBasic local_;
  std::optional<api::NetworkBasic> saved_network_;
  api::SipServerSettings saved_sip_;  // until the switch owns it
  // The command line's ports stay the way back in: a saved port that cannot be bound at
  // start (another program took it) falls back to them.
  sip::HostPort cli_sip_, cli_http_, cli_https_;
  std::optional<sip::HostPort> cli_sip_tls_;
  media::SrtpPolicy srtp_policy_ = media::SrtpPolicy::Preferred;
  std::unique_ptr<store::Database> records_db_;
  std::unique_ptr<records::CallRecords> call_records_;

  // --- the core thread, and the access control's stores and workers.
  boost::asio::io_context io_;
  core::AsioTimers timers_{io_};
  std::unique_ptr<records::RecordWriter> record_writer_;
  std::optional<access::KeypadHasher> keypad_hasher_;
  access::LockSettings lock_settings_;
  std::unique_ptr<records::UnlockRecords> unlock_records_;
  api::RecordCaps record_caps_;
  std::unique_ptr<access::Cards> cards_;
  std::unique_ptr<access::Fingerprints> fingerprints_;
  std::unique_ptr<access::KeypadCodes> keypad_codes_;
  boost::asio::thread_pool hash_pool_{1};
  access::AccessControl::HashAsync hash_async_;
  std::unique_ptr<records::AlarmRecords> alarm_records_;

  // --- web identity and authentication: the event stream and the audit log are there
  // before the services that report to them.
  web::SelfSignedConfig cert_options_;
  std::optional<accounts::OnvifSecrets> onvif_secrets_;  // before the two that use it
  std::optional<web::TlsIdentity> identity_;
  std::unique_ptr<api::WebAuth> auth_;
  std::unique_ptr<api::ViewerAuth> viewer_auth_;
  std::unique_ptr<web::HttpServer> http_;
  std::unique_ptr<web::HttpServer> redirect_;
  bool redirect_running_ = false;
  std::unique_ptr<api::EventStream> events_;

  // --- SIP: transport, transactions, the guard, the building's server and the VTO's
  // own user agent.
  std::unique_ptr<sip::AsioTransport> transport_;
  std::unique_ptr<sip::TransactionLayer> tl_;
  std::unique_ptr<sip::SipGuard> sip_guard_;
  std::unique_ptr<sip::auth::DigestServer> digest_;
  std::unique_ptr<sip::MemoryLocationStore> locations_;
  std::unique_ptr<sip::Registrar> registrar_;
  std::unique_ptr<sip::Proxy> proxy_;
  std::unique_ptr<sip::SipServer> server_;
  std::unique_ptr<sip::UserAgent> ua_;
  std::unique_ptr<SipServerSwitch> sip_switch_;
  api::CallEvents call_events_;

  // --- the board: it says what the door's camera, microphone and speaker are.
  std::unique_ptr<boards::ChosenBoard> board_;

  // --- media: the door's call media, the speaker's tones.
  media::StreamBudget stream_budget_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::unique_ptr<station::HostedMonitor> hosted_monitor_;  // made when first started
  bool restart_ = false;
  bool factory_reset_ = false;
  struct ResetFailures {
    int count = 0;
    core::TimePoint since{};
  };
  std::map<std::string, ResetFailures> reset_failures_;  // wrong passwords per account
  std::unique_ptr<station::DoorMedia> door_media_;
  std::unique_ptr<media::TonePlayer> tones_;
  std::unique_ptr<SpeakerFeedback> feedback_;
  std::unique_ptr<media::RemoteSpeaker> remote_speaker_;  // two-way audio outside calls

  // --- services.
  std::unique_ptr<station::DoorEvents> door_events_;  // what happens, for other systems
  std::unique_ptr<station::AlarmCentre> alarm_centre_;
  std::unique_ptr<access::AccessControl> access_control_;
  std::unique_ptr<station::ReaderEnrolment> reader_enrolment_;
  // After `io_`: the recorder's file thread posts to it until the recorder is destroyed.
  std::unique_ptr<station::CallRecorder> call_recorder_;
  // The RTSP server's thread reads the IP allow-list: a copy of its own, under a lock.
  std::mutex rtsp_allow_mutex_;
  api::AllowList rtsp_allow_;
  std::unique_ptr<station::RtspLiveView> live_view_;
  std::unique_ptr<station::MonitorSessions> monitor_sessions_;
  std::unique_ptr<station::UaCallControl> call_control_;
  api::LiveSettings live_;
  std::unique_ptr<station::BrowserVideoFeed> video_feed_;
  std::optional<station::NetworkInterface> network_interface_;
  std::unique_ptr<station::DhcpClient> dhcp_;
  std::unique_ptr<station::SntpClient> sntp_;  // while Network Setting › Basic says DHCP

  // --- the board's modules and the panel on them (built again when the facade changes:
  // the panel goes before the modules it uses, and the access control lets go of them
  // first, see ~Station).
  std::unique_ptr<hal::FingerprintReader> libfprint_reader_;  // --fingerprint libfprint
  api::Facade facade_;
  device::PanelConfig panel_config_;
  std::unique_ptr<hal::DoorModules> modules_;
  std::optional<core::Timers::Id> sounder_timer_;  // the alarm sounder's 15 s
  ServiceNotify service_;                          // systemd: ready, watchdog, stopping
  device::PanelPtr panel_;

  // --- the API's state.
  api::DeviceInfo device_info_;
  api::NetworkBasic network_;
  std::string time_zone_;  // the station's (System › Maintenance), else the system's
  std::optional<boost::asio::signal_set> signals_;

  // --- the device family's API (station_compat.cpp), last: its servers call into the rest.
  std::string serial_;  // serial_number(), once read or made
  api::Integrations integrations_;
  bool port5000_at_start_ = false;
  std::unique_ptr<compat::CgiApi> cgi_api_;
  std::unique_ptr<compat::DhipServer> dhip_;
  bool discovery_at_start_ = false;
  std::unique_ptr<onvif::OnvifService> onvif_;
  std::unique_ptr<onvif::WsDiscovery> ws_discovery_;

  // --- MQTT (station_mqtt.cpp), after everything it reports on and drives.
  mqtt::MqttSettings mqtt_settings_;
  std::unique_ptr<mqtt::MqttBridge> mqtt_;
  webhooks::WebhookSettings webhook_settings_;
  std::unique_ptr<webhooks::Webhooks> webhooks_;
};

}  // namespace vto::app
