// The device family's API for the clients written for it (src/compat): the HTTP CGI on both
// web ports, the event protocol on port 5000, the door events they both push, and the
// Network › Integrations switches. docs/api.md, "Compatible API".
#include <algorithm>

#include "app/station.h"
#include "core/secure_random.h"
#include "core/text.h"
#include "core/unix_clock.h"

namespace vto::app {

using nlohmann::json;

namespace {

std::string ms_text(std::int64_t ms) {
  return ms == 0 ? "" : compat::local_time_text(ms);
}

}  // namespace

std::string Station::serial_number() {
  if (!serial_.empty()) return serial_;  // asked at every request of the family's API
  if (auto saved = settings_->get("device.serial"); saved && *saved) return serial_ = **saved;
  core::SecureRandom random;
  std::string serial = "OV" + random.hex(5);
  std::ranges::transform(serial, serial.begin(), [](unsigned char c) { return std::toupper(c); });
  if (auto ok = settings_->set("device.serial", serial); !ok) {
    log_->warn("device serial number not saved: {}", ok.error().message);
  } else {
    serial_ = serial;
  }
  return serial;
}

compat::DeviceIdentity Station::identity() {
  compat::DeviceIdentity me;
  me.serial = serial_number();
  me.processor = board_->board().description();
  me.machine_name = local_.vto_number;
  me.version = VTO_VERSION;
  me.build_date = VTO_BUILD_DAY;
  return me;
}

// The configuration tables the clients read, from the settings in force.
std::optional<json> Station::compat_config(std::string_view name) {
  if (name == "General") {
    return json{
        {"MachineName", local_.vto_number},
        {"LocalNo", local_.vto_number},
        {"MachineAddress", local_.building.empty() ? "" : local_.building + "#" + local_.unit}};
  }
  if (name == "Encode") {
    const auto stream = [](int width, int height, int fps, int kbps) {
      return json::array(
          {{{"VideoEnable", true},
            {"Video",
             {{"Compression", "H.264"},
              {"Width", width},
              {"Height", height},
              {"FPS", fps},
              {"BitRate", kbps},
              {"BitRateControl", "VBR"},
              {"GOP", 2 * fps},
              {"Profile", "Baseline"}}},
            {"AudioEnable", true},
            {"Audio", {{"Compression", "G.711A"}, {"Frequency", 8000}, {"Depth", 16}}}}});
    };
    return json::array(
        {{{"MainFormat", stream(options_.video_size.first, options_.video_size.second, 15, 1536)},
          {"ExtraFormat", stream(options_.sub_size.first, options_.sub_size.second, 15, 256)}}});
  }
  if (name == "AccessControl") {
    const access::LockSettings& lock = access_control_->settings();
    return json::array({{{"AccessProtocol", "Local"},
                         {"Enable", true},
                         {"Name", "Door1"},
                         {"State", "Normal"},
                         {"UnlockHoldInterval", lock.unlock_seconds * 1000},
                         {"UnlockReloadInterval", lock.unlock_seconds * 1000},
                         {"DoorNotClosedAlarmEnable", lock.door_sensor},
                         {"CloseTimeout", lock.held_open_seconds}}});
  }
  if (name == "CommGlobal") {
    return json{{"AlarmEnable", true}, {"ProfileEnable", false}, {"CurrentProfile", "Outdoor"}};
  }
  if (name == "Sound") {
    json s = json::object();
    if (auto saved = settings_->get("sound"); saved && *saved)
      s = json::parse(**saved, nullptr, false);
    const auto volume = [&](const char* key, int fallback) {
      return s.is_object() && s.contains(key) && s[key].is_number_integer() ? s[key].get<int>()
                                                                            : fallback;
    };
    return json{{"RingVolume", volume("ring", 50)},
                {"TalkVolume", volume("talk", 100)},
                {"MicVolume", volume("microphone", 100)}};
  }
  if (name == "T2UServer") return json{{"Enable", false}, {"UUID", serial_number()}};
  return std::nullopt;
}

std::optional<std::vector<json>> Station::compat_records(std::string_view name,
                                                         const compat::RecordQuery& q) {
  const std::size_t limit = std::min<std::size_t>(q.count, 500);
  const auto from = q.from_s ? std::optional<std::int64_t>(*q.from_s * 1000) : std::nullopt;
  const auto to = q.to_s ? std::optional<std::int64_t>(*q.to_s * 1000 + 999) : std::nullopt;
  // Every table's query takes the same window and count.
  const auto window = [&](auto& query) {
    query.from_ms = from;
    query.to_ms = to;
    query.limit = limit;
  };
  std::vector<json> out;
  if (name == "VideoTalkLog") {
    records::CallQuery query;
    window(query);
    auto found = call_records_->search(query);
    if (!found) return out;
    for (const auto& r : *found) {
      out.push_back({{"RecNo", r.id},
                     {"CreateTime", r.started_ms / 1000},
                     {"StartTime", ms_text(r.started_ms)},
                     {"EndTime", ms_text(r.ended_ms)},
                     {"CallType", "Outgoing"},
                     {"EndState", r.answered_by.empty() ? "Missed" : "Received"},
                     {"PeerNumber", r.called},
                     {"PeerType", "VTH"},
                     {"LocalNumber", local_.vto_number},
                     {"TalkTime", r.duration_s},
                     {"Result", r.result}});
    }
    return out;
  }
  if (name == "AccessControlCardRec") {
    records::UnlockQuery query;
    window(query);
    auto found = unlock_records_->search(query);
    if (!found) return out;
    for (const auto& r : *found) {
      station::DoorEvent e{.kind = station::DoorEvent::Kind::Unlock, .at_ms = r.at_ms};
      e.unlock = r;
      json data = compat::translate(e, ms_text).front().data;
      data["CreateTime"] = r.at_ms / 1000;
      data["RecNo"] = r.id;
      out.push_back(std::move(data));
    }
    return out;
  }
  if (name == "AlarmRecord") {
    records::AlarmQuery query;
    window(query);
    auto found = alarm_records_->search(query);
    if (!found) return out;
    for (const auto& r : *found) {
      out.push_back({{"RecNo", r.id},
                     {"CreateTime", r.started_ms / 1000},
                     {"Time", ms_text(r.started_ms)},
                     {"EndTime", ms_text(r.ended_ms)},
                     {"Type", r.type},
                     {"Source", r.source},
                     {"Details", r.details}});
    }
    return out;
  }
  return std::nullopt;
}

// setConfig: the Encode settings are vtod's command line; a request that sets them to what
// they are is answered OK, anything else is refused.
Result<void> Station::compat_set_config(
    const std::vector<std::pair<std::string, std::string>>& pairs, const std::string& user) {
  std::vector<std::pair<std::string, std::string>> now;
  if (auto encode = compat_config("Encode")) compat::flatten(*encode, "Encode", now);
  for (const auto& [key, value] : pairs) {
    const auto it =
        std::find_if(now.begin(), now.end(), [&](const auto& p) { return p.first == key; });
    if (it == now.end()) return make_error(key + ": not settable here", Errc::Invalid);
    if (it->second != value)
      return make_error(key + ": fixed at " + it->second + " (vtod's command line)", Errc::Invalid);
  }
  log_->info("setConfig by {}: nothing to change", user);
  return {};
}

void Station::audit_compat(const std::string& user, const std::string& address,
                           const std::string& action, const std::string& detail) {
  auth_->audit(api::Principal{core::printable(user, 64), store::Role::Viewer, address, false, {}},
               action, detail);
}

std::string Station::compat_open_door(const std::string& user, const std::string& via) {
  const auto answer = access_control_->remote(user + " (" + via + ")");
  return answer.granted ? std::string() : answer.text.empty() ? "not opened" : answer.text;
}

Result<void> Station::apply_integrations(const api::Integrations& next) {
  if (next.port5000 && !dhip_->running() && options_.dhip) {
    // The saved port, else the command line's.
    const std::uint16_t port = saved_network_ ? saved_network_->dhip_port : options_.dhip->port;
    if (auto r = dhip_->listen(options_.dhip->host, port); !r) {
      if (port == options_.dhip->port) return r;
      log_->error("port 5000 protocol: {}; using the command line's port {} instead",
                  r.error().message, options_.dhip->port);
      if (auto again = dhip_->listen(options_.dhip->host, options_.dhip->port); !again)
        return again;
    }
    log_->info("port 5000 protocol on {}:{}", options_.dhip->host, dhip_->port());
    network_.dhip_port = dhip_->port();
  } else if (!next.port5000 && dhip_->running()) {
    dhip_->stop();
    log_->info("port 5000 protocol off");
  }
  if (next.onvif_discovery != integrations_.onvif_discovery ||
      (next.onvif_discovery && !ws_discovery_->running())) {
    if (auto r = set_onvif_discovery(next.onvif_discovery); !r) return r;
  }
  if (!next.http_api) cgi_api_->close_streams();
  live_view_->set_backchannel(next.rtsp_backchannel);
  integrations_ = next;
  return {};
}

void Station::add_compat_routes() {
  api::Integrations defaults;
  const bool demo = options_.board == "sim";
  defaults = {demo, demo, demo, demo, false};
  auto loaded = api::load_integrations(*settings_, defaults);
  if (!loaded) log_->error("{}; the integrations are off", loaded.error().message);
  const api::Integrations wanted = loaded ? *loaded : api::Integrations{};

  compat::CgiServices cgi;
  cgi.identity = [this] { return identity(); };
  cgi.config = [this](std::string_view name) { return compat_config(name); };
  cgi.set_config = [this](const auto& pairs, const std::string& user) {
    return compat_set_config(pairs, user);
  };
  cgi.open_door = [this](const std::string& user) { return compat_open_door(user, "HTTP API"); };
  cgi.close_door = [this](const std::string& user) -> std::string {
    if (!modules_) return "no lock";
    modules_->lock().close();
    audit_compat(user, "", "door_closed", "locked again through the HTTP API");
    return {};
  };
  cgi.reboot = [this](const std::string& user) {
    audit_compat(user, "", "restart", "restart asked through the HTTP API");
    request_restart("asked by " + user + " through the HTTP API");
  };
  cgi.find_records = [this](std::string_view name, const compat::RecordQuery& q) {
    return compat_records(name, q);
  };
  cgi.backchannel = [this] { return integrations_.rtsp_backchannel; };
  cgi.talk = [speaker = remote_speaker_.get()](std::uint64_t talker, bool alaw,
                                               std::string_view bytes) {
    return speaker->play(talker, alaw ? media::G711::Alaw : media::G711::Ulaw, bytes);
  };
  cgi.talk_end = [speaker = remote_speaker_.get()](std::uint64_t talker) {
    speaker->release(talker);
  };
  cgi.audit = [this](const std::string& user, const std::string& address, const std::string& action,
                     const std::string& detail) { audit_compat(user, address, action, detail); };
  cgi.enabled = [this] { return integrations_.http_api; };
  cgi_api_ = std::make_unique<compat::CgiApi>(timers_, *viewer_auth_, std::move(cgi));
  cgi_api_->add_routes(*http_);
  cgi_api_->add_routes(*redirect_);

  compat::DhipServices dhip;
  dhip.identity = [this] { return identity(); };
  dhip.login = [this](std::string_view user, std::string_view random, std::string_view hash,
                      std::string_view address) {
    return viewer_auth_->check_login_hash(user, random, hash, address);
  };
  dhip.config = [this](std::string_view name) { return compat_config(name); };
  dhip.open_door = [this](const std::string& user) { return compat_open_door(user, "port 5000"); };
  dhip.hang_up = [this](const std::string& user) {
    if (!panel_ || panel_->state().call == device::kNoCall) return;
    log_->info("call hung up by {} on port 5000", user);
    call_control_->hang_up(panel_->state().call);
  };
  dhip.reboot = [this](const std::string& user) {
    audit_compat(user, "", "restart", "restart asked on port 5000");
    request_restart("asked by " + user + " on port 5000");
  };
  dhip.allowed = [this](std::string_view ip) { return security_.allow_list.allows(ip); };
  dhip.audit = [this](const std::string& user, const std::string& address,
                      const std::string& action,
                      const std::string& detail) { audit_compat(user, address, action, detail); };
  dhip_ = std::make_unique<compat::DhipServer>(io_, std::move(dhip));

  // Every door event, in the family's codes, to both streams.
  door_events_->add_listener([this](const station::DoorEvent& e) {
    const auto events = compat::translate(e, compat::local_time_text);
    if (integrations_.http_api) cgi_api_->publish(events);
    dhip_->publish(events);
  });

  // Port 5000 opens with the other listeners (listen()).
  integrations_ =
      api::Integrations{wanted.http_api, false, wanted.rtsp_backchannel, wanted.onvif, false};
  live_view_->set_backchannel(wanted.rtsp_backchannel);
  port5000_at_start_ = wanted.port5000;
  discovery_at_start_ = wanted.onvif_discovery;

  http_->route(
      "GET", "/api/v1/settings/integrations",
      auth_->guard(store::Role::Viewer, [this](const web::HttpRequest&, const api::Principal&) {
        json j = api::to_json(integrations_);
        j["port5000_listening"] = dhip_->port();
        j["discovery_listening"] = ws_discovery_->port();
        return api::json_response(200, j);
      }));
  http_->route(
      "PUT", "/api/v1/settings/integrations",
      auth_->guard(store::Role::Admin, [this](const web::HttpRequest& req,
                                              const api::Principal& who) {
        const json body = json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object())
          return web::json_error(400, "body must be a JSON object");
        auto next = api::integrations_from_json(body, integrations_);
        if (!next) {
          const std::string& m = next.error().message;
          return api::field_error(m.substr(0, m.find(':')), "invalid", m);
        }
        if (*next != integrations_) {
          if (next->port5000 && !options_.dhip)
            return api::field_error("port5000", "off", "vtod was started with --dhip-listen off");
          if (auto applied = apply_integrations(*next); !applied)
            return web::json_error(409, applied.error().message);
          if (auto r =
                  settings_->set(std::string(api::kIntegrationsKey), api::to_json(*next).dump());
              !r)
            return web::json_error(500, r.error().message);
          auth_->audit(who, "settings_changed", "integrations: " + api::to_json(*next).dump());
        }
        json j = api::to_json(integrations_);
        j["port5000_listening"] = dhip_->port();
        j["discovery_listening"] = ws_discovery_->port();
        return api::json_response(200, j);
      }));
}

}  // namespace vto::app
