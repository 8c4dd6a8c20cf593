#include "hal/linux/board_file.h"

#include <linux/input-event-codes.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <nlohmann/json.hpp>
#include <span>
#include <utility>

namespace vto::hal::linux_board {
namespace {

using nlohmann::json;

struct Name {
  std::string_view name;
  std::uint16_t code;
};

// The keys a door station's inputs send: gpio-keys codes for buttons and contacts, the
// digits of matrix and USB keypads, and what HID card readers type.
constexpr std::array kKeys{
    Name{"KEY_0", KEY_0},
    Name{"KEY_1", KEY_1},
    Name{"KEY_2", KEY_2},
    Name{"KEY_3", KEY_3},
    Name{"KEY_4", KEY_4},
    Name{"KEY_5", KEY_5},
    Name{"KEY_6", KEY_6},
    Name{"KEY_7", KEY_7},
    Name{"KEY_8", KEY_8},
    Name{"KEY_9", KEY_9},
    Name{"KEY_KP0", KEY_KP0},
    Name{"KEY_KP1", KEY_KP1},
    Name{"KEY_KP2", KEY_KP2},
    Name{"KEY_KP3", KEY_KP3},
    Name{"KEY_KP4", KEY_KP4},
    Name{"KEY_KP5", KEY_KP5},
    Name{"KEY_KP6", KEY_KP6},
    Name{"KEY_KP7", KEY_KP7},
    Name{"KEY_KP8", KEY_KP8},
    Name{"KEY_KP9", KEY_KP9},
    Name{"KEY_KPASTERISK", KEY_KPASTERISK},
    Name{"KEY_KPENTER", KEY_KPENTER},
    Name{"KEY_ENTER", KEY_ENTER},
    Name{"KEY_NUMERIC_STAR", KEY_NUMERIC_STAR},
    Name{"KEY_NUMERIC_POUND", KEY_NUMERIC_POUND},
    Name{"KEY_NUMERIC_0", KEY_NUMERIC_0},
    Name{"KEY_NUMERIC_1", KEY_NUMERIC_1},
    Name{"KEY_NUMERIC_2", KEY_NUMERIC_2},
    Name{"KEY_NUMERIC_3", KEY_NUMERIC_3},
    Name{"KEY_NUMERIC_4", KEY_NUMERIC_4},
    Name{"KEY_NUMERIC_5", KEY_NUMERIC_5},
    Name{"KEY_NUMERIC_6", KEY_NUMERIC_6},
    Name{"KEY_NUMERIC_7", KEY_NUMERIC_7},
    Name{"KEY_NUMERIC_8", KEY_NUMERIC_8},
    Name{"KEY_NUMERIC_9", KEY_NUMERIC_9},
    Name{"KEY_OPEN", KEY_OPEN},
    Name{"KEY_ESC", KEY_ESC},
    Name{"KEY_BACKSPACE", KEY_BACKSPACE},
    // the other keys of a USB numeric pad
    Name{"KEY_KPSLASH", KEY_KPSLASH},
    Name{"KEY_KPMINUS", KEY_KPMINUS},
    Name{"KEY_KPPLUS", KEY_KPPLUS},
    Name{"KEY_KPDOT", KEY_KPDOT},
    Name{"KEY_NUMLOCK", KEY_NUMLOCK},
    Name{"KEY_A", KEY_A},
    Name{"KEY_B", KEY_B},
    Name{"KEY_C", KEY_C},
    Name{"KEY_D", KEY_D},
    Name{"KEY_E", KEY_E},
    Name{"KEY_F", KEY_F},
    Name{"KEY_F1", KEY_F1},
    Name{"KEY_F2", KEY_F2},
    Name{"KEY_F3", KEY_F3},
    Name{"KEY_F4", KEY_F4},
    Name{"KEY_F5", KEY_F5},
    Name{"KEY_F6", KEY_F6},
    Name{"KEY_F7", KEY_F7},
    Name{"KEY_F8", KEY_F8},
    Name{"KEY_F9", KEY_F9},
    Name{"KEY_F10", KEY_F10},
    Name{"BTN_0", BTN_0},
    Name{"BTN_1", BTN_1},
    Name{"BTN_2", BTN_2},
    Name{"BTN_3", BTN_3},
    Name{"BTN_4", BTN_4},
    Name{"BTN_5", BTN_5},
    Name{"BTN_6", BTN_6},
    Name{"BTN_7", BTN_7},
    Name{"BTN_8", BTN_8},
    Name{"BTN_9", BTN_9},
    Name{"BTN_TRIGGER_HAPPY1", BTN_TRIGGER_HAPPY1},
    Name{"BTN_TRIGGER_HAPPY2", BTN_TRIGGER_HAPPY2},
    Name{"BTN_TRIGGER_HAPPY3", BTN_TRIGGER_HAPPY3},
    Name{"BTN_TRIGGER_HAPPY4", BTN_TRIGGER_HAPPY4},
    Name{"BTN_TRIGGER_HAPPY5", BTN_TRIGGER_HAPPY5},
};

constexpr std::array kSwitches{
    Name{"SW_LID", SW_LID},
    Name{"SW_TABLET_MODE", SW_TABLET_MODE},
    Name{"SW_HEADPHONE_INSERT", SW_HEADPHONE_INSERT},
    Name{"SW_RFKILL_ALL", SW_RFKILL_ALL},
    Name{"SW_DOCK", SW_DOCK},
    Name{"SW_FRONT_PROXIMITY", SW_FRONT_PROXIMITY},
    Name{"SW_ROTATE_LOCK", SW_ROTATE_LOCK},
    Name{"SW_MACHINE_COVER", SW_MACHINE_COVER},
};

// Where a rule is broken: the key's path ("lights.call.line") and the rule.
struct Fault {
  std::string at, rule;
};
using Check = std::optional<Fault>;

std::string join(const std::string& at, const std::string& key) {
  return at.empty() ? key : at + "." + key;
}

bool device_name_ok(const std::string& d) {
  if (d.empty() || d.size() > 255) return false;
  if (d.starts_with("/")) {
    return d.starts_with("/dev/input/") && d.find("..") == std::string::npos;
  }
  for (const unsigned char c : d) {
    if (c < 0x20 || c == 0x7f) return false;  // a name as the kernel shows it, no controls
  }
  return true;
}

Check read_line(const json& j, const std::string& at, const std::string& default_chip,
                GpioLine& out, bool may_be_led = false) {
  if (!j.is_object()) return Fault{at, "an object like {\"line\": 17}"};
  if (may_be_led && j.contains("led")) {
    for (const auto& [k, v] : j.items()) {
      if (k != "led") return Fault{join(at, k), "not a key beside \"led\""};
    }
    const json& led = j.at("led");
    if (!led.is_string() || led.get<std::string>().empty() || led.get<std::string>().size() > 64 ||
        led.get<std::string>().find('/') != std::string::npos ||
        led.get<std::string>().starts_with("."))
      return Fault{join(at, "led"), "an LED's name under /sys/class/leds"};
    out.led = led.get<std::string>();
    return std::nullopt;
  }
  for (const auto& [k, v] : j.items()) {
    if (k != "line" && k != "chip" && k != "active") return Fault{join(at, k), "not a key here"};
  }
  out.chip = default_chip;
  if (auto it = j.find("chip"); it != j.end()) {
    if (!it->is_string() || it->get<std::string>().empty() ||
        it->get<std::string>().find("..") != std::string::npos)
      return Fault{join(at, "chip"), "a GPIO chip like \"gpiochip0\""};
    out.chip = it->get<std::string>();
  }
  if (out.chip.empty()) return Fault{join(at, "chip"), "required (or \"gpio_chip\" for all)"};
  auto line = j.find("line");
  if (line == j.end()) return Fault{join(at, "line"), "required: a line name or offset"};
  if (line->is_number_unsigned() && line->get<std::uint64_t>() <= 511) {
    out.offset = static_cast<int>(line->get<std::uint64_t>());
  } else if (line->is_string() && !line->get<std::string>().empty() &&
             line->get<std::string>().size() <= 31) {
    out.name = line->get<std::string>();
  } else {
    return Fault{join(at, "line"), "a line name (1-31 characters) or an offset from 0 to 511"};
  }
  if (auto it = j.find("active"); it != j.end()) {
    if (*it != "high" && *it != "low") return Fault{join(at, "active"), "\"high\" or \"low\""};
    out.active_low = *it == "low";
  }
  return std::nullopt;
}

Check read_code(const json& j, const std::string& at, bool is_switch, std::uint16_t& out) {
  if (j.is_number_unsigned() && j.get<std::uint64_t>() <= (is_switch ? SW_MAX : KEY_MAX)) {
    out = static_cast<std::uint16_t>(j.get<std::uint64_t>());
    return std::nullopt;
  }
  if (j.is_string()) {
    if (auto code = input_code(j.get<std::string>(), is_switch)) {
      out = *code;
      return std::nullopt;
    }
  }
  return Fault{at, is_switch ? "a switch like \"SW_LID\" or its code"
                             : "a key like \"KEY_1\" or \"BTN_0\", or its code"};
}

// A key: "KEY_1", 2, or {"key": "KEY_1", "device": "..."}; a switch: {"switch": "SW_LID",
// "device": ..., "open_when": "on"|"off"}.
Check read_input(const json& j, const std::string& at, const std::string& default_device,
                 bool may_be_switch, InputKey& out) {
  out.device = default_device;
  if (!j.is_object()) {
    if (auto bad = read_code(j, at, false, out.code)) return bad;
  } else {
    for (const auto& [k, v] : j.items()) {
      const bool known =
          k == "key" || k == "device" || (may_be_switch && (k == "switch" || k == "open_when"));
      if (!known) return Fault{join(at, k), "not a key here"};
    }
    if (auto it = j.find("device"); it != j.end()) {
      if (!it->is_string() || !device_name_ok(it->get<std::string>()))
        return Fault{join(at, "device"), "an input device's name, or a path under /dev/input/"};
      out.device = it->get<std::string>();
    }
    const bool has_key = j.contains("key"), has_switch = j.contains("switch");
    if (has_key == has_switch)
      return Fault{at, may_be_switch ? "one of \"key\" or \"switch\"" : "\"key\" is required"};
    out.is_switch = has_switch;
    const std::string field = has_switch ? "switch" : "key";
    if (auto bad = read_code(j.at(field), join(at, field), has_switch, out.code)) return bad;
    if (auto it = j.find("open_when"); it != j.end()) {
      if (*it != "on" && *it != "off") return Fault{join(at, "open_when"), "\"on\" or \"off\""};
      out.on_means_open = *it == "on";
    }
  }
  if (out.device.empty()) return Fault{join(at, "device"), "required (or \"inputs\" for all)"};
  return std::nullopt;
}

Check read(const json& root, BoardFile& b) {
  if (!root.is_object()) return Fault{"board file", "a JSON object"};
  static constexpr std::array kTop{"name",        "gpio_chip", "lock",         "lights",
                                   "sounder",     "inputs",    "call_buttons", "exit_button",
                                   "door_sensor", "tamper",    "keypad",       "card_reader",
                                   "display",     "camera",    "microphone",   "speaker"};
  for (const auto& [k, v] : root.items()) {
    if (std::find(kTop.begin(), kTop.end(), k) == kTop.end())
      return Fault{k, "not a key of a board file"};
  }
  if (auto it = root.find("name"); it != root.end()) {
    if (!it->is_string() || it->get<std::string>().size() > 80)
      return Fault{"name", "text of at most 80 characters"};
    b.name = it->get<std::string>();
  }
  std::string chip;
  if (auto it = root.find("gpio_chip"); it != root.end()) {
    if (!it->is_string() || it->get<std::string>().empty())
      return Fault{"gpio_chip", "a GPIO chip like \"gpiochip0\""};
    chip = it->get<std::string>();
  }
  std::string inputs;
  if (auto it = root.find("inputs"); it != root.end()) {
    if (!it->is_string() || !device_name_ok(it->get<std::string>()))
      return Fault{"inputs", "an input device's name, or a path under /dev/input/"};
    inputs = it->get<std::string>();
  }
  auto lock = root.find("lock");
  if (lock == root.end()) return Fault{"lock", "required: the lock relay's line"};
  if (auto bad = read_line(*lock, "lock", chip, b.lock)) return bad;
  if (auto it = root.find("lights"); it != root.end()) {
    if (!it->is_object()) return Fault{"lights", "an object of \"call\", \"talk\", \"unlock\""};
    for (const auto& [k, v] : it->items()) {
      std::optional<GpioLine>* light = k == "call"     ? &b.call_light
                                       : k == "talk"   ? &b.talk_light
                                       : k == "unlock" ? &b.unlock_light
                                                       : nullptr;
      if (!light) return Fault{join("lights", k), "not a light: \"call\", \"talk\" or \"unlock\""};
      GpioLine l;
      if (auto bad = read_line(v, join("lights", k), chip, l, true)) return bad;
      *light = l;
    }
  }
  if (auto it = root.find("sounder"); it != root.end()) {
    GpioLine l;
    if (auto bad = read_line(*it, "sounder", chip, l, true)) return bad;
    b.sounder = l;
  }
  if (auto it = root.find("call_buttons"); it != root.end()) {
    if (!it->is_array() || it->empty() || it->size() > 60)
      return Fault{"call_buttons", "a list of 1 to 60 keys, button 1 first"};
    for (std::size_t i = 0; i < it->size(); ++i) {
      InputKey k;
      const std::string at = "call_buttons[" + std::to_string(i) + "]";
      if (auto bad = read_input((*it)[i], at, inputs, false, k)) return bad;
      b.call_buttons.push_back(k);
    }
  }
  for (auto [key, target] :
       {std::pair{"exit_button", &b.exit_button}, std::pair{"door_sensor", &b.door_sensor},
        std::pair{"tamper", &b.tamper}}) {
    auto it = root.find(key);
    if (it == root.end()) continue;
    InputKey k;
    if (auto bad = read_input(*it, key, inputs, std::string_view(key) != "exit_button", k))
      return bad;
    *target = k;
  }
  if (auto it = root.find("keypad"); it != root.end()) {
    if (!it->is_object()) return Fault{"keypad", "an object like {\"device\": \"matrix-keypad\"}"};
    Keypad k;
    k.device = inputs;
    for (const auto& [key, v] : it->items()) {
      if (key != "device" && key != "keys") return Fault{join("keypad", key), "not a key here"};
    }
    if (auto d = it->find("device"); d != it->end()) {
      if (!d->is_string() || !device_name_ok(d->get<std::string>()))
        return Fault{"keypad.device", "an input device's name, or a path under /dev/input/"};
      k.device = d->get<std::string>();
    }
    if (k.device.empty()) return Fault{"keypad.device", "required (or \"inputs\" for all)"};
    // The usual keys: the digits of both rows, the keypad's digits and *, the numeric keys
    // (digits, * and #) of phone-like keypads; Enter is the call key.
    for (char c = '0'; c <= '9'; ++c) {
      const int d = c - '0';
      const Key digit = *keypad_key_from_name(std::string(1, c));
      k.keys[d == 0 ? KEY_0 : static_cast<std::uint16_t>(KEY_1 + d - 1)] = digit;
      k.keys[*input_code(std::string("KEY_KP") + c, false)] = digit;
      k.keys[static_cast<std::uint16_t>(KEY_NUMERIC_0 + d)] = digit;
    }
    k.keys[KEY_KPASTERISK] = Key::Star;
    k.keys[KEY_NUMERIC_STAR] = Key::Star;
    k.keys[KEY_NUMERIC_POUND] = Key::Hash;
    k.keys[KEY_KPENTER] = Key::Call;
    k.keys[KEY_ENTER] = Key::Call;
    if (auto keys = it->find("keys"); keys != it->end()) {
      if (!keys->is_object())
        return Fault{"keypad.keys", "an object like {\"KEY_KPSLASH\": \"#\"}"};
      for (const auto& [name, what] : keys->items()) {
        std::uint16_t code = 0;
        const std::string at = "keypad.keys." + name;
        if (auto bad = read_code(json(name), at, false, code)) return bad;
        const auto key = keypad_key_from_name(what.is_string() ? what.get<std::string>() : "");
        if (!key) return Fault{at, "one of 0-9, *, #, call, centre, prev and next"};
        k.keys[code] = *key;
      }
    }
    b.keypad = std::move(k);
  }
  if (auto it = root.find("card_reader"); it != root.end()) {
    if (!it->is_object())
      return Fault{"card_reader", "an object with \"kind\": \"hid\" or \"wiegand\""};
    CardReader r;
    const auto kind = it->find("kind");
    if (kind == it->end() || (*kind != "hid" && *kind != "wiegand"))
      return Fault{"card_reader.kind", "\"hid\" or \"wiegand\""};
    r.kind = kind->get<std::string>();
    for (const auto& [key, v] : it->items()) {
      const bool known =
          key == "kind" || (r.kind == "hid" ? key == "device" : (key == "d0" || key == "d1"));
      if (!known) return Fault{join("card_reader", key), "not a key of a " + r.kind + " reader"};
    }
    if (r.kind == "hid") {
      const auto d = it->find("device");
      if (d == it->end() || !d->is_string() || !device_name_ok(d->get<std::string>()))
        return Fault{"card_reader.device", "required: the reader's input device, by name or path"};
      r.device = d->get<std::string>();
    } else {
      for (auto [key, target] : {std::pair{"d0", &r.d0}, std::pair{"d1", &r.d1}}) {
        const auto l = it->find(key);
        if (l == it->end()) return Fault{join("card_reader", key), "required: a GPIO line"};
        GpioLine g;
        if (auto bad = read_line(*l, join("card_reader", key), chip, g)) return bad;
        *target = g;
      }
      if (*r.d0 == *r.d1) return Fault{"card_reader.d1", "another line than d0"};
    }
    b.card_reader = std::move(r);
  }
  if (auto it = root.find("display"); it != root.end()) {
    const json* d = it->is_object() && it->contains("device") ? &it->at("device") : &*it;
    if (it->is_object() && it->size() != 1)
      return Fault{"display", "{\"device\": \"/dev/dri/card0\"}"};
    const std::string path = d->is_string() ? d->get<std::string>() : std::string();
    const bool ok = (path.starts_with("/dev/dri/") || path.starts_with("/dev/fb")) &&
                    path.find("..") == std::string::npos;
    if (!ok)
      return Fault{"display.device", "a DRM device (/dev/dri/cardN) or a framebuffer (/dev/fbN)"};
    b.display = path;
  }
  if (auto it = root.find("camera"); it != root.end()) {
    const std::string path = it->is_string() ? it->get<std::string>() : std::string();
    if (!path.starts_with("/dev/") || path.size() > 255 || path.find("..") != std::string::npos)
      return Fault{"camera", "a V4L2 device, e.g. \"/dev/video0\""};
    b.camera = path;
  }
  for (auto [key, target] :
       {std::pair{"microphone", &b.microphone}, std::pair{"speaker", &b.speaker}}) {
    auto it = root.find(key);
    if (it == root.end()) continue;
    const std::string name = it->is_string() ? it->get<std::string>() : std::string();
    const bool ok = !name.empty() && name.size() <= 64 &&
                    std::all_of(name.begin(), name.end(), [](unsigned char c) {
                      return std::isalnum(c) || std::strchr("_:,=.-", c) != nullptr;
                    });
    if (!ok) return Fault{key, "an ALSA device, e.g. \"plughw:1,0\""};
    *target = name;
  }
  // One GPIO line, one use.
  std::vector<std::pair<std::string, const GpioLine*>> used{{"lock", &b.lock}};
  for (auto [key, l] :
       {std::pair{"lights.call", &b.call_light}, std::pair{"lights.talk", &b.talk_light},
        std::pair{"lights.unlock", &b.unlock_light}, std::pair{"sounder", &b.sounder}}) {
    if (*l) used.emplace_back(key, &**l);
  }
  if (b.card_reader && b.card_reader->d0) {
    used.emplace_back("card_reader.d0", &*b.card_reader->d0);
    used.emplace_back("card_reader.d1", &*b.card_reader->d1);
  }
  for (std::size_t i = 0; i < used.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const GpioLine &a = *used[i].second, &c = *used[j].second;
      if (a.chip == c.chip && a.name == c.name && a.offset == c.offset && a.led == c.led)
        return Fault{used[i].first, "the same line as " + used[j].first};
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::uint16_t> input_code(std::string_view name, bool is_switch) {
  for (const Name& n :
       is_switch ? std::span<const Name>(kSwitches) : std::span<const Name>(kKeys)) {
    if (n.name == name) return n.code;
  }
  return std::nullopt;
}

Result<BoardFile> parse_board_file(std::string_view text) {
  const json root = json::parse(text, nullptr, false);
  if (root.is_discarded()) return make_error("board file: not JSON", Errc::Invalid);
  BoardFile b;
  if (auto fault = read(root, b)) return make_error(fault->at + ": " + fault->rule, Errc::Invalid);
  return b;
}

}  // namespace vto::hal::linux_board
