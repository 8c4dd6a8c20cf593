#include "hal/linux/gpio_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <gpiod.hpp>
#include <system_error>
#include <utility>

#include "core/log.h"

namespace vto::hal::linux_board {
namespace {

// Names the request the kernel shows for every line vtod holds (gpioinfo, gpiochip's debugfs).
constexpr const char* kConsumer = "openvto";

class GpioOutput final : public BinaryOutput {
 public:
  GpioOutput(gpiod::line line, std::string what) : line_(std::move(line)), what_(std::move(what)) {}
  ~GpioOutput() override {
    try {
      line_.release();
    } catch (const std::exception& e) {
      core::logger("hal")->error("{}: cannot release: {}", what_, e.what());
    }
  }
  GpioOutput(const GpioOutput&) = delete;
  GpioOutput& operator=(const GpioOutput&) = delete;

  void write(bool on) override {
    try {
      line_.set_value(on ? 1 : 0);
    } catch (const std::exception& e) {
      core::logger("hal")->error("{}: cannot write {}: {}", what_, on ? "on" : "off", e.what());
    }
  }

 private:
  gpiod::line line_;
  std::string what_;
};

class LedOutput final : public BinaryOutput {
 public:
  LedOutput(int fd, std::string what) : fd_(fd), what_(std::move(what)) {}
  ~LedOutput() override {
    write(false);
    ::close(fd_);
  }
  LedOutput(const LedOutput&) = delete;
  LedOutput& operator=(const LedOutput&) = delete;

  void write(bool on) override {
    // brightness takes 0 for off and any other value up to max_brightness for on; the
    // driver clamps 255 to its maximum.
    const char* value = on ? "255\n" : "0\n";
    if (::pwrite(fd_, value, std::strlen(value), 0) < 0) {
      core::logger("hal")->error("{}: cannot write {}: {}", what_, on ? "on" : "off",
                                 std::strerror(errno));
    }
  }

 private:
  int fd_;
  std::string what_;
};

}  // namespace

Result<gpiod::chip> open_chip(const std::string& name) {
  try {
    return gpiod::chip(name, gpiod::chip::OPEN_LOOKUP);
  } catch (const std::system_error& e) {
    if (e.code().value() == ENOENT) return make_error("no GPIO chip \"" + name + "\"");
    return make_error("GPIO chip \"" + name + "\": " + std::strerror(e.code().value()));
  } catch (const std::exception& e) {
    return make_error("GPIO chip \"" + name + "\": " + e.what());
  }
}

std::string describe(const GpioLine& line) {
  return line.chip + " line " +
         (line.name.empty() ? std::to_string(line.offset) : "\"" + line.name + "\"");
}

Result<gpiod::line> find_free_line(const GpioLine& where) {
  auto opened = open_chip(where.chip);
  if (!opened) return opened.error();
  try {
    gpiod::chip chip = std::move(*opened);
    gpiod::line line;
    if (!where.name.empty()) {
      line = chip.find_line(where.name);
      if (!line) return make_error(where.chip + " has no line named \"" + where.name + "\"");
    } else {
      if (where.offset < 0 || static_cast<unsigned>(where.offset) >= chip.num_lines()) {
        return make_error(where.chip + " has no line " + std::to_string(where.offset) +
                          " (it has " + std::to_string(chip.num_lines()) + ")");
      }
      line = chip.get_line(static_cast<unsigned>(where.offset));
    }
    if (line.is_used()) {
      return make_error(describe(where) + " is already in use by \"" + line.consumer() + "\"");
    }
    return line;
  } catch (const std::system_error& e) {
    return make_error(describe(where) + ": " + std::strerror(e.code().value()));
  }
}

Result<std::unique_ptr<BinaryOutput>> open_gpio_output(const GpioLine& where, bool on) {
  const std::string what = describe(where);
  auto line = find_free_line(where);
  if (!line) return line.error();
  try {
    gpiod::line_request request{kConsumer, gpiod::line_request::DIRECTION_OUTPUT, {}};
    if (where.active_low) request.flags = gpiod::line_request::FLAG_ACTIVE_LOW;
    // The first level is part of the request: the line never shows another value.
    line->request(request, on ? 1 : 0);
    return std::unique_ptr<BinaryOutput>(std::make_unique<GpioOutput>(std::move(*line), what));
  } catch (const std::system_error& e) {
    return make_error(what + ": " + std::strerror(e.code().value()));
  } catch (const std::exception& e) {
    return make_error(what + ": " + e.what());
  }
}

Result<std::unique_ptr<BinaryOutput>> open_led_output(const std::string& leds) {
  const std::string path = leds + "/brightness";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return make_error(path + ": " + std::strerror(errno));
  auto out = std::make_unique<LedOutput>(fd, leds);
  out->write(false);
  return std::unique_ptr<BinaryOutput>(std::move(out));
}

}  // namespace vto::hal::linux_board
