// The input devices of a Linux board (the kernel's input layer, /dev/input/eventN): gpio-keys
// buttons and switches, a matrix or USB keypad, a USB card reader that types the card's
// number. Modules ask for a device by its name (as /proc/bus/input/devices shows it, e.g.
// "gpio-keys") or by a path under /dev/input (e.g. /dev/input/by-path/...), and hear its
// events on the core thread.
//
// Only devices some module asks for are opened, each once, with EVIOCGRAB so its keys reach
// vtod alone (never a console or a desktop on the board). /dev/input is watched with inotify:
// a device plugged in later (USB) is opened when it appears, or when udev has given vtod
// access to it; a device unplugged is closed and its modules hear it missing, and found again
// when it returns.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vto::hal::linux_board {

struct InputEvent {
  std::uint16_t type = 0;  // EV_KEY, EV_SW...
  std::uint16_t code = 0;
  std::int32_t value = 0;  // keys: 1 pressed, 0 released, 2 repeated; switches: 1 on, 0 off
};

class InputDevices {
 public:
  struct Handlers {
    std::function<void(const InputEvent&)> event;
    std::function<void(bool present)> presence;  // on changes only
  };
  // A module's hold on a device; dropping it stops its handlers (and closes the device when
  // nobody else asks for it).
  class Watch {
   public:
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

   private:
    friend class InputDevices;
    Watch(InputDevices& devices, std::uint64_t id) : devices_(devices), id_(id) {}
    InputDevices& devices_;
    std::uint64_t id_;
  };

  struct Places {
    std::string dir = "/dev/input";
    std::string sys = "/sys/class/input";  // each eventN's name: eventN/device/name
    // Takes the device for vtod alone: EVIOCGRAB (tests, whose devices are pipes, say yes).
    std::function<bool(int fd)> grab;
  };
  explicit InputDevices(boost::asio::io_context& io) : InputDevices(io, Places{}) {}
  InputDevices(boost::asio::io_context& io, Places places);
  ~InputDevices();
  InputDevices(const InputDevices&) = delete;
  InputDevices& operator=(const InputDevices&) = delete;

  // Asks for `device` (a name or a /dev/input path). The device is looked for at once.
  // `*this` must outlive the watch.
  std::unique_ptr<Watch> watch(const std::string& device, Handlers handlers);
  bool present(const std::string& device) const;
  // Whether switch `code` of `device` is on now (EVIOCGSW); nothing when it is not open.
  std::optional<bool> switch_on(const std::string& device, std::uint16_t code) const;
  // Looks at /dev/input again (inotify calls it; public for tests).
  void rescan();

 private:
  struct Open;
  struct Wanted {
    std::string device;
    Handlers handlers;
    std::string path;  // the event node it is open as, or empty
  };
  void unwatch(std::uint64_t id);
  void schedule_rescan();
  void start_inotify();
  void read_inotify();
  void read_device(const std::shared_ptr<Open>& open);
  // `expected`: nobody needs it any more (logged as news, not as a fault).
  void close_device(const std::string& path, const std::string& why, bool expected);
  std::optional<std::string> resolve(const std::string& device,
                                     const std::map<std::string, std::string>& names) const;
  const Open* open_for(const std::string& device) const;

  boost::asio::io_context& io_;
  std::string dir_, sys_;
  std::function<bool(int fd)> grab_;
  std::map<std::uint64_t, Wanted> wanted_;
  std::uint64_t next_id_ = 1;
  std::map<std::string, std::shared_ptr<Open>> open_;  // by event node path
  struct Inotify;
  std::shared_ptr<Inotify> inotify_;
  boost::asio::steady_timer rescan_timer_;
  bool rescan_pending_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // false once destroyed
};

}  // namespace vto::hal::linux_board
