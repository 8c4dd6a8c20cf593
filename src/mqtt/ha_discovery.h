// The door station as Home Assistant's MQTT integration discovers it: one device with its
// entities, each a retained config message under the discovery prefix, and the topics
// vtod publishes states and events on and takes commands from. docs/mqtt.md lists them.
#pragma once

#include <string>
#include <vector>

namespace vto::mqtt {

// The topics of one door station: <prefix>/<device id>/...
struct Topics {
  std::string base;  // e.g. "openvto/ov3f9a2c41d7"

  std::string availability() const { return base + "/availability"; }  // online / offline
  std::string event(std::string_view kind) const { return base + "/event/" + std::string(kind); }
  std::string ring() const { return base + "/ring"; }  // HA's doorbell event and trigger
  std::string state(std::string_view name) const { return base + "/state/" + std::string(name); }
  std::string snapshot() const { return base + "/snapshot"; }  // JPEG, retained
  std::string command(std::string_view name) const {
    return base + "/command/" + std::string(name);
  }
};

struct DeviceFacts {
  std::string id;    // [a-z0-9]: the serial number in lower case
  std::string name;  // "OpenVTO 8001"
  std::string model = "Door station";
  std::string sw_version;
  std::string serial;
  std::string configuration_url;  // the web interface; empty: not known
  // The rooms of the call buttons: each has its doorbell event type, "ring_<room>"; a room
  // dialled on the keypad rings as "ring".
  std::vector<std::string> ring_rooms = {};
};

// The doorbell event type of a call to `room`.
std::string ring_type(const DeviceFacts& device, const std::string& room);

struct Publication {
  std::string topic;
  std::string payload;  // empty: removes the entity (a component no longer offered)
  bool retain = true;
};

inline constexpr std::string_view kHaVersion = "2025.1.4";  // whose schemas these follow

// Every config message, for every component: the lock and the unlock button only when
// `with_unlock` (otherwise their configs are empty, which removes them from HA).
std::vector<Publication> discovery_configs(const DeviceFacts& device, const Topics& topics,
                                           const std::string& discovery_prefix, bool with_unlock);

}  // namespace vto::mqtt
