// Network › MQTT's and Network › Webhooks' input (mqtt/mqtt_settings.h,
// webhooks/webhook_settings.h): vtod --mqtt URLs, webhook URLs and both pages' JSON.
// Whatever is read, what is accepted keeps every rule, and saved settings read back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "mqtt/mqtt_settings.h"
#include "webhooks/webhook_settings.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto round_trip = [](const vto::mqtt::MqttSettings& s) {
    if (!vto::mqtt::check(s)) std::abort();
    auto back = vto::mqtt::from_saved_json(vto::mqtt::to_saved_json(s));
    if (!back || !(*back == s)) std::abort();
  };
  if (auto s = vto::mqtt::parse_mqtt_url(input)) round_trip(*s);
  const auto j = nlohmann::json::parse(input, nullptr, false);
  if (!j.is_discarded()) {
    if (auto s = vto::mqtt::from_put_json(j, vto::mqtt::MqttSettings{})) round_trip(*s);
    if (auto w = vto::webhooks::from_json(j, {})) {
      if (!vto::webhooks::check(*w)) std::abort();
      auto back = vto::webhooks::from_json(vto::webhooks::to_json(*w), {});
      if (!back || !(*back == *w)) std::abort();
    }
  }
  if (auto u = vto::webhooks::parse_url(input)) {
    if (u->host.empty() || u->port == 0 || u->target.empty() || u->target.front() != '/')
      std::abort();
  }
  return 0;
}
