#include "mqtt/mqtt_bridge.h"

#include <SQLiteCpp/Statement.h>

#include "access/card_csv.h"
#include "core/log.h"
#include "core/text.h"
#include "records/record_writer.h"
#include "store/database.h"

namespace vto::mqtt {

using nlohmann::json;
using Kind = station::DoorEvent::Kind;

namespace {

constexpr const char* kTable = "mqtt_outbox";

const char* on_off(bool on) {
  return on ? "ON" : "OFF";
}

}  // namespace

MqttBridge::MqttBridge(records::RecordWriter& writer, store::Database& records_db,
                       core::Timers& timers, std::string ca_file, Hooks hooks)
    : writer_(writer),
      records_db_(records_db),
      timers_(timers),
      ca_file_(std::move(ca_file)),
      hooks_(std::move(hooks)),
      log_(core::logger("mqtt")) {
  writer_.set_cap(kTable, kOutboxCap);
}

MqttBridge::~MqttBridge() {
  client_.reset();
}

Result<void> MqttBridge::load() {
  try {
    SQLite::Statement q(records_db_.connection(),
                        "SELECT id, at_ms, topic, payload, ring FROM mqtt_outbox ORDER BY id");
    std::vector<OutMessage> saved;
    while (q.executeStep()) {
      OutMessage m;
      m.id = q.getColumn(0).getInt64();
      m.at_ms = q.getColumn(1).getInt64();
      m.topic = q.getColumn(2).getString();
      m.payload = q.getColumn(3).getString();
      m.ring = q.getColumn(4).getInt() != 0;
      saved.push_back(std::move(m));
    }
    if (!saved.empty())
      log_->info("{} MQTT message(s) from the last run wait for the broker", saved.size());
    outbox_.load(std::move(saved));
  } catch (const std::exception& e) {
    return make_error(std::string("MQTT outbox: ") + e.what(), Errc::Io);
  }
  return {};
}

Result<void> MqttBridge::apply(const MqttSettings& s, const DeviceFacts& device) {
  if (auto ok = check(s); !ok) return ok;
  const bool same_connection = client_ && s == settings_ && device.id == device_.id;
  const bool discovery_changed = s.discovery != settings_.discovery ||
                                 s.discovery_prefix != settings_.discovery_prefix ||
                                 s.unlock != settings_.unlock;
  if (same_connection) return {};
  // The old topics get their entities removed when discovery goes off.
  if (client_ && client_->connected() && settings_.discovery && discovery_changed &&
      (!s.discovery || s.discovery_prefix != settings_.discovery_prefix || !s.enabled)) {
    for (const auto& p : discovery_configs(device_, topics_, settings_.discovery_prefix, true))
      (void)client_->publish(p.topic, "", 1, true);
  }
  stop();
  settings_ = s;
  std::vector<std::string> rooms = std::move(device_.ring_rooms);
  device_ = device;
  if (device_.ring_rooms.empty()) device_.ring_rooms = std::move(rooms);
  topics_ = Topics{s.topic_prefix + "/" + device.id};
  last_error_.clear();
  if (!s.enabled) return {};

  if (!s.ca_pem.empty()) {
    // libmosquitto reads the CA from a file.
    const std::string tmp = ca_file_ + ".new";
    if (FILE* f = std::fopen(tmp.c_str(), "wb")) {
      const bool ok = std::fwrite(s.ca_pem.data(), 1, s.ca_pem.size(), f) == s.ca_pem.size();
      if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), ca_file_.c_str()) != 0)
        return make_error("MQTT: cannot write " + ca_file_, Errc::Io);
    } else {
      return make_error("MQTT: cannot write " + ca_file_, Errc::Io);
    }
  }
  ConnectOptions o;
  o.host = s.host;
  o.port = s.port;
  o.tls = s.tls;
  o.ca_file = s.ca_pem.empty() ? "" : ca_file_;
  o.username = s.username;
  o.password = s.password;
  o.client_id = who();
  o.will = {topics_.availability(), "offline", 1, true};
  client_ = std::make_unique<MqttClient>(
      hooks_.post,
      MqttClient::Callbacks{[this] { connected(); },
                            [this](const std::string& why) { disconnected(why); },
                            [this](const std::string& topic, const std::string& payload,
                                   bool retained) { message(topic, payload, retained); },
                            [this](int mid) { published(mid); },
                            [this](const std::string& text) {
                              if (text != last_error_) log_->warn("MQTT: {}", text);
                              last_error_ = text;
                            }});
  if (auto started = client_->start(o); !started) {
    client_.reset();
    last_error_ = started.error().message;
    return started;
  }
  log_->info("MQTT: connecting to {}:{}{} as {}", s.host, s.port, s.tls ? " (TLS)" : "",
             o.client_id);
  return {};
}

void MqttBridge::stop() {
  if (!client_) return;
  client_->stop(topics_.availability(), "offline");
  client_.reset();
  outbox_.connection_lost();
  connected_since_ms_ = 0;
}

std::string MqttBridge::who() const {
  return settings_.client_id.empty() ? "openvto-" + device_.id : settings_.client_id;
}

void MqttBridge::connected() {
  connected_since_ms_ = hooks_.now_ms();
  last_error_.clear();
  log_->info("MQTT: connected to {}:{}", settings_.host, settings_.port);
  (void)client_->subscribe(topics_.base + "/command/+", settings_.qos);
  if (settings_.discovery) (void)client_->subscribe("homeassistant/status", 1);
  (void)client_->publish(topics_.availability(), "online", 1, true);
  if (settings_.discovery) publish_discovery();
  now_ = hooks_.door_now();
  publish_states();
  pump();
}

void MqttBridge::disconnected(const std::string& why) {
  if (connected_since_ms_ != 0 || last_error_ != why)
    log_->warn("MQTT: {}:{}: {}; trying again", settings_.host, settings_.port, why);
  last_error_ = why;
  connected_since_ms_ = 0;
  outbox_.connection_lost();
}

void MqttBridge::publish_discovery() {
  for (const auto& p :
       discovery_configs(device_, topics_, settings_.discovery_prefix, settings_.unlock))
    (void)client_->publish(p.topic, p.payload, 1, p.retain);
}

void MqttBridge::publish_state(const std::string& name, const std::string& value) {
  if (client_ && client_->connected())
    (void)client_->publish(topics_.state(name), value, settings_.qos, true);
}

std::string MqttBridge::lock_state() const {
  if (now_.door_open) return "OPEN";
  return now_.lock_released ? "UNLOCKED" : "LOCKED";
}

void MqttBridge::publish_states() {
  publish_state("lock", lock_state());
  publish_state("door", on_off(now_.door_open));
  publish_state("tamper", on_off(now_.tamper));
  publish_state("call", on_off(now_.in_call));
  if (!last_room_.empty()) publish_state("last_room", last_room_);
}

void MqttBridge::set_ring_rooms(std::vector<std::string> rooms) {
  std::vector<std::string> unique;
  for (auto& r : rooms)
    if (!r.empty() && std::ranges::find(unique, r) == unique.end() && unique.size() < 32)
      unique.push_back(std::move(r));
  if (unique == device_.ring_rooms) return;
  device_.ring_rooms = std::move(unique);
  if (client_ && client_->connected() && settings_.discovery) publish_discovery();
}

void MqttBridge::on_lock(bool released) {
  now_.lock_released = released;
  publish_state("lock", lock_state());
}

void MqttBridge::on_event(const station::DoorEvent& e, std::optional<int> button) {
  if (!settings_.enabled) return;
  const std::string device = hooks_.device_number();
  enqueue(e.at_ms, topics_.event(station::kind_name(e.kind)),
          station::event_json(e, device, button), false);
  switch (e.kind) {
    case Kind::CallStarted: {
      now_.in_call = true;
      last_room_ = e.number;
      publish_state("call", "ON");
      publish_state("last_room", last_room_);
      json ring = {{"event_type", ring_type(device_, e.number)},
                   {"room", e.number},
                   {"button", button ? json(*button) : json(nullptr)},
                   {"time", access::utc_time(e.at_ms)}};
      enqueue(e.at_ms, topics_.ring(), ring, true);
      // The visitor's picture, for HA's image entity.
      if (hooks_.snapshot) {
        hooks_.snapshot([this](Result<std::vector<std::uint8_t>> jpeg) {
          if (!jpeg || !client_ || !client_->connected()) return;
          const std::string_view bytes(reinterpret_cast<const char*>(jpeg->data()), jpeg->size());
          (void)client_->publish(topics_.snapshot(), bytes, settings_.qos, true);
        });
      }
      break;
    }
    case Kind::CallEnded:
      now_.in_call = false;
      publish_state("call", "OFF");
      break;
    case Kind::DoorOpened:
    case Kind::DoorClosed:
      now_.door_open = e.kind == Kind::DoorOpened;
      publish_state("door", on_off(now_.door_open));
      publish_state("lock", lock_state());
      break;
    case Kind::AlarmStarted:
    case Kind::AlarmEnded:
      if (e.alarm_type == "tamper") {
        now_.tamper = e.kind == Kind::AlarmStarted;
        publish_state("tamper", on_off(now_.tamper));
      }
      break;
    default:
      break;
  }
}

void MqttBridge::enqueue(std::int64_t at_ms, const std::string& topic, const json& payload,
                         bool ring) {
  std::vector<std::int64_t> dropped;
  json body = payload;
  // The outbox id goes in the message: a consumer tells a copy sent again from the first.
  body["id"] = outbox_.next_id();
  const OutMessage& added = outbox_.add(at_ms, topic, body.dump(), ring, dropped);
  if (!dropped.empty())
    log_->warn("MQTT outbox full ({} messages): the oldest {} dropped", kOutboxCap, dropped.size());
  writer_.post(kTable, [row = added](SQLite::Database& db) {
    SQLite::Statement q(db,
                        "INSERT INTO mqtt_outbox (id, at_ms, topic, payload, ring) "
                        "VALUES (?, ?, ?, ?, ?)");
    q.bind(1, row.id);
    q.bind(2, row.at_ms);
    q.bind(3, row.topic);
    q.bind(4, row.payload);
    q.bind(5, row.ring ? 1 : 0);
    q.exec();
  });
  pump();
}

// Hands every waiting message to the connection, oldest first.
void MqttBridge::pump() {
  if (!client_ || !client_->connected()) return;
  while (OutMessage* m = outbox_.next_unsent()) {
    if (m->ring && hooks_.now_ms() - m->at_ms > kRingMaxAgeMs) {
      ++stale_rings_;
      log_->info("MQTT: a ring of {} s ago not sent to home automation",
                 (hooks_.now_ms() - m->at_ms) / 1000);
      const std::int64_t id = m->id;
      outbox_.remove(id);
      forget(id);
      continue;
    }
    auto mid = client_->publish(m->topic, m->payload, settings_.qos, false);
    if (!mid) {
      last_error_ = mid.error().message;
      return;  // sent again at the next connection
    }
    outbox_.handed(m->id, *mid);
  }
}

void MqttBridge::published(int mid) {
  const auto id = outbox_.remove_mid(mid);
  if (!id) return;  // a state or a config, or a copy
  ++sent_;
  forget(*id);
}

void MqttBridge::forget(std::int64_t id) {
  writer_.post(kTable, [id](SQLite::Database& db) {
    SQLite::Statement q(db, "DELETE FROM mqtt_outbox WHERE id = ?");
    q.bind(1, id);
    q.exec();
  });
}

void MqttBridge::message(const std::string& topic, const std::string& payload, bool retained) {
  if (topic == "homeassistant/status") {
    if (payload == "online" && settings_.discovery && client_ && client_->connected()) {
      log_->info("MQTT: Home Assistant is online: discovery and states sent again");
      publish_discovery();
      (void)client_->publish(topics_.availability(), "online", 1, true);
      publish_states();
    }
    return;
  }
  const std::string prefix = topics_.base + "/command/";
  if (!topic.starts_with(prefix)) return;
  const std::string name = topic.substr(prefix.size());
  if (retained) {
    refuse(name, "a retained command is never obeyed");
    return;
  }
  if (payload.size() > kMaxCommand) {
    refuse(name, "payload too long");
    return;
  }
  command(name, payload);
}

void MqttBridge::refuse(const std::string& what, const std::string& why) {
  const std::int64_t now = hooks_.now_ms();
  if (now - refusal_window_ms_ > 60'000) {
    refusal_window_ms_ = now;
    refusals_in_window_ = 0;
  }
  if (++refusals_in_window_ <= kMaxRefusalsPerMinute) {
    log_->warn("MQTT command {} refused: {}", what, why);
    hooks_.audit("mqtt_refused", core::printable(what, 32) + ": " + why + " (broker " +
                                     settings_.host + ", client " + who() + ")");
  }
}

void MqttBridge::command(const std::string& name, const std::string& payload) {
  const bool opens = (name == "lock" && (payload == "UNLOCK" || payload == "OPEN")) ||
                     (name == "unlock" && payload == "PRESS");
  if (opens) {
    if (!settings_.unlock) {
      refuse(name, "opening the door over MQTT is off (Network › MQTT)");
      return;
    }
    if (!unlock_allowed(settings_)) {
      refuse(name, "the broker is neither on this host nor reached over TLS");
      return;
    }
    const std::string via = "MQTT " + who();
    const std::string failed = hooks_.unlock(via);
    hooks_.audit(failed.empty() ? "door_opened" : "mqtt_refused",
                 (failed.empty() ? "opened" : "not opened: " + failed) + " by " + name + " " +
                     payload + " (broker " + settings_.host + ", client " + who() + ")");
    return;
  }
  if (name == "lock" && payload == "LOCK") {
    hooks_.lock();
    hooks_.audit("door_closed", "locked again over MQTT (client " + who() + ")");
    return;
  }
  if (name == "hangup" && payload == "PRESS") {
    if (hooks_.hang_up()) hooks_.audit("call_hung_up", "over MQTT (client " + who() + ")");
    return;
  }
  refuse(name, "unknown command");
}

json MqttBridge::status() const {
  json j = {
      {"enabled", settings_.enabled},
      {"connected", client_ && client_->connected()},
      {"broker", settings_.enabled ? settings_.host + ":" + std::to_string(settings_.port) : ""},
      {"client_id", settings_.enabled ? who() : ""},
      {"topic", topics_.base},
      {"queued", outbox_.size()},
      {"dropped", outbox_.dropped_total()},
      {"sent", sent_},
      {"stale_rings", stale_rings_},
      {"error", last_error_}};
  if (connected_since_ms_ != 0) j["connected_since"] = access::utc_time(connected_since_ms_);
  return j;
}

}  // namespace vto::mqtt
