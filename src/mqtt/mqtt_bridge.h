// MqttBridge: the door station on an MQTT broker (docs/mqtt.md). It publishes
// - every door event as JSON on <base>/event/<kind>, through the outbox: queued while the
//   broker is away (at most kOutboxCap, saved in the mqtt_outbox table so that a restart
//   loses none) and sent in order with their own time when it is back;
// - each ring on <base>/ring for Home Assistant's doorbell event and device trigger (a ring
//   older than kRingMaxAge is not sent: it would ring a phone for a visitor long gone);
// - the door's states, retained: the lock, the door contact, tamper, a call in progress,
//   the last room called, the visitor's picture at each ring;
// - Home Assistant's discovery configs (again whenever HA says it is online), and the
//   availability online/offline (offline is the connection's will).
// It takes commands on <base>/command/...: lock (LOCK, UNLOCK, OPEN), unlock (PRESS) and
// hangup (PRESS). Commands that open the door need Network › MQTT's unlock switch, which
// needs a broker on this host or TLS; each one, refused or not, is audited. Retained
// commands are never obeyed (they would open the door at every reconnection).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/timers.h"
#include "mqtt/ha_discovery.h"
#include "mqtt/mqtt_client.h"
#include "mqtt/mqtt_settings.h"
#include "mqtt/outbox.h"
#include "station/door_events.h"

namespace spdlog {
class logger;
}
namespace vto::records {
class RecordWriter;
}
namespace vto::store {
class Database;
}

namespace vto::mqtt {

// What the door is like now (the states published at each connection).
struct DoorNow {
  bool door_open = false;
  bool tamper = false;
  bool lock_released = false;
  bool in_call = false;
};

class MqttBridge {
 public:
  static constexpr std::size_t kOutboxCap = 1000;
  static constexpr std::int64_t kRingMaxAgeMs = 30'000;
  static constexpr std::size_t kMaxCommand = 32;            // bytes of a command's payload
  static constexpr std::size_t kMaxRefusalsPerMinute = 20;  // audited; then only counted

  struct Hooks {
    MqttClient::Post post;  // onto the core thread
    std::function<std::int64_t()> now_ms;
    std::function<std::string()> device_number;  // this VTO's number
    std::function<DoorNow()> door_now;
    // Opens the door; "" when it opened, else why not.
    std::function<std::string(const std::string& who)> unlock;
    std::function<void()> lock;     // closes the lock at once
    std::function<bool()> hang_up;  // false: no call
    std::function<void(const std::string& action, const std::string& detail)> audit;
    // The camera's picture now (JPEG), on the core thread.
    std::function<void(std::function<void(Result<std::vector<std::uint8_t>>)>)> snapshot;
  };

  MqttBridge(records::RecordWriter& writer, store::Database& records_db, core::Timers& timers,
             std::string ca_file, Hooks hooks);
  ~MqttBridge();
  MqttBridge(const MqttBridge&) = delete;
  MqttBridge& operator=(const MqttBridge&) = delete;

  // Reads what an earlier run left in the outbox.
  Result<void> load();
  // The settings in force (and the device's facts): the connection is made again when they
  // change; off stops it.
  Result<void> apply(const MqttSettings& settings, const DeviceFacts& device);
  // "offline", then a clean disconnection (vtod stops).
  void stop();

  // What happened at the door; `button` is the call button pressed (1-based) for a ring.
  void on_event(const station::DoorEvent& e, std::optional<int> button);
  void on_lock(bool released);
  // The call buttons' rooms changed (the façade): the doorbell's event types follow.
  void set_ring_rooms(std::vector<std::string> rooms);

  // For the page: connected, the broker, the last error, what waits in the outbox.
  nlohmann::json status() const;
  const Topics& topics() const { return topics_; }

 private:
  void connected();
  void disconnected(const std::string& why);
  void message(const std::string& topic, const std::string& payload, bool retained);
  void published(int mid);
  void forget(std::int64_t id);  // the saved row of a message that left the outbox
  void enqueue(std::int64_t at_ms, const std::string& topic, const nlohmann::json& payload,
               bool ring);
  void pump();
  void publish_states();
  void publish_discovery();
  void publish_state(const std::string& name, const std::string& value);
  void command(const std::string& name, const std::string& payload);
  void refuse(const std::string& what, const std::string& why);
  std::string lock_state() const;
  std::string who() const;

  records::RecordWriter& writer_;
  store::Database& records_db_;
  core::Timers& timers_;
  std::string ca_file_;
  Hooks hooks_;
  std::shared_ptr<spdlog::logger> log_;

  MqttSettings settings_;
  DeviceFacts device_;
  Topics topics_;
  std::unique_ptr<MqttClient> client_;
  Outbox outbox_{kOutboxCap};
  DoorNow now_;
  std::string last_room_;
  std::string last_error_;
  std::int64_t connected_since_ms_ = 0;
  std::uint64_t sent_ = 0, stale_rings_ = 0;
  std::int64_t refusal_window_ms_ = 0;
  std::size_t refusals_in_window_ = 0;
};

}  // namespace vto::mqtt
