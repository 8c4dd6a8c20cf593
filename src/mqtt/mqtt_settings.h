// Network › MQTT: where vtod publishes the door's events and states and takes commands
// (docs/mqtt.md). Saved as "network.mqtt"; set at first start by `vtod --mqtt URL`.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vto::mqtt {

struct MqttSettings {
  bool enabled = false;
  std::string host;
  std::uint16_t port = 1883;  // 8883 with TLS
  bool tls = false;
  // With TLS, the PEM certificate(s) the broker's certificate must chain to; empty: the
  // system's trusted CAs. The broker's name is always checked against its certificate.
  std::string ca_pem;
  std::string username, password;
  std::string client_id;                 // empty: "openvto-<device id>"
  std::string topic_prefix = "openvto";  // topics are <prefix>/<device id>/...
  int qos = 1;                           // of the events and commands (0, 1 or 2)
  bool discovery = true;                 // Home Assistant discovery
  std::string discovery_prefix = "homeassistant";
  // Commands that open the door (lock UNLOCK/OPEN, the unlock button). Refused unless the
  // broker is on this host or reached over TLS (see unlock_allowed()).
  bool unlock = false;

  bool operator==(const MqttSettings&) const = default;
};

inline constexpr std::string_view kMqttKey = "network.mqtt";
inline constexpr std::size_t kMaxCaPem = 64 * 1024;

// mqtt://USER:PASSWORD@HOST:PORT or mqtts://... (user and password percent-decoded; the
// port defaults to 1883 or 8883). The settings returned are enabled.
Result<MqttSettings> parse_mqtt_url(std::string_view url);

// Every rule of the page; Errc::Invalid with "field: rule".
Result<void> check(const MqttSettings& s);

// Whether the door may be opened from the broker at all: the broker is on this host
// (a loopback address or "localhost") or the connection is TLS (always verified).
bool unlock_allowed(const MqttSettings& s);
bool is_local_host(std::string_view host);

// What the API shows: everything but the password (`password_set` says whether one is).
nlohmann::json to_public_json(const MqttSettings& s);
// What is saved.
nlohmann::json to_saved_json(const MqttSettings& s);
Result<MqttSettings> from_saved_json(const nlohmann::json& j);
// A PUT body over `current`: the fields given replace theirs (a password of "" keeps the
// saved one unless `clear_password` is true). An unknown field or a wrong type:
// Errc::Invalid with "field: ...".
Result<MqttSettings> from_put_json(const nlohmann::json& j, const MqttSettings& current);

// A topic level or prefix as the settings accept it: 1 to 64 characters of [A-Za-z0-9_-]
// and, for a prefix, '/' between levels.
bool valid_topic_prefix(std::string_view prefix);

}  // namespace vto::mqtt
