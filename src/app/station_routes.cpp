// The Station's API wiring: each page's routes given the services they drive, then the
// servers' listening sockets and the run loop.
#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/secure_random.h"

#include "api/household_api.h"
#include "api/records_api.h"
#include "api/web_ui.h"
#include "app/port_mover.h"
#include "app/station.h"

using nlohmann::json;

namespace vto::app {

Result<void> Station::add_routes() {
  auth_->add_routes(*http_);
  api::add_ui_routes(*http_, options_.ui_dir);
  if (!options_.ui_dir.empty()) {
    log_->warn("the web interface is served from {} (--ui-dir: for development only)",
               options_.ui_dir);
  }
  api::add_household_routes(
      *http_, *auth_, directory_->directory(),
      [this](const std::string& number) {
        std::vector<api::OnlineDevice> devices;
        const auto add = [&devices](const std::vector<sip::Binding>& bindings) {
          for (const auto& b : bindings)
            devices.push_back({b.aor, b.source.transport == sip::Transport::Tls});
        };
        add(locations_->lookup_prefix(number + "#"));
        add(locations_->lookup(number));
        return devices;
      },
      api::RoomUsers{[this] { return local_.vto_number; },
                     [this](const std::string& number) -> std::optional<std::string> {
                       for (std::size_t i = 0; i < facade_.buttons.size(); ++i) {
                         if (facade_.buttons[i] == number) {
                           return "room " + number + " is on call button " + std::to_string(i + 1) +
                                  ": change the façade first";
                         }
                       }
                       return std::nullopt;
                     }});
  add_network_routes();
  add_settings_routes();
  add_call_routes();
  add_live_routes();
  add_compat_routes();
  add_onvif_routes();
  add_mqtt_routes();
  add_webhook_routes();
  add_system_routes();
  add_system_maintenance_routes();
  // The hosted monitor belongs to the test bench of the simulated board, as /api/v1/sim/*.
  if (options_.board == "sim") add_hosted_monitor_routes();
  add_sound_routes();
  add_time_routes();
  // Pictures of the door (call records' snapshots): only for the roles that may watch it.
  const api::Guard watch_guard = [this](store::Role least, web::HttpServer::Handler h) {
    return auth_->guard(
        least, [this, h = std::move(h)](const web::HttpRequest& req, const api::Principal& who) {
          if (!viewer_auth_->may_watch(who.role))
            return web::json_error(403, "this account may not watch the door");
          return h(req);
        });
  };
  api::add_record_routes(*http_, auth_->route_guard(), watch_guard, *call_records_);
  api::add_alarm_routes(*http_, *auth_, *alarm_records_, [this](const records::AlarmRecord& r) {
    json event = station::AlarmCentre::message(r, local_.vto_number);
    event["event"] = "alarm";
    event["state"] = "acknowledged";
    event["acknowledged_by"] = r.acknowledged_by;
    publish(event);
  });
  api::add_record_caps_routes(*http_, *auth_, *settings_, record_caps_,
                              [this](const api::RecordCaps& c) { apply_record_caps(c); });
  api::add_access_routes(
      *http_, *auth_,
      api::AccessApiParts{*settings_, *access_control_, *reader_enrolment_, *cards_, *fingerprints_,
                          *keypad_codes_, *unlock_records_, timers_, hash_async_, *keypad_hasher_,
                          core::system_unix_ms,
                          [this] { give_prints(fingerprint_reader_of(*modules_)); },
                          [this](const access::LockSettings& s) {
                            modules_->lock().set_normally_closed(s.normally_closed);
                          }});
  // The board's own routes (the simulated board's virtual panel).
  board_->add_routes(boards::BoardApi{*http_, *auth_, timers_,
                                      [this]() -> hal::DoorModules& { return *modules_; },
                                      [this](json& state) { extra_state(state); }});
  return {};
}

void Station::add_network_routes() {
  api::add_network_routes(
      *http_, *auth_, *settings_, network_,
      [this](const api::NetworkBasic& before, const api::NetworkBasic& after,
             std::function<void(Result<void>)> done) { apply_network(before, after, done); },
      sip_switch_->setting(),
      [this](const api::SipServerSettings&, const api::SipServerSettings& after) -> Result<void> {
        // Who serves the building changes how calls are routed: not in the middle of one.
        if (panel_->state().state != device::PanelState::Idle)
          return make_error("the panel is busy with a call: save again when it ends", Errc::Busy);
        if (auto secured = apply_sip_security(after); !secured) {
          (void)apply_sip_security(sip_switch_->setting());  // as it was
          return secured;
        }
        sip_switch_->change(after);
        log_->info("SIP server: {}",
                   after.mode == api::SipServerMode::This
                       ? std::string("this VTO")
                       : std::string(api::mode_name(after.mode)) + " " + after.server_ip);
        return {};
      },
      [this] {
        return json{
            {"serving", serving()},
            {"registered", serving() ? true : ua_->registered()},
            {"active", serving() ? "this" : (sip_switch_->on_alternate() ? "alternate" : "main")},
            {"server", serving() ? "" : ua_->config().server.host_port()}};
      },
      network_interface_ ? network_interface_->interface() : std::string(),
      [this] { return lease_json(); });
}

// Each changed port is moved on its own; a failure moves the others back. Then a board's
// interface gets the new addresses (its `ip` runs watched by the core, not waited for); when
// that fails, the addresses and the ports go back.
void Station::apply_network(const api::NetworkBasic& before, const api::NetworkBasic& after,
                            std::function<void(Result<void>)> done) {
  auto ports = std::make_shared<PortMover>();
  const std::string https_host = options_.https.host, http_host = options_.http.host;
  ports->add(
      "HTTPS", before.https_port, after.https_port,
      [this, https_host](std::uint16_t p) { return http_->rebind(https_host, p); },
      [this](std::uint16_t p) { redirect_->set_redirect_to_https_port(p); });
  if (redirect_running_) {
    ports->add("HTTP", before.http_port, after.http_port,
               [this, http_host](std::uint16_t p) { return redirect_->rebind(http_host, p); });
  }
  if (live_view_->running() && options_.rtsp) {
    ports->add("RTSP", before.rtsp_port, after.rtsp_port,
               [this, host = options_.rtsp->host](std::uint16_t p) {
                 return live_view_->listen(host, p);
               });
  }
  if (dhip_->running() && options_.dhip) {
    ports->add(
        "port 5000 protocol", before.dhip_port, after.dhip_port,
        [this, host = options_.dhip->host](std::uint16_t p) { return dhip_->listen(host, p); });
  }
  ports->add(
      "SIP", before.sip_port, after.sip_port,
      [this](std::uint16_t p) { return transport_->rebind(p); },
      [this](std::uint16_t) {
        // This VTO's own calls go to its server at the new port.
        if (serving()) ua_->reconfigure(sip_switch_->ua_config(false));
      });
  if (options_.sip_tls) {
    ports->add("SIP over TLS", before.sip_tls_port, after.sip_tls_port,
               [this](std::uint16_t p) { return transport_->rebind_tls(p); });
  }
  if (auto moved = ports->apply(); !moved) return done(moved);
  const auto ports_moved = [this, after] {
    log_->info("network: HTTPS {}, HTTP {}, SIP {}", after.https_port, after.http_port,
               after.sip_port);
  };
  const auto addresses = [](const api::NetworkBasic& n) {
    return station::InterfaceAddresses{n.ip, n.mask, n.gateway, n.dns1, n.dns2};
  };
  if (!network_interface_) {
    ports_moved();
    return done({});
  }
  if (after.dhcp) {  // the lease sets the addresses when it comes
    if (!dhcp_) {
      if (auto started = start_dhcp(); !started) {
        ports->undo();
        return done(make_error(started.error().message, Errc::Conflict));
      }
    }
    ports_moved();
    return done({});
  }
  const bool was_dhcp = dhcp_ != nullptr;
  if (!was_dhcp && addresses(after) == addresses(before)) {
    ports_moved();
    return done({});
  }
  stop_dhcp();
  network_interface_->apply(addresses(after), [this, ports, before, after, addresses, ports_moved,
                                               was_dhcp,
                                               done = std::move(done)](Result<void> applied) {
    const std::string& name = network_interface_->interface();
    if (!applied) {
      log_->error("network: {}: {}", name, applied.error().message);
      // Back to what it was; the ports too.
      if (was_dhcp) {
        (void)start_dhcp();
      } else if (!before.ip.empty()) {
        network_interface_->apply(addresses(before), [this](Result<void> back) {
          if (!back) log_->error("network: back to the old addresses: {}", back.error().message);
        });
      }
      ports->undo();
      return done(make_error(name + ": " + applied.error().message, Errc::Io));
    }
    log_->info("network: {} is {}/{}, gateway {}", name, after.ip,
               station::prefix_length(after.mask), after.gateway.empty() ? "none" : after.gateway);
    ports_moved();
    done({});
  });
}

// DHCP on the board's interface: each new lease's addresses are applied; a lease that runs
// out (or a server's NAK) takes them away until the next one.
Result<void> Station::start_dhcp() {
  if (dhcp_ || !network_interface_) return {};
  const std::string name = network_interface_->interface();
  auto client = std::make_unique<station::DhcpClient>(
      io_, name,
      [this, name](const station::DhcpLease& lease, bool changed) {
        const auto a = lease.addresses();
        if (!changed) {
          log_->info("network: {}: lease of {} renewed for {} s", name, a.ip, lease.lease_s);
          return;
        }
        log_->info("network: {}: leased {}/{} from {} for {} s, gateway {}", name, a.ip,
                   station::prefix_length(a.mask), station::ipv4_text(lease.server), lease.lease_s,
                   a.gateway.empty() ? "none" : a.gateway);
        network_interface_->apply(a, [this, name](Result<void> r) {
          if (!r) log_->error("network: {}: the lease's addresses: {}", name, r.error().message);
        });
      },
      [this, name] {
        log_->warn("network: {}: the DHCP lease ended: no address until the next one", name);
        network_interface_->clear([this, name](Result<void> r) {
          if (!r) log_->error("network: {}: {}", name, r.error().message);
        });
      });
  if (auto started = client->start(); !started) {
    log_->error("network: {}", started.error().message);
    return started;
  }
  log_->info("network: {}: asking for an address by DHCP", name);
  dhcp_ = std::move(client);
  return {};
}

void Station::stop_dhcp() {
  if (!dhcp_) return;
  dhcp_->stop();
  dhcp_.reset();
  log_->info("network: DHCP stopped");
}

json Station::lease_json() const {
  if (!dhcp_) return nullptr;
  const auto& st = dhcp_->status();
  json j{{"state", station::DhcpClient::state_name(st.state)}, {"error", st.error}};
  if (st.lease) {
    const auto a = st.lease->addresses();
    const auto ms = [&st](std::uint32_t s) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 (st.obtained + std::chrono::seconds(s)).time_since_epoch())
          .count();
    };
    const bool infinite = st.lease->lease_s == 0xFFFFFFFF;
    j.update({{"ip", a.ip},
              {"mask", a.mask},
              {"gateway", a.gateway},
              {"dns1", a.dns1},
              {"dns2", a.dns2},
              {"server", station::ipv4_text(st.lease->server)},
              {"lease_s", infinite ? json(nullptr) : json(st.lease->lease_s)},
              {"obtained_ms", ms(0)},
              {"renews_ms", infinite ? json(nullptr) : json(ms(st.lease->t1_s))},
              {"expires_ms", infinite ? json(nullptr) : json(ms(st.lease->lease_s))}});
  }
  return j;
}

Result<void> Station::set_http_service(bool on) {
  if (on == redirect_running_) return {};
  if (!on) {
    redirect_->stop();
    redirect_running_ = false;
    log_->info("plain HTTP port closed");
    return {};
  }
  if (auto r = redirect_->start(); !r) return make_error(r.error().message, Errc::Conflict);
  redirect_running_ = true;
  if (saved_network_ || network_.http_port != redirect_->port()) {
    if (auto r = redirect_->rebind(options_.http.host, network_.http_port); !r)
      log_->warn("plain HTTP stays on {}: {}", redirect_->port(), r.error().message);
  }
  log_->info("plain HTTP port {} open (redirects to HTTPS)", redirect_->port());
  return {};
}

void Station::add_settings_routes() {
  api::SecurityCallbacks callbacks;
  callbacks.tls_dir = options_.data_dir + "/tls";
  callbacks.self_signed = cert_options_;
  callbacks.apply_certificate = [this](const web::TlsIdentity& id) -> Result<void> {
    if (auto r = http_->set_tls(id.certificate_pem, id.private_key_pem); !r) return r;
    // SIP over TLS shows the same certificate to the phones that connect from now on.
    if (options_.sip_tls)
      return transport_->set_tls_identity(id.certificate_pem, id.private_key_pem);
    return {};
  };
  callbacks.apply_allow_list = [this](const api::AllowList& list) {
    {
      std::lock_guard lock(rtsp_allow_mutex_);
      rtsp_allow_ = list;
    }
    log_->info("allow-list: {}", list.empty() ? std::string("everyone")
                                              : std::to_string(list.entries().size()) + " entries");
  };
  callbacks.apply_login_policy = [this](const api::LoginPolicy& policy) {
    auth_->set_login_policy(policy);
    viewer_auth_->set_lockout(policy.max_failures, std::chrono::minutes(policy.lock_minutes));
    sip_guard_->set_config(sip_guard_config(policy));
  };
  callbacks.set_http_service = [this](bool on) { return set_http_service(on); };
  api::add_security_routes(*http_, *auth_, *settings_, security_, std::move(callbacks));
  api::add_facade_routes(
      *http_, *auth_, *settings_, device_info_, facade_,
      [this](const std::string& number) {
        auto room = directory_->directory().find_room(number);
        return room && room->has_value();
      },
      [this] {
        json presence = json::array();
        for (const auto& m : modules_->module_bus().modules()) {
          presence.push_back({{"position", m.position},
                              {"kind", hal::module_kind_name(m.kind)},
                              {"presence", hal::presence_name(m.presence)}});
        }
        return presence;
      },
      [this](const api::Facade& f) -> Result<void> {
        // The panel is rebuilt only between calls: a visitor mid-call keeps the buttons.
        if (panel_->state().state != device::PanelState::Idle)
          return make_error("the panel is busy with a call: save again when it ends", Errc::Busy);
        if (auto built = build_panel(f); !built) return built;
        log_->info("facade changed: {} modules, {} call buttons", f.modules.size(),
                   f.button_count());
        return {};
      });
  api::add_local_routes(
      *http_, *auth_, *settings_, device_info_, local_,
      [this] { return std::string(api::mode_name(sip_switch_->setting().mode)); },
      [this](const api::LocalBasic& before, const api::LocalBasic& after) {
        if (before.vto_number == after.vto_number) return;
        // New calls go out under the new number; calls in progress keep theirs.
        server_->set_own_number(after.vto_number);
        if (serving()) ua_->set_user(after.vto_number);
        call_recorder_->set_caller(after.vto_number);
        if (auto own =
                station::keep_own_vto(directory_->directory(), after.vto_number, before.vto_number);
            !own) {
          log_->error("VTO list: {}", own.error().message);
        }
        log_->info("VTO No. is now {}", after.vto_number);
      },
      [this](const std::string& number) -> std::optional<std::string> {
        auto& dir = directory_->directory();
        if (auto room = dir.find_room(number); room && room->has_value())
          return "room " + number + " has this number";
        if (auto vto = dir.find_vto(number); vto && vto->has_value() && number != local_.vto_number)
          return "VTO " + number + " in the VTO list has this number";
        return std::nullopt;
      });
}

namespace {

// The MAC address of `name` (/sys/class/net/NAME/address); without a name, of the first
// interface that is not the loopback. Empty when there is none.
std::string mac_address(const std::string& name) {
  namespace fs = std::filesystem;
  std::vector<std::string> names;
  if (!name.empty()) {
    names.push_back(name);
  } else {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/sys/class/net", ec)) {
      if (e.path().filename() != "lo") names.push_back(e.path().filename().string());
    }
    std::ranges::sort(names);
  }
  for (const auto& n : names) {
    std::ifstream in("/sys/class/net/" + n + "/address");
    std::string mac;
    if (in >> mac && mac != "00:00:00:00:00:00") return mac;
  }
  return {};
}

}  // namespace

// The device information of the Overview: model, serial number (made once, at random),
// software version, MAC address, uptime, the time, the SIP state, the monitors online by room
// and the streams in use.
void Station::add_system_routes() {
  http_->route(
      "GET", "/api/v1/system/info",
      auth_->guard(store::Role::Viewer, [this](const web::HttpRequest&, const api::Principal&) {
        const std::string serial = serial_number();
        json rooms = json::object();
        std::size_t monitors = 0;
        for (const auto& b : locations_->lookup_prefix("")) {
          const auto hash = b.aor.find('#');
          if (hash == std::string::npos) continue;
          rooms[b.aor.substr(0, hash)].push_back(b.aor);
          ++monitors;
        }
        const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::steady_clock::now() - started_)
                                .count();
        using Kind = media::StreamBudget::Kind;
        web::HttpResponse r;
        r.body =
            json{{"model", board_->board().description()},
                 {"serial", serial},
                 {"version", VTO_VERSION},
                 {"vto_number", local_.vto_number},
                 {"mac", mac_address(options_.network_interface)},
                 {"uptime_s", uptime},
                 {"time_ms", core::system_unix_ms()},
                 {"time_zone", time_zone_},
                 {"sip",
                  {{"mode", serving() ? "sip-server"
                                      : std::string(api::mode_name(sip_switch_->setting().mode))},
                   {"registered", serving() ? true : ua_->registered()}}},
                 {"monitors_online", monitors},
                 {"rooms_online", rooms},
                 {"streams",
                  {{"in_use", stream_budget_.in_use()},
                   {"limit", stream_budget_.limit()},
                   {"calls", stream_budget_.in_use(Kind::Call)},
                   {"monitors", stream_budget_.in_use(Kind::Monitor)},
                   {"rtsp", stream_budget_.in_use(Kind::Rtsp)},
                   {"browser", stream_budget_.in_use(Kind::Browser)}}}}
                .dump();
        return r;
      }));
}

void Station::add_call_routes() {
  api::add_call_routes(
      *http_, auth_->route_guard(), *ua_, *locations_, timers_, call_events_, [this] {
        return api::SipStatusNow{
            serving() ? "sip-server" : std::string(api::mode_name(sip_switch_->setting().mode)),
            serving() ? true : ua_->registered()};
      });
}

// The virtual panel's view of the station: the panel's state machine, the tones, and the
// simulated speaker's level meter and the microphone's stream per call.
void Station::extra_state(json& state) {
  const auto& status = panel_->state();
  state["panel"] = {{"state", device::state_name(status.state)},
                    {"dialled", status.dialled},
                    {"number", status.number},
                    {"call", status.call},
                    {"answered_by", call_recorder_->answered_by(status.call)}};
  state["reading_card"] = reader_enrolment_->reading_card();
  state["tone"] = {{"last", feedback_->last()},
                   {"count", feedback_->count()},
                   {"playing", tones_->current()},
                   {"level_db", tones_->level_db()}};
  json audio = json::array();
  for (const auto& a : door_media_->audio_status()) {
    audio.push_back({{"call", a.call},
                     {"codec", a.codec},
                     {"encrypted", a.encrypted},
                     {"packets_received", a.stats.packets_received},
                     {"packets_sent", a.stats.packets_sent},
                     {"level_db", a.stats.level_db},
                     {"peak_level_db", a.stats.peak_level_db},
                     {"dtmf_received", a.stats.dtmf_received}});
  }
  state["audio"] = std::move(audio);
  // Two-way audio outside calls (RTSP backchannel, audio.cgi) on the speaker.
  state["talk"] = {{"level_db", remote_speaker_->level_db()},
                   {"peak_level_db", remote_speaker_->peak_db()},
                   {"talking", remote_speaker_->holder() != 0},
                   {"bytes_played", remote_speaker_->bytes_played()},
                   {"bytes_dropped", remote_speaker_->bytes_dropped()}};
}

void Station::add_live_routes() {
  // The camera's picture for the virtual panel, a JPEG at a time.
  http_->route_async("GET", "/api/v1/sim/camera.jpg",
                     auth_->guard_async(store::Role::Viewer, [this](const web::HttpRequest&,
                                                                    const api::Principal& who,
                                                                    web::HttpServer::Reply reply) {
                       if (!viewer_auth_->may_watch(who.role))
                         return reply(web::json_error(403, "this account may not watch the door"));
                       snapshot_on_core([reply](Result<std::vector<std::uint8_t>> jpeg) {
                         reply(api::jpeg_response(jpeg));
                       });
                     }));
  // Live view: stream status, who may watch, snapshots (also for NVRs, with digest).
  api::add_live_routes(
      *http_, {http_.get(), redirect_.get()}, *auth_,
      api::LiveApiParts{*settings_, live_,
                        [this](const api::LiveSettings& l) {
                          viewer_auth_->set_watch_roles(l.watch_roles);
                          monitor_sessions_->set_max_time(std::chrono::seconds(l.monitor_seconds));
                        },
                        stream_budget_, *viewer_auth_,
                        [this](station::SnapshotDone done) { snapshot_on_core(std::move(done)); },
                        [this] { return live_view_->port(); }});
}

// The ports in force (a saved one may have been taken at start), and until the page is
// saved, the address vtod advertises.
void Station::fill_network() {
  network_.http_port = redirect_running_ ? redirect_->port() : options_.http.port;
  network_.https_port = http_->port();
  network_.sip_port = transport_->local(sip::Transport::Udp).port;
  if (options_.sip_tls) network_.sip_tls_port = transport_->local(sip::Transport::Tls).port;
  if (live_view_->running()) network_.rtsp_port = live_view_->port();
  if (dhip_->running()) network_.dhip_port = dhip_->port();
  if (saved_network_) return;
  const std::string advertised = transport_->local(sip::Transport::Udp).host;
  network_.ip = advertised.starts_with("[") ? "" : advertised;
}

Result<void> Station::listen() {
  if (auto r = http_->start(); !r) {
    if (!saved_network_ || cli_https_.port == options_.https.port)
      return make_error(r.error().message, 1);
    log_->error("saved HTTPS port: {}; using the command line's port {} instead", r.error().message,
                cli_https_.port);
    if (auto again = http_->rebind(options_.https.host, cli_https_.port); !again)
      return make_error(again.error().message, 1);
  }
  redirect_->set_redirect_to_https_port(http_->port());
  if (security_.http_service) {
    if (auto r = redirect_->start(); !r) {
      if (!saved_network_ || cli_http_.port == options_.http.port)
        return make_error(r.error().message, 1);
      log_->error("saved HTTP port: {}; using the command line's port {} instead",
                  r.error().message, cli_http_.port);
      if (auto again = redirect_->rebind(options_.http.host, cli_http_.port); !again)
        return make_error(again.error().message, 1);
    }
    redirect_running_ = true;
  }
  // RTSP on the saved port, else the command line's.
  if (options_.rtsp) {
    const std::string& host = options_.rtsp->host;
    const std::uint16_t port = saved_network_ ? saved_network_->rtsp_port : options_.rtsp->port;
    if (auto r = live_view_->listen(host, port); !r) {
      log_->error("RTSP: {}", r.error().message);
      if (port != options_.rtsp->port) {
        if (auto again = live_view_->listen(host, options_.rtsp->port); !again)
          log_->error("RTSP off: {}", again.error().message);
      } else {
        log_->error("RTSP off: live view for players and NVRs is not available");
      }
    }
  }
  // The device family's event protocol, when Network › Integrations has it on.
  if (port5000_at_start_ && options_.dhip) {
    api::Integrations next = integrations_;
    next.port5000 = true;
    if (auto r = apply_integrations(next); !r)
      log_->error("port 5000 protocol off: {}", r.error().message);
  }
  // ONVIF's WS-Discovery, likewise.
  if (discovery_at_start_) {
    api::Integrations next = integrations_;
    next.onvif_discovery = true;
    if (auto r = apply_integrations(next); !r)
      log_->error("ONVIF WS-Discovery off: {}", r.error().message);
  }
  fill_network();
  return {};
}

void Station::announce_ready() {
  const std::uint16_t sip_port = transport_->local(sip::Transport::Udp).port;
  const std::uint16_t http_port = redirect_running_ ? redirect_->port() : 0;
  const std::uint16_t tls_port = options_.sip_tls ? transport_->local(sip::Transport::Tls).port : 0;
  log_->info(
      "vtod ready: SIP on {} (UDP, TCP){}, web interface on https://{}:{}/ (http://{}:{}/ "
      "redirects there), data in {}",
      sip::Peer{sip::Transport::Udp, options_.sip.host, sip_port, 0}.host_port(),
      tls_port != 0 ? " and port " + std::to_string(tls_port) + " (TLS)" : std::string(),
      options_.https.host, http_->port(), options_.http.host, http_port, options_.data_dir);
  // Scripts and tests read this line; new fields go at its end.
  std::printf("vtod ready sip=%u https=%u http=%u rtsp=%u sip_tls=%u dhip=%u\n", sip_port,
              http_->port(), http_port, live_view_->port(), tls_port, dhip_->port());
  std::fflush(stdout);
  service_.ready();
}

int Station::run() {
  signals_.emplace(io_, SIGINT, SIGTERM);
  service_.start_watchdog(timers_);
  signals_->async_wait([this](const boost::system::error_code&, int sig) {
    log_->info("signal {}: stopping", sig);
    service_.stopping();
    if (!serving()) ua_->unregister();
    timers_.start(core::Duration(serving() ? 0 : 300), [this] { io_.stop(); });
  });
  // On a board, the saved addresses are the interface's from the start: ready once they are.
  // With DHCP, ready at once: the lease comes when the network's server answers.
  if (network_interface_ && saved_network_ && saved_network_->dhcp) {
    if (auto started = start_dhcp(); !started) log_->error("network: {}", started.error().message);
    announce_ready();
  } else if (network_interface_ && saved_network_) {
    const api::NetworkBasic n = *saved_network_;
    network_interface_->apply({n.ip, n.mask, n.gateway, n.dns1, n.dns2}, [this, n](Result<void> r) {
      const std::string& name = network_interface_->interface();
      if (!r) {
        log_->error("network: {}: {}", name, r.error().message);
      } else {
        log_->info("network: {} is {}/{}", name, n.ip, station::prefix_length(n.mask));
      }
      announce_ready();
    });
  } else {
    announce_ready();
  }
  alarm_centre_->start();  // what the last run left undelivered
  if (auto mqtt = start_mqtt(); !mqtt) log_->error("MQTT: {}", mqtt.error().message);
  io_.run();
  mqtt_->stop();          // "offline" on the broker, then a clean disconnection
  ws_discovery_->stop();  // Bye
  log_->info(restart_ ? "vtod stopped to restart" : "vtod stopped");
  return restart_ ? kRestartExit : 0;
}

}  // namespace vto::app
