#include "mqtt/ha_discovery.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

namespace vto::mqtt {
namespace {

using nlohmann::json;

// Home Assistant's accepted keys (tests/data/ha-mqtt), the same file the system test reads.
json ha_rules() {
  const char* dir = std::getenv("VTO_TEST_DATA");
  EXPECT_NE(dir, nullptr);
  std::ifstream in(std::string(dir ? dir : ".") + "/ha-mqtt/discovery-keys-2025.1.4.json");
  return json::parse(in);
}

std::set<std::string> keys_of(const json& list) {
  return std::set<std::string>(list.begin(), list.end());
}

DeviceFacts facts() {
  DeviceFacts d;
  d.id = "ov0a1b2c3d4e";
  d.name = "OpenVTO 8001";
  d.sw_version = "0.9.0";
  d.serial = "OV0A1B2C3D4E";
  d.configuration_url = "https://192.168.1.108/";
  d.ring_rooms = {"101", "102"};
  return d;
}

TEST(HaDiscovery, EveryConfigUsesOnlyKeysHomeAssistantAccepts) {
  const json rules = ha_rules();
  const Topics topics{"openvto/ov0a1b2c3d4e"};
  const std::regex topic_re(
      R"(^homeassistant/([a-z_]+)/([a-zA-Z0-9_-]+)/([a-zA-Z0-9_-]+)/config$)");
  std::set<std::string> components;
  for (const auto& p : discovery_configs(facts(), topics, "homeassistant", true)) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(p.topic, m, topic_re)) << p.topic;
    const std::string component = m[1];
    components.insert(component);
    ASSERT_TRUE(rules["components"].contains(component)) << component;
    const json& rule = rules["components"][component];
    EXPECT_TRUE(p.retain);
    const json config = json::parse(p.payload);
    const auto allowed = keys_of(rule["keys"]);
    for (const auto& [key, value] : config.items())
      EXPECT_TRUE(allowed.contains(key)) << p.topic << ": " << key;
    for (const auto& key : rule.value("required", json::array())) {
      EXPECT_TRUE(config.contains(key)) << p.topic << ": " << key;
    }
    const auto device_keys = keys_of(rules["device_keys"]);
    for (const auto& [key, value] : config["device"].items())
      EXPECT_TRUE(device_keys.contains(key)) << key;
    EXPECT_FALSE(config["device"]["identifiers"].empty());
    const auto origin_keys = keys_of(rules["origin_keys"]);
    for (const auto& [key, value] : config["origin"].items())
      EXPECT_TRUE(origin_keys.contains(key)) << key;
    if (config.contains("device_class") && rule.contains("device_class")) {
      EXPECT_TRUE(
          keys_of(rule["device_class"]).contains(config["device_class"].get<std::string>()));
    }
  }
  EXPECT_EQ(components, (std::set<std::string>{"event", "lock", "button", "binary_sensor", "image",
                                               "sensor", "device_automation"}));
}

TEST(HaDiscovery, TheDoorbellIsAnEventAndTheLockCanOpen) {
  const Topics topics{"openvto/x"};
  json event, lock;
  for (const auto& p : discovery_configs(facts(), topics, "homeassistant", true)) {
    if (p.topic.find("/event/") != std::string::npos) event = json::parse(p.payload);
    if (p.topic.find("/lock/") != std::string::npos) lock = json::parse(p.payload);
  }
  EXPECT_EQ(event["device_class"], "doorbell");
  EXPECT_EQ(event["state_topic"], "openvto/x/ring");
  // One type per call button's room, and "ring" for a room dialled on the keypad.
  EXPECT_EQ(event["event_types"], json::array({"ring", "ring_101", "ring_102"}));
  EXPECT_EQ(ring_type(facts(), "102"), "ring_102");
  EXPECT_EQ(ring_type(facts(), "305"), "ring");
  // HA offers "Open" only with payload_open.
  EXPECT_EQ(lock["payload_open"], "OPEN");
  EXPECT_EQ(lock["command_topic"], "openvto/x/command/lock");
  EXPECT_EQ(lock["availability_topic"], "openvto/x/availability");
}

TEST(HaDiscovery, WithoutUnlockTheLockAndTheUnlockButtonAreRemoved) {
  int removed = 0;
  for (const auto& p : discovery_configs(facts(), Topics{"openvto/x"}, "ha", false)) {
    EXPECT_TRUE(p.topic.starts_with("ha/"));
    if (p.payload.empty()) {
      ++removed;
      EXPECT_TRUE(p.topic == "ha/lock/openvto_ov0a1b2c3d4e/lock/config" ||
                  p.topic == "ha/button/openvto_ov0a1b2c3d4e/unlock/config")
          << p.topic;
    }
  }
  EXPECT_EQ(removed, 2);
}

}  // namespace
}  // namespace vto::mqtt
