// The outputs of a Linux board: a GPIO line through libgpiod (the lock relay, the lights, the
// sounder), or an LED-class device (/sys/class/leds/NAME, e.g. gpio-leds).
//
// A GPIO line is requested once, as an output, under the consumer name "openvto", and driven
// to its first level in the same request, so it never shows another value while vtod starts.
// The board file says whether the line is active high or low; write(true) drives it to its
// active level. The line is released (vtod stops) at the level last written: its owner writes
// the idle level first (LinuxBoard does). What a released line does afterwards depends on
// the GPIO driver (docs/hal.md says so).
#pragma once

#include <gpiod.hpp>
#include <memory>
#include <string>

#include "core/result.h"
#include "hal/binary_output.h"
#include "hal/linux/board_file.h"

namespace vto::hal::linux_board {

// The line `where` names, if it exists and no program holds it (not requested yet);
// refused in words naming the chip or line.
Result<gpiod::line> find_free_line(const GpioLine& where);

// The line `line`, requested as an output, on (active) or off from the start; refused naming
// the chip or line that is not there or is held by another program.
Result<std::unique_ptr<BinaryOutput>> open_gpio_output(const GpioLine& line, bool on = false);

// An LED-class device: `leds` is its directory (/sys/class/leds/NAME); written off at once.
Result<std::unique_ptr<BinaryOutput>> open_led_output(const std::string& leds);

// The chip by its name ("gpiochip0"), label or path; refused in words ("no GPIO chip ...").
Result<gpiod::chip> open_chip(const std::string& name);

// "gpiochip0 line 5" / "gpiochip0 line \"relay\"", for messages.
std::string describe(const GpioLine& line);

}  // namespace vto::hal::linux_board
