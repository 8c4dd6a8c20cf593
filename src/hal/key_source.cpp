#include "hal/key_source.h"

#include <array>

namespace vto::hal {
namespace {

constexpr std::array<std::pair<Key, std::string_view>, 17> kNames = {{
    {Key::Digit0, "0"},
    {Key::Digit1, "1"},
    {Key::Digit2, "2"},
    {Key::Digit3, "3"},
    {Key::Digit4, "4"},
    {Key::Digit5, "5"},
    {Key::Digit6, "6"},
    {Key::Digit7, "7"},
    {Key::Digit8, "8"},
    {Key::Digit9, "9"},
    {Key::Star, "*"},
    {Key::Hash, "#"},
    {Key::Call, "call"},
    {Key::Centre, "centre"},
    {Key::Prev, "prev"},
    {Key::Next, "next"},
    {Key::CallButton, "button"},
}};

}  // namespace

std::string_view key_name(Key key) {
  for (const auto& [k, name] : kNames) {
    if (k == key) return name;
  }
  return "?";
}

std::optional<Key> keypad_key_from_name(std::string_view name) {
  for (const auto& [k, n] : kNames) {
    if (n == name && k != Key::CallButton) return k;
  }
  return std::nullopt;
}

}  // namespace vto::hal
