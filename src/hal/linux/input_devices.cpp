#include "hal/linux/input_devices.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/input.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>

#include "core/log.h"

namespace vto::hal::linux_board {
namespace asio = boost::asio;

// One event node, open and grabbed, read on the core thread.
struct InputDevices::Open {
  Open(asio::io_context& io, int fd, std::string p, std::string n)
      : stream(io, fd), path(std::move(p)), name(std::move(n)) {}
  asio::posix::stream_descriptor stream;
  std::string path, name;
  std::array<input_event, 64> buffer{};
  bool closed = false;
};

struct InputDevices::Inotify {
  explicit Inotify(asio::io_context& io, int fd) : stream(io, fd) {}
  asio::posix::stream_descriptor stream;
  std::array<char, 4096> buffer{};
  std::set<std::string> watched;
  bool closed = false;
};

namespace {

std::shared_ptr<spdlog::logger> log() {
  return core::logger("hal");
}

// The name the kernel gives the input device behind event node `node` ("gpio-keys").
std::string device_name(const std::string& sys, const std::string& node) {
  std::ifstream in(sys + "/" + node + "/device/name");
  std::string name;
  std::getline(in, name);
  return name;
}

// The event nodes in `dir`, "event0"...
std::vector<std::string> event_nodes(const std::string& dir) {
  std::vector<std::string> nodes;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      if (std::strncmp(e->d_name, "event", 5) == 0) nodes.emplace_back(e->d_name);
    }
    ::closedir(d);
  }
  return nodes;
}

}  // namespace

InputDevices::Watch::~Watch() {
  devices_.unwatch(id_);
}

InputDevices::InputDevices(asio::io_context& io, Places places)
    : io_(io),
      dir_(std::move(places.dir)),
      sys_(std::move(places.sys)),
      grab_(std::move(places.grab)),
      rescan_timer_(io) {
  if (!grab_) grab_ = [](int fd) { return ::ioctl(fd, EVIOCGRAB, 1) == 0; };
  start_inotify();
}

InputDevices::~InputDevices() {
  for (auto& [path, open] : open_) {
    open->closed = true;
    boost::system::error_code ignored;
    open->stream.close(ignored);
  }
  *alive_ = false;
  if (inotify_) {
    inotify_->closed = true;
    boost::system::error_code ignored;
    inotify_->stream.close(ignored);
  }
}

std::unique_ptr<InputDevices::Watch> InputDevices::watch(const std::string& device,
                                                         Handlers handlers) {
  const std::uint64_t id = next_id_++;
  wanted_[id] = Wanted{device, std::move(handlers), {}};
  rescan();
  return std::unique_ptr<Watch>(new Watch(*this, id));
}

void InputDevices::unwatch(std::uint64_t id) {
  auto it = wanted_.find(id);
  if (it == wanted_.end()) return;
  const std::string path = it->second.path;
  wanted_.erase(it);
  if (path.empty()) return;
  for (const auto& [other, w] : wanted_) {
    if (w.path == path) return;
  }
  close_device(path, "no module uses it", true);
}

const InputDevices::Open* InputDevices::open_for(const std::string& device) const {
  for (const auto& [id, w] : wanted_) {
    if (w.device == device && !w.path.empty()) {
      auto it = open_.find(w.path);
      if (it != open_.end()) return it->second.get();
    }
  }
  return nullptr;
}

bool InputDevices::present(const std::string& device) const {
  return open_for(device) != nullptr;
}

std::optional<bool> InputDevices::switch_on(const std::string& device, std::uint16_t code) const {
  const Open* open = open_for(device);
  if (!open || code > SW_MAX) return std::nullopt;
  std::array<unsigned long, SW_MAX / (sizeof(unsigned long) * CHAR_BIT) + 1> bits{};
  if (::ioctl(const_cast<Open*>(open)->stream.native_handle(), EVIOCGSW(sizeof(bits)),
              bits.data()) < 0)
    return std::nullopt;
  constexpr std::size_t kBits = sizeof(unsigned long) * CHAR_BIT;
  return (bits[code / kBits] >> (code % kBits)) & 1UL;
}

std::optional<std::string> InputDevices::resolve(
    const std::string& device, const std::map<std::string, std::string>& names) const {
  if (device.starts_with("/")) {
    // A path: a by-path or by-id link, or the node itself.
    char real[PATH_MAX];
    if (::realpath(device.c_str(), real) == nullptr) return std::nullopt;
    if (names.contains(real)) return std::string(real);
    return std::nullopt;
  }
  // A name: the first node with it (by number, so the choice is stable).
  std::optional<std::string> found;
  for (const auto& [path, name] : names) {
    if (name == device &&
        (!found || path.size() < found->size() || (path.size() == found->size() && path < *found)))
      found = path;
  }
  return found;
}

void InputDevices::rescan() {
  // Every event node with its device's name.
  std::map<std::string, std::string> names;
  for (const std::string& node : event_nodes(dir_)) {
    names[dir_ + "/" + node] = device_name(sys_, node);
  }
  // Devices gone from /dev/input.
  std::vector<std::string> gone;
  for (const auto& [path, open] : open_) {
    if (!names.contains(path)) gone.push_back(path);
  }
  for (const std::string& path : gone) close_device(path, "removed", false);

  // Where each module's device is now (a name or a link, resolved once per look).
  std::map<std::uint64_t, std::optional<std::string>> where;
  for (const auto& [id, w] : wanted_) where[id] = resolve(w.device, names);
  for (auto& [id, w] : wanted_) {
    const auto& path = where[id];
    if (!path) continue;
    if (!open_.contains(*path)) {
      const int fd = ::open(path->c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0) {
        // Before udev's rule has run the node is root's alone: inotify says when it changes.
        log()->warn("input device \"{}\" ({}): {}", w.device, *path, std::strerror(errno));
        continue;
      }
      if (!grab_(fd)) {
        log()->error("input device \"{}\" ({}): cannot have it alone: {}", w.device, *path,
                     std::strerror(errno));
        ::close(fd);
        continue;
      }
      auto open = std::make_shared<Open>(io_, fd, *path, names[*path]);
      open_[*path] = open;
      log()->info("input device \"{}\" found: {} ({})", w.device, *path, open->name);
      read_device(open);
    }
  }
  // Tell each module whether its device is there now (changes only).
  std::vector<std::pair<std::function<void(bool)>, bool>> tell;
  for (auto& [id, w] : wanted_) {
    const auto& path = where[id];
    const std::string now = path && open_.contains(*path) ? *path : std::string();
    if (now == w.path) continue;
    const bool was = !w.path.empty();
    w.path = now;
    if (was != !now.empty() && w.handlers.presence) tell.emplace_back(w.handlers.presence, !was);
  }
  for (auto& [fn, present_now] : tell) fn(present_now);
}

void InputDevices::close_device(const std::string& path, const std::string& why, bool expected) {
  auto it = open_.find(path);
  if (it == open_.end()) return;
  auto open = it->second;
  open_.erase(it);
  open->closed = true;
  boost::system::error_code ignored;
  open->stream.close(ignored);
  log()->log(expected ? spdlog::level::info : spdlog::level::warn,
             "input device {} ({}) closed: {}", path, open->name, why);
  std::vector<std::function<void(bool)>> tell;
  for (auto& [id, w] : wanted_) {
    if (w.path != path) continue;
    w.path.clear();
    if (w.handlers.presence) tell.push_back(w.handlers.presence);
  }
  for (auto& fn : tell) fn(false);
}

void InputDevices::read_device(const std::shared_ptr<Open>& open) {
  open->stream.async_read_some(asio::buffer(open->buffer),
                               [this, open](const boost::system::error_code& ec, std::size_t n) {
                                 if (open->closed) return;
                                 if (ec) {
                                   // ENODEV: unplugged. inotify will say so too; close now so
                                   // nothing reads a dead fd.
                                   close_device(open->path, ec.message(), false);
                                   schedule_rescan();
                                   return;
                                 }
                                 const std::string path = open->path;
                                 for (std::size_t i = 0; i < n / sizeof(input_event); ++i) {
                                   const input_event& e = open->buffer[i];
                                   if (e.type == EV_SYN) continue;
                                   const InputEvent event{e.type, e.code, e.value};
                                   // A listener may drop watches (a facade change): collect the
                                   // handlers first.
                                   std::vector<std::function<void(const InputEvent&)>> to;
                                   for (const auto& [id, w] : wanted_) {
                                     if (w.path == path && w.handlers.event)
                                       to.push_back(w.handlers.event);
                                   }
                                   for (auto& fn : to) fn(event);
                                   if (open->closed) return;
                                 }
                                 read_device(open);
                               });
}

void InputDevices::start_inotify() {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    log()->error("inotify: {}; input devices plugged in later are not seen", std::strerror(errno));
    return;
  }
  inotify_ = std::make_shared<Inotify>(io_, fd);
  // The node appears (devtmpfs), then udev gives it its group (an attribute change), then
  // the by-path and by-id links appear: each is a reason to look again.
  for (const std::string& d : {dir_, dir_ + "/by-path", dir_ + "/by-id"}) {
    if (::inotify_add_watch(fd, d.c_str(),
                            IN_CREATE | IN_DELETE | IN_ATTRIB | IN_MOVED_TO | IN_MOVED_FROM) >= 0)
      inotify_->watched.insert(d);
  }
  read_inotify();
}

void InputDevices::read_inotify() {
  auto in = inotify_;
  in->stream.async_read_some(
      asio::buffer(in->buffer), [this, in](const boost::system::error_code& ec, std::size_t) {
        if (ec || in->closed) return;  // closed at exit
        // by-path and by-id are made by udev after vtod started.
        for (const std::string& d : {dir_ + "/by-path", dir_ + "/by-id"}) {
          if (!in->watched.contains(d) && ::inotify_add_watch(in->stream.native_handle(), d.c_str(),
                                                              IN_CREATE | IN_DELETE | IN_ATTRIB |
                                                                  IN_MOVED_TO | IN_MOVED_FROM) >= 0)
            in->watched.insert(d);
        }
        schedule_rescan();
        read_inotify();
      });
}

void InputDevices::schedule_rescan() {
  // A device's arrival is a burst of events (node, group, links): look once it settles.
  if (rescan_pending_) return;
  rescan_pending_ = true;
  rescan_timer_.expires_after(std::chrono::milliseconds(50));
  rescan_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    rescan_pending_ = false;
    rescan();
  });
}

}  // namespace vto::hal::linux_board
