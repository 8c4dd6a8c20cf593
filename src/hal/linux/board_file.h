// The board file (`vtod --board FILE`): which module of a real door station is wired where on
// a Linux board. JSON, read once at start; every fault is refused with the key it is under
// and the rule it breaks ("lock.active: \"high\" or \"low\""). docs/hal.md describes it.
//
//   {
//     "name": "Raspberry Pi 4 at the front door",
//     "gpio_chip": "gpiochip0",                      // the default chip of the lines below
//     "lock":   {"line": "relay", "active": "low"},  // a line by its name or offset
//     "lights": {"call": {"line": 22}, "talk": {"line": 23}, "unlock": {"line": 24}},
//     "sounder": {"led": "sounder"},                 // or an LED-class device
//     "inputs": "gpio-keys",                         // the default input device
//     "call_buttons": ["KEY_1", "KEY_2"],            // button 1, 2... by key
//     "exit_button": "KEY_OPEN",
//     "door_sensor": {"switch": "SW_DOCK", "open_when": "on"},
//     "tamper": {"switch": "SW_LID", "open_when": "on"},
//     "keypad": {"device": "matrix-keypad"},         // digits, *, # and Enter (call) by their
//                                                    // usual keys; "keys" maps others
//     "card_reader": {"kind": "wiegand", "d0": {"line": 5}, "d1": {"line": 6}},
//     "display": {"device": "/dev/dri/card0"},
//     "camera": "/dev/video0",                       // V4L2
//     "microphone": "plughw:1,0", "speaker": "plughw:1,0"  // ALSA devices
//   }
//
// An input is a key (or switch) of an input device: the device by its name (as
// /proc/bus/input/devices says it, e.g. "gpio-keys") or a path under /dev/input; a key by
// its kernel name ("KEY_1", "BTN_0", "SW_LID") or its code. Only "lock" is required.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "hal/key_source.h"

namespace vto::hal::linux_board {

struct GpioLine {
  std::string chip;         // "gpiochip0", or a path under /dev
  std::string name;         // the line's name, or empty when given by offset
  int offset = -1;          // 0-511 when given by offset
  bool active_low = false;  // "active": "low"
  std::string led;          // lights and sounder: an LED-class device (/sys/class/leds/NAME)
  bool operator==(const GpioLine&) const = default;
};

struct InputKey {
  std::string device;  // a device name or a /dev/input path
  std::uint16_t code = 0;
  bool is_switch = false;     // an EV_SW switch rather than an EV_KEY key
  bool on_means_open = true;  // switches: which state is "open" / "detached"
  bool operator==(const InputKey&) const = default;
};

struct Keypad {
  std::string device;
  std::map<std::uint16_t, Key> keys;  // key code -> the panel's key
};

struct CardReader {
  std::string kind;                // "hid" or "wiegand"
  std::string device;              // hid: the input device
  std::optional<GpioLine> d0, d1;  // wiegand
};

struct BoardFile {
  std::string name;
  GpioLine lock;
  std::optional<GpioLine> call_light, talk_light, unlock_light, sounder;
  std::vector<InputKey> call_buttons;
  std::optional<InputKey> exit_button, door_sensor, tamper;
  std::optional<Keypad> keypad;
  std::optional<CardReader> card_reader;
  std::string display;  // a DRM or fbdev device; empty: none
  // The door's media, unless vtod's command line names others (--camera, --microphone,
  // --speaker); empty: the command line's (by default a test pattern, a tone, no speaker).
  std::string camera;               // a V4L2 device, /dev/video0 or a /dev/v4l/by-path link
  std::string microphone, speaker;  // ALSA devices, e.g. "plughw:1,0"
};

// The board file in `text`, or the first fault: "KEY: RULE".
Result<BoardFile> parse_board_file(std::string_view text);

// A kernel input code by its name ("KEY_1" -> 2, "SW_LID" -> 0), for the names a door
// station's inputs use; nothing for another name.
std::optional<std::uint16_t> input_code(std::string_view name, bool is_switch);

}  // namespace vto::hal::linux_board
