// Network › MQTT (src/mqtt): the door's events, states and commands on a broker, and Home
// Assistant's discovery (docs/mqtt.md); and its sibling Network › Webhooks (src/webhooks):
// the same events POSTed, signed, to URLs (docs/webhooks.md).
#include <boost/asio/post.hpp>

#include "access/card_csv.h"
#include "app/station.h"
#include "core/unix_clock.h"

namespace vto::app {

using nlohmann::json;

mqtt::DeviceFacts Station::mqtt_device() {
  mqtt::DeviceFacts d;
  d.serial = serial_number();
  d.id = d.serial;
  std::ranges::transform(d.id, d.id.begin(), [](unsigned char c) { return std::tolower(c); });
  d.name = "OpenVTO " + local_.vto_number;
  d.sw_version = VTO_VERSION;
  d.ring_rooms = facade_.buttons;
  const std::string host = network_.ip.empty() ? options_.https.host : network_.ip;
  if (!host.empty() && host != "0.0.0.0" && host.find(':') == std::string::npos && http_->port())
    d.configuration_url = "https://" + host + ":" + std::to_string(http_->port()) + "/";
  return d;
}

// The call button a ring came from (1-based); none for a number dialled on the keypad or
// the centre key.
std::optional<int> Station::button_of(const station::DoorEvent& e) const {
  if (e.keypad) return std::nullopt;
  for (std::size_t i = 0; i < facade_.buttons.size(); ++i)
    if (facade_.buttons[i] == e.number) return static_cast<int>(i + 1);
  return std::nullopt;
}

void Station::add_mqtt_routes() {
  mqtt::MqttBridge::Hooks hooks;
  hooks.post = [this](std::function<void()> fn) { boost::asio::post(io_, std::move(fn)); };
  hooks.now_ms = core::system_unix_ms;
  hooks.device_number = [this] { return local_.vto_number; };
  hooks.door_now = [this] {
    mqtt::DoorNow now;
    if (modules_) {
      now.door_open = modules_->door_sensor().state() == hal::DoorState::Open;
      now.tamper = modules_->tamper_switch().state() == hal::TamperState::Detached;
      now.lock_released = modules_->lock().is_open();
    }
    if (panel_) {
      const auto state = panel_->state().state;
      now.in_call = state == device::PanelState::Calling || state == device::PanelState::Talking;
    }
    return now;
  };
  hooks.unlock = [this](const std::string& who) {
    const auto answer = access_control_->remote(who);
    return answer.granted ? std::string() : answer.text.empty() ? "not opened" : answer.text;
  };
  hooks.lock = [this] {
    if (modules_) modules_->lock().close();
  };
  hooks.hang_up = [this] {
    if (!panel_ || panel_->state().call == device::kNoCall) return false;
    log_->info("call hung up over MQTT");
    call_control_->hang_up(panel_->state().call);
    return true;
  };
  hooks.audit = [this](const std::string& action, const std::string& detail) {
    auth_->audit(api::Principal{"mqtt", store::Role::Viewer, mqtt_settings_.host, false, {}},
                 action, detail);
  };
  hooks.snapshot = [this](std::function<void(Result<std::vector<std::uint8_t>>)> done) {
    snapshot_on_core(std::move(done));
  };
  mqtt_ = std::make_unique<mqtt::MqttBridge>(*record_writer_, *records_db_, timers_,
                                             options_.data_dir + "/mqtt-ca.pem", std::move(hooks));
  if (auto loaded = mqtt_->load(); !loaded) log_->error("{}", loaded.error().message);
  door_events_->add_listener(
      [this](const station::DoorEvent& e) { mqtt_->on_event(e, button_of(e)); });

  // The saved settings, else vtod --mqtt's at first start.
  auto saved = settings_->get(std::string(mqtt::kMqttKey));
  if (saved && *saved) {
    const json j = json::parse(**saved, nullptr, false);
    auto loaded = mqtt::from_saved_json(j);
    if (loaded) {
      mqtt_settings_ = *loaded;
    } else {
      log_->error("Network › MQTT: {}; MQTT is off", loaded.error().message);
    }
  } else if (!options_.mqtt_url.empty()) {
    auto from_url = mqtt::parse_mqtt_url(options_.mqtt_url);  // checked with the options
    if (from_url) {
      mqtt_settings_ = *from_url;
      if (auto r =
              settings_->set(std::string(mqtt::kMqttKey), mqtt::to_saved_json(*from_url).dump());
          !r)
        log_->error("Network › MQTT not saved: {}", r.error().message);
    }
  }

  const auto page = [this] {
    json j = mqtt::to_public_json(mqtt_settings_);
    j["status"] = mqtt_->status();
    return api::json_response(200, j);
  };
  http_->route("GET", "/api/v1/settings/mqtt",
               auth_->guard(store::Role::Admin, [page](const web::HttpRequest&,
                                                       const api::Principal&) { return page(); }));
  http_->route(
      "PUT", "/api/v1/settings/mqtt",
      auth_->guard(store::Role::Admin, [this, page](const web::HttpRequest& req,
                                                    const api::Principal& who) {
        const json body = json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object())
          return web::json_error(400, "body must be a JSON object");
        auto next = mqtt::from_put_json(body, mqtt_settings_);
        if (!next) {
          const std::string& m = next.error().message;
          return api::field_error(m.substr(0, m.find(':')), "invalid", m.substr(m.find(':') + 2));
        }
        if (*next != mqtt_settings_) {
          if (auto r =
                  settings_->set(std::string(mqtt::kMqttKey), mqtt::to_saved_json(*next).dump());
              !r)
            return web::json_error(500, r.error().message);
          mqtt_settings_ = *next;
          json shown = mqtt::to_public_json(*next);
          shown.erase("ca_pem");
          auth_->audit(who, "settings_changed", "mqtt: " + shown.dump());
          if (auto applied = mqtt_->apply(mqtt_settings_, mqtt_device()); !applied)
            return web::json_error(409, applied.error().message);
        }
        return page();
      }));
}

void Station::add_webhook_routes() {
  webhooks_ = std::make_unique<webhooks::Webhooks>(io_, timers_, core::system_unix_ms);
  if (auto saved = settings_->get(std::string(webhooks::kWebhooksKey)); saved && *saved) {
    auto loaded = webhooks::from_json(json::parse(**saved, nullptr, false), {});
    if (loaded) {
      webhook_settings_ = *loaded;
      webhooks_->apply(webhook_settings_);
    } else {
      log_->error("Network › Webhooks: {}; no webhooks", loaded.error().message);
    }
  }
  door_events_->add_listener([this](const station::DoorEvent& e) {
    webhooks_->on_event(station::kind_name(e.kind),
                        station::event_json(e, local_.vto_number, button_of(e)));
  });
  const auto page = [this] {
    json j = webhooks::to_json(webhook_settings_);
    j["status"] = webhooks_->status();
    return api::json_response(200, j);
  };
  http_->route("GET", "/api/v1/settings/webhooks",
               auth_->guard(store::Role::Admin, [page](const web::HttpRequest&,
                                                       const api::Principal&) { return page(); }));
  http_->route(
      "PUT", "/api/v1/settings/webhooks",
      auth_->guard(store::Role::Admin, [this, page](const web::HttpRequest& req,
                                                    const api::Principal& who) {
        const json body = json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object())
          return web::json_error(400, "body must be a JSON object");
        auto next = webhooks::from_json(body, webhook_settings_);
        if (!next) {
          const std::string& m = next.error().message;
          return api::field_error(m.substr(0, m.find(':')), "invalid", m.substr(m.find(':') + 2));
        }
        if (*next != webhook_settings_) {
          if (auto r = settings_->set(std::string(webhooks::kWebhooksKey),
                                      webhooks::to_json(*next).dump());
              !r)
            return web::json_error(500, r.error().message);
          webhook_settings_ = *next;
          webhooks_->apply(webhook_settings_);
          std::string urls;
          for (const auto& e : next->endpoints)
            urls += (urls.empty() ? "" : ", ") + e.url + (e.enabled ? "" : " (off)");
          auth_->audit(who, "settings_changed", "webhooks: " + (urls.empty() ? "none" : urls));
        }
        return page();
      }));
  // A test event to every endpoint, to check a receiver and its secret.
  http_->route("POST", "/api/v1/settings/webhooks/test",
               auth_->guard(store::Role::Admin,
                            [this, page](const web::HttpRequest&, const api::Principal& who) {
                              const std::int64_t now = core::system_unix_ms();
                              webhooks_->on_event("test", json{{"event", "test"},
                                                               {"time", access::utc_time(now)},
                                                               {"time_ms", now},
                                                               {"device", local_.vto_number},
                                                               {"by", who.user}});
                              return page();
                            }));
}

Result<void> Station::start_mqtt() {
  if (!mqtt_settings_.enabled) return {};
  return mqtt_->apply(mqtt_settings_, mqtt_device());
}

}  // namespace vto::app
