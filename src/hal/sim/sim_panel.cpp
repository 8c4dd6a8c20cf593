#include "hal/sim/sim_panel.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string>

#include "core/log.h"

namespace vto::hal::sim {
namespace {

std::string quoted(std::string_view key) {
  return "\"" + std::string(key) + "\"";
}

const SimPanelConfig& checked(const SimPanelConfig& config) {
  if (auto r = check_config(config); !r) throw std::invalid_argument(r.error().message);
  return config;
}

std::vector<ModuleStatus> layout(const SimPanelConfig& config) {
  std::vector<ModuleStatus> modules{{0, ModuleKind::Camera, Presence::Found}};
  for (const SimModuleSpec& spec : config.modules) {
    modules.push_back({modules.size(), spec.kind, spec.presence});
  }
  return modules;
}

std::size_t button_count(const SimPanelConfig& config) {
  std::size_t count = 0;
  for (const SimModuleSpec& spec : config.modules) count += spec.buttons;
  return count;
}

// The layout position of the first module of `kind`, if any.
std::optional<std::size_t> position_of(const SimPanelConfig& config, ModuleKind kind) {
  for (std::size_t i = 0; i < config.modules.size(); ++i) {
    if (config.modules[i].kind == kind) return i + 1;
  }
  return std::nullopt;
}

}  // namespace

Result<void> check_config(const SimPanelConfig& config) {
  for (const SimModuleSpec& spec : config.modules) {
    const std::string kind(module_kind_name(spec.kind));
    if (spec.kind == ModuleKind::Camera) {
      return make_error("module layout: the camera module is always first, not listed",
                        Errc::Invalid);
    }
    const bool buttons_ok = spec.kind == ModuleKind::Buttons
                                ? (spec.buttons == 1 || spec.buttons == 2 || spec.buttons == 5)
                                : spec.buttons == 0;
    if (!buttons_ok) {
      return make_error("module layout: " + kind + " module with " + std::to_string(spec.buttons) +
                            " buttons (button modules: 1, 2 or 5)",
                        Errc::Invalid);
    }
  }
  for (ModuleKind single : {ModuleKind::Keypad, ModuleKind::CardReader, ModuleKind::Fingerprint,
                            ModuleKind::Display, ModuleKind::Indicators}) {
    const auto n = std::count_if(config.modules.begin(), config.modules.end(),
                                 [single](const SimModuleSpec& s) { return s.kind == single; });
    if (n > 1) {
      return make_error(
          "module layout: at most one " + std::string(module_kind_name(single)) + " module",
          Errc::Invalid);
    }
  }
  return {};
}

Result<SimPanelPtr> SimPanel::create(core::Timers& timers, const SimPanelConfig& config) {
  if (auto r = check_config(config); !r) return r.error();
  return std::make_unique<SimPanel>(timers, config);
}

SimPanel::SimPanel(core::Timers& timers, const SimPanelConfig& config)
    : bus_(layout(checked(config))),
      buttons_(button_count(config)),
      keypad_position_(position_of(config, ModuleKind::Keypad)),
      lock_(timers, lock_output_) {
  for (std::size_t i = 0; i < config.modules.size(); ++i) {
    button_module_.insert(button_module_.end(), config.modules[i].buttons, i + 1);
  }
  if (keypad_position_) keypad_.emplace();
  if (position_of(config, ModuleKind::Indicators)) indicators_.emplace();
  if (position_of(config, ModuleKind::Display)) display_.emplace(config.display);
  if (position_of(config, ModuleKind::CardReader)) card_reader_.emplace();
  if (position_of(config, ModuleKind::Fingerprint)) fingerprint_.emplace();
  core::logger("hal")->debug("sim panel: {} modules, {} call buttons, keypad {}",
                             config.modules.size() + 1, button_module_.size(),
                             keypad_ ? "yes" : "no");
}

Result<void> SimPanel::press(std::string_view key) {
  if (key.starts_with("button")) return press_button(key, key.substr(6));
  if (key == "exit") {
    exit_.press();
    return {};
  }
  const std::optional<Key> k = keypad_key_from_name(key);
  if (!k) {
    return make_error("unknown key " + quoted(key) +
                          ": expected button1-buttonN, 0-9, *, #, call, centre, prev, next or exit",
                      Errc::Invalid);
  }
  if (!keypad_) {
    return make_error("key " + quoted(key) + ": no keypad module configured", Errc::NotFound);
  }
  if (auto r = check_present(key, keypad_position_); !r) return r;
  keypad_->press(*k);
  return {};
}

Result<void> SimPanel::press_button(std::string_view key, std::string_view number) {
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
  if (number.empty() || ec != std::errc{} || end != number.data() + number.size()) {
    return make_error("unknown key " + quoted(key) + ": expected button1-buttonN", Errc::Invalid);
  }
  const std::size_t count = button_module_.size();
  if (count == 0) {
    return make_error("key " + quoted(key) + ": no button module configured", Errc::NotFound);
  }
  if (n < 1 || n > count) {
    return make_error(
        "key " + quoted(key) + ": button number out of range 1-" + std::to_string(count),
        Errc::Invalid);
  }
  if (auto r = check_present(key, button_module_[n - 1]); !r) return r;
  buttons_.press(n - 1);
  return {};
}

Result<void> SimPanel::check_present(std::string_view key,
                                     std::optional<std::size_t> position) const {
  if (position && bus_.presence(*position) == Presence::Missing) {
    const ModuleKind kind = bus_.modules()[*position].kind;
    return make_error("key " + quoted(key) + ": " + std::string(module_kind_name(kind)) +
                          " module at position " + std::to_string(*position) + " is missing",
                      Errc::Unavailable);
  }
  return {};
}

Result<void> SimPanel::check_module(ModuleKind kind, bool configured, std::string_view what) const {
  const std::string name(module_kind_name(kind));
  if (!configured) {
    return make_error(std::string(what) + ": no " + name + " module configured", Errc::NotFound);
  }
  for (const ModuleStatus& m : bus_.modules()) {
    if (m.kind == kind && m.presence == Presence::Missing) {
      return make_error(std::string(what) + ": " + name + " module at position " +
                            std::to_string(m.position) + " is missing",
                        Errc::Unavailable);
    }
  }
  return {};
}

Result<void> SimPanel::present_card(std::string_view number) {
  if (auto ok = check_module(ModuleKind::CardReader, card_reader_.has_value(), "card"); !ok) {
    return ok;
  }
  return card_reader_->present(number);
}

Result<void> SimPanel::touch_finger(std::string_view name) {
  if (auto ok = check_module(ModuleKind::Fingerprint, fingerprint_.has_value(), "finger"); !ok) {
    return ok;
  }
  return fingerprint_->touch(name);
}

Result<std::string> SimPanel::touch_new_finger() {
  if (auto ok = check_module(ModuleKind::Fingerprint, fingerprint_.has_value(), "finger"); !ok) {
    return ok.error();
  }
  return fingerprint_->touch_new();
}

void SimPanel::set_door_open(bool open) {
  door_.set_state(open ? DoorState::Open : DoorState::Closed);
}

void SimPanel::set_tamper_detached(bool detached) {
  tamper_.set_state(detached ? TamperState::Detached : TamperState::Attached);
}

Result<void> SimPanel::set_module_present(std::size_t position, bool present) {
  return bus_.set_presence(position, present ? Presence::Found : Presence::Missing);
}

SimPanelState SimPanel::state() const {
  SimPanelState s;
  s.lock_open = lock_.is_open();
  s.relay_on = lock_output_.on();
  if (indicators_) {
    s.call_lit = indicators_->get(Indicator::Call);
    s.talk_lit = indicators_->get(Indicator::Talk);
    s.unlock_lit = indicators_->get(Indicator::Unlock);
  }
  if (display_) s.display_lines = display_->lines();
  if (fingerprint_) {
    s.enrolled_fingers = fingerprint_->enrolled_names();
    s.enrolling = fingerprint_->enrolling();
  }
  s.door = door_.state();
  s.tamper = tamper_.state();
  s.modules = bus_.modules();
  return s;
}

}  // namespace vto::hal::sim
