#include "mqtt/ha_discovery.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace vto::mqtt {

using nlohmann::json;

std::string ring_type(const DeviceFacts& device, const std::string& room) {
  return std::ranges::find(device.ring_rooms, room) != device.ring_rooms.end() ? "ring_" + room
                                                                               : "ring";
}

std::vector<Publication> discovery_configs(const DeviceFacts& d, const Topics& t,
                                           const std::string& prefix, bool with_unlock) {
  const std::string node = "openvto_" + d.id;
  json device = {{"identifiers", json::array({node})}, {"name", d.name},
                 {"manufacturer", "OpenVTO"},          {"model", d.model},
                 {"sw_version", d.sw_version},         {"serial_number", d.serial}};
  if (!d.configuration_url.empty()) device["configuration_url"] = d.configuration_url;
  const json origin = {{"name", "OpenVTO"}, {"sw_version", d.sw_version}};

  std::vector<Publication> out;
  // An entity of `component` named `object`, with what every entity has.
  const auto entity = [&](const std::string& component, const std::string& object, json config) {
    config["unique_id"] = node + "_" + object;
    config["object_id"] = node + "_" + object;
    config["device"] = device;
    config["origin"] = origin;
    config["availability_topic"] = t.availability();
    out.push_back(
        {prefix + "/" + component + "/" + node + "/" + object + "/config", config.dump()});
  };
  const auto removed = [&](const std::string& component, const std::string& object) {
    out.push_back({prefix + "/" + component + "/" + node + "/" + object + "/config", ""});
  };

  json event_types = json::array({"ring"});
  for (const auto& room : d.ring_rooms) event_types.push_back("ring_" + room);
  entity("event", "doorbell",
         {{"name", "Doorbell"},
          {"device_class", "doorbell"},
          {"event_types", event_types},
          {"state_topic", t.ring()},
          {"icon", "mdi:doorbell"}});
  if (with_unlock) {
    entity("lock", "lock",
           {{"name", "Lock"},
            {"command_topic", t.command("lock")},
            {"state_topic", t.state("lock")},
            {"payload_lock", "LOCK"},
            {"payload_unlock", "UNLOCK"},
            {"payload_open", "OPEN"},
            {"state_locked", "LOCKED"},
            {"state_unlocked", "UNLOCKED"},
            {"state_open", "OPEN"}});
    entity("button", "unlock",
           {{"name", "Unlock"},
            {"command_topic", t.command("unlock")},
            {"payload_press", "PRESS"},
            {"icon", "mdi:door-open"}});
  } else {
    removed("lock", "lock");
    removed("button", "unlock");
  }
  entity("button", "hang_up",
         {{"name", "Hang up"},
          {"command_topic", t.command("hangup")},
          {"payload_press", "PRESS"},
          {"icon", "mdi:phone-hangup"}});
  entity("binary_sensor", "door",
         {{"name", "Door"}, {"device_class", "door"}, {"state_topic", t.state("door")}});
  entity("binary_sensor", "tamper",
         {{"name", "Tamper"}, {"device_class", "tamper"}, {"state_topic", t.state("tamper")}});
  entity(
      "binary_sensor", "call",
      {{"name", "Call in progress"}, {"state_topic", t.state("call")}, {"icon", "mdi:phone-ring"}});
  entity("image", "visitor",
         {{"name", "Visitor"}, {"image_topic", t.snapshot()}, {"content_type", "image/jpeg"}});
  entity("sensor", "last_room",
         {{"name", "Last room called"},
          {"state_topic", t.state("last_room")},
          {"icon", "mdi:door-closed"}});

  // The device trigger has no availability, name or unique id.
  const json trigger = {{"automation_type", "trigger"},
                        {"type", "doorbell_pressed"},
                        {"subtype", "doorbell"},
                        {"topic", t.ring()},
                        {"device", device},
                        {"origin", origin}};
  out.push_back(
      {prefix + "/device_automation/" + node + "/doorbell_pressed/config", trigger.dump()});
  return out;
}

}  // namespace vto::mqtt
