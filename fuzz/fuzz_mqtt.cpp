// Network › MQTT's input (mqtt/mqtt_settings.h): vtod --mqtt URLs and the page's JSON.
// Whatever is read, what is accepted keeps every rule, and saved settings read back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "mqtt/mqtt_settings.h"

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
  }
  return 0;
}
