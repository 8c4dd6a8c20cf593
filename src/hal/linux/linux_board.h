// LinuxBoard: the door station's modules wired to a Linux board, as its board file says
// (board_file.h): buttons, keypad, switches and USB card readers through the kernel's input
// layer (input_devices.h), the lock relay, lights and sounder through libgpiod or LED-class
// devices (gpio_output.h), a Wiegand reader on two GPIO lines (wiegand_reader.h). What
// `vtod --board FILE` runs on.
//
// The board holds the hardware for as long as vtod runs: the lock line is requested and
// driven locked first, before any other line or device is touched, and driven locked again
// when the board is destroyed. The lock relay is the board's, shared by every layout. The modules
// of a facade layout (modules()) use it; a module of the layout that the board file does not wire,
// or whose device is not there, is reported missing on the module bus, and found when its device
// appears.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/timers.h"
#include "hal/board.h"
#include "hal/linux/board_file.h"

namespace vto::hal::linux_board {

class LinuxBoard final : public Board {
 public:
  // Takes the lock line, locked (as `normally_closed` relays lock: the line on), then the
  // other outputs, the input devices and the Wiegand lines; refused naming the part that
  // cannot be had. `io` and `timers` must outlive it.
  static Result<std::unique_ptr<LinuxBoard>> open(boost::asio::io_context& io, core::Timers& timers,
                                                  BoardFile file, MediaDevices media,
                                                  bool normally_closed);
  ~LinuxBoard() override;

  std::string description() const override;
  MediaDevices media_devices() const override { return media_; }
  Result<std::unique_ptr<DoorModules>> modules(const std::vector<ModuleSlot>& layout) override;

  struct Hardware;

 private:
  LinuxBoard(std::unique_ptr<Hardware> hw, MediaDevices media);
  std::unique_ptr<Hardware> hw_;
  MediaDevices media_;
};

}  // namespace vto::hal::linux_board
