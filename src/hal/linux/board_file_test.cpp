#include "hal/linux/board_file.h"

#include <gtest/gtest.h>
#include <linux/input-event-codes.h>

namespace vto::hal::linux_board {
namespace {

constexpr const char* kFull = R"({
  "name": "Raspberry Pi 4 at the front door",
  "gpio_chip": "gpiochip0",
  "lock": {"line": "relay", "active": "low"},
  "lights": {"call": {"line": 22}, "talk": {"line": 23}, "unlock": {"line": 24}},
  "sounder": {"line": 25, "chip": "gpiochip1"},
  "inputs": "gpio-keys",
  "call_buttons": ["KEY_1", {"key": "BTN_1", "device": "/dev/input/by-path/platform-keys-event"}],
  "exit_button": "KEY_OPEN",
  "door_sensor": {"switch": "SW_DOCK", "open_when": "on"},
  "tamper": {"switch": "SW_LID", "open_when": "off"},
  "keypad": {"device": "matrix-keypad", "keys": {"KEY_A": "*", "KEY_B": "centre"}},
  "card_reader": {"kind": "wiegand", "d0": {"line": 5}, "d1": {"line": 6}},
  "display": {"device": "/dev/dri/card0"},
  "camera": "/dev/video0", "microphone": "plughw:1,0", "speaker": "default"
})";

std::string error_of(std::string_view text) {
  auto b = parse_board_file(text);
  return b ? std::string("(accepted)") : b.error().message;
}

TEST(BoardFile, EveryModuleOfADoorStation) {
  auto b = parse_board_file(kFull);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->name, "Raspberry Pi 4 at the front door");
  EXPECT_EQ(b->lock, (GpioLine{"gpiochip0", "relay", -1, true, ""}));
  EXPECT_EQ(b->call_light->offset, 22);
  EXPECT_EQ(b->sounder->chip, "gpiochip1");
  ASSERT_EQ(b->call_buttons.size(), 2u);
  EXPECT_EQ(b->call_buttons[0], (InputKey{"gpio-keys", KEY_1, false, true}));
  EXPECT_EQ(b->call_buttons[1].device, "/dev/input/by-path/platform-keys-event");
  EXPECT_EQ(b->call_buttons[1].code, BTN_1);
  EXPECT_EQ(b->exit_button->code, KEY_OPEN);
  EXPECT_EQ(b->door_sensor, (InputKey{"gpio-keys", SW_DOCK, true, true}));
  EXPECT_FALSE(b->tamper->on_means_open);
  EXPECT_EQ(b->keypad->keys.at(KEY_7), Key::Digit7);
  EXPECT_EQ(b->keypad->keys.at(KEY_KP0), Key::Digit0);
  EXPECT_EQ(b->keypad->keys.at(KEY_KPENTER), Key::Call);
  EXPECT_EQ(b->keypad->keys.at(KEY_NUMERIC_POUND), Key::Hash);
  EXPECT_EQ(b->keypad->keys.at(KEY_A), Key::Star);
  EXPECT_EQ(b->keypad->keys.at(KEY_B), Key::Centre);
  EXPECT_EQ(b->card_reader->kind, "wiegand");
  EXPECT_EQ(b->card_reader->d1->offset, 6);
  EXPECT_EQ(b->display, "/dev/dri/card0");
  EXPECT_EQ(b->camera, "/dev/video0");
  EXPECT_EQ(b->microphone, "plughw:1,0");
  EXPECT_EQ(b->speaker, "default");
}

TEST(BoardFile, OnlyTheLockIsRequired) {
  auto b = parse_board_file(R"({"lock": {"line": 17, "chip": "gpiochip0"}})");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_FALSE(b->lock.active_low);
  EXPECT_TRUE(b->call_buttons.empty());
  EXPECT_FALSE(b->keypad);
  EXPECT_EQ(b->display, "");
}

TEST(BoardFile, AFaultNamesItsKeyAndTheRule) {
  EXPECT_EQ(error_of("{"), "board file: not JSON");
  EXPECT_EQ(error_of("[]"), "board file: a JSON object");
  EXPECT_EQ(error_of("{}"), "lock: required: the lock relay's line");
  EXPECT_EQ(error_of(R"({"lock": {"line": 17}})"),
            "lock.chip: required (or \"gpio_chip\" for all)");
  EXPECT_EQ(error_of(R"({"gpio_chip": "gpiochip0", "lock": {"line": 512}})"),
            "lock.line: a line name (1-31 characters) or an offset from 0 to 511");
  EXPECT_EQ(error_of(R"({"gpio_chip": "c", "lock": {"line": 1, "active": "yes"}})"),
            "lock.active: \"high\" or \"low\"");
  EXPECT_EQ(error_of(R"({"gpio_chip": "c", "lock": {"line": 1}, "lights": {"hall": {"line": 2}}})"),
            "lights.hall: not a light: \"call\", \"talk\" or \"unlock\"");
  EXPECT_EQ(error_of(R"({"gpio_chip": "c", "lock": {"line": 1}, "call_buttons": ["KEY_1"]})"),
            "call_buttons[0].device: required (or \"inputs\" for all)");
  EXPECT_EQ(
      error_of(
          R"({"gpio_chip": "c", "lock": {"line": 1}, "inputs": "k", "call_buttons": ["KEY_NOPE"]})"),
      "call_buttons[0]: a key like \"KEY_1\" or \"BTN_0\", or its code");
  EXPECT_EQ(
      error_of(
          R"({"gpio_chip": "c", "lock": {"line": 1}, "inputs": "k", "exit_button": {"switch": "SW_LID"}})"),
      "exit_button.switch: not a key here");
  EXPECT_EQ(
      error_of(
          R"({"gpio_chip": "c", "lock": {"line": 1}, "inputs": "k", "tamper": {"switch": "SW_LID", "open_when": 1}})"),
      "tamper.open_when: \"on\" or \"off\"");
  EXPECT_EQ(
      error_of(
          R"({"gpio_chip": "c", "lock": {"line": 1}, "inputs": "/etc/passwd", "call_buttons": [1]})"),
      "inputs: an input device's name, or a path under /dev/input/");
  EXPECT_EQ(
      error_of(
          R"({"gpio_chip": "c", "lock": {"line": 1}, "keypad": {"device": "k", "keys": {"KEY_A": "x"}}})"),
      "keypad.keys.KEY_A: one of 0-9, *, #, call, centre, prev and next");
  EXPECT_EQ(error_of(R"({"gpio_chip": "c", "lock": {"line": 1}, "card_reader": {"kind": "nfc"}})"),
            "card_reader.kind: \"hid\" or \"wiegand\"");
  EXPECT_EQ(
      error_of(
          R"({"gpio_chip": "c", "lock": {"line": 1}, "card_reader": {"kind": "wiegand", "d0": {"line": 2}}})"),
      "card_reader.d1: required: a GPIO line");
  EXPECT_EQ(
      error_of(
          R"({"gpio_chip": "c", "lock": {"line": 1}, "card_reader": {"kind": "hid", "d0": {"line": 2}}})"),
      "card_reader.d0: not a key of a hid reader");
  EXPECT_EQ(error_of(R"({"gpio_chip": "c", "lock": {"line": 1}, "display": "/dev/sda"})"),
            "display.device: a DRM device (/dev/dri/cardN) or a framebuffer (/dev/fbN)");
  EXPECT_EQ(error_of(R"({"gpio_chip": "c", "lock": {"line": 1}, "camera": "video0"})"),
            "camera: a V4L2 device, e.g. \"/dev/video0\"");
  EXPECT_EQ(error_of(R"({"gpio_chip": "c", "lock": {"line": 1}, "speaker": "hw:0;reboot"})"),
            "speaker: an ALSA device, e.g. \"plughw:1,0\"");
  EXPECT_EQ(error_of(R"({"gpio_chip": "c", "lock": {"line": 1}, "relay": {}})"),
            "relay: not a key of a board file");
}

TEST(BoardFile, OneLineHasOneUse) {
  EXPECT_EQ(error_of(R"({"gpio_chip": "c", "lock": {"line": 4}, "lights": {"call": {"line": 4}}})"),
            "lights.call: the same line as lock");
  EXPECT_EQ(
      error_of(
          R"({"gpio_chip": "c", "lock": {"line": 1}, "card_reader": {"kind": "wiegand", "d0": {"line": 2}, "d1": {"line": 2}}})"),
      "card_reader.d1: another line than d0");
  // The same offset on two chips is two lines.
  EXPECT_TRUE(parse_board_file(
      R"({"gpio_chip": "c", "lock": {"line": 4}, "sounder": {"line": 4, "chip": "d"}})"));
}

TEST(BoardFile, AUsbNumericPadMapsItsOtherKeys) {
  auto b = parse_board_file(
      R"({"gpio_chip": "c", "lock": {"line": 1}, "keypad": {"device": "USB Keypad", "keys": {"KEY_KPSLASH": "#", "KEY_KPPLUS": "centre", "KEY_KPMINUS": "prev"}}})");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->keypad->keys.at(KEY_KPSLASH), Key::Hash);
  EXPECT_EQ(b->keypad->keys.at(KEY_KPPLUS), Key::Centre);
  EXPECT_EQ(b->keypad->keys.at(KEY_KPMINUS), Key::Prev);
  EXPECT_EQ(b->keypad->keys.at(KEY_KPENTER), Key::Call);
}

TEST(BoardFile, LightsAndSounderMayBeLeds) {
  auto b = parse_board_file(
      R"({"gpio_chip": "c", "lock": {"line": 1}, "lights": {"call": {"led": "call"}}, "sounder": {"led": "beep"}})");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->call_light->led, "call");
  EXPECT_EQ(b->sounder->led, "beep");
  EXPECT_EQ(error_of(R"({"gpio_chip": "c", "lock": {"led": "x"}})"), "lock.led: not a key here");
  EXPECT_EQ(error_of(R"({"gpio_chip": "c", "lock": {"line": 1}, "sounder": {"led": "../x"}})"),
            "sounder.led: an LED's name under /sys/class/leds");
  EXPECT_EQ(
      error_of(R"({"gpio_chip": "c", "lock": {"line": 1}, "sounder": {"led": "x", "line": 2}})"),
      "sounder.line: not a key beside \"led\"");
  EXPECT_EQ(
      error_of(
          R"({"gpio_chip": "c", "lock": {"line": 1}, "lights": {"call": {"led": "x"}}, "sounder": {"led": "x"}})"),
      "sounder: the same line as lights.call");
}

TEST(BoardFile, KeyAndSwitchNames) {
  EXPECT_EQ(input_code("KEY_1", false), KEY_1);
  EXPECT_EQ(input_code("BTN_0", false), BTN_0);
  EXPECT_EQ(input_code("SW_LID", true), SW_LID);
  EXPECT_FALSE(input_code("SW_LID", false));
  EXPECT_FALSE(input_code("KEY_1", true));
}

}  // namespace
}  // namespace vto::hal::linux_board
