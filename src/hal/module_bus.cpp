#include "hal/module_bus.h"

#include <array>
#include <utility>

namespace vto::hal {
namespace {

constexpr std::array<std::pair<ModuleKind, std::string_view>, 9> kKindNames = {{
    {ModuleKind::Camera, "camera"},
    {ModuleKind::Indicators, "indicators"},
    {ModuleKind::Audio, "audio"},
    {ModuleKind::Buttons, "buttons"},
    {ModuleKind::Keypad, "keypad"},
    {ModuleKind::CardReader, "card_reader"},
    {ModuleKind::Fingerprint, "fingerprint"},
    {ModuleKind::Display, "display"},
    {ModuleKind::Blank, "blank"},
}};

}  // namespace

std::string_view module_kind_name(ModuleKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<ModuleKind> module_kind_from_name(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::string_view presence_name(Presence presence) {
  return presence == Presence::Found ? "found" : "missing";
}

}  // namespace vto::hal
