#include "app/service_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/log.h"

namespace vto::app {

ServiceNotify::ServiceNotify() {
  if (const char* s = std::getenv("NOTIFY_SOCKET")) socket_ = s;
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  // WATCHDOG_PID names the process the pings are asked of; when set, it must be vtod.
  if (usec && (!pid || std::strtol(pid, nullptr, 10) == ::getpid())) {
    const long long us = std::strtoll(usec, nullptr, 10);
    if (us > 0) period_ = std::chrono::microseconds(us / 2);
  }
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
}

void ServiceNotify::send(const std::string& state) {
  if (socket_.empty()) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_.size() >= sizeof addr.sun_path || (socket_[0] != '/' && socket_[0] != '@')) {
    core::logger("vtod")->error("NOTIFY_SOCKET {}: not a unix socket path", socket_);
    socket_.clear();
    return;
  }
  std::memcpy(addr.sun_path, socket_.data(), socket_.size());
  if (socket_[0] == '@') addr.sun_path[0] = '\0';  // an abstract socket
  const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  if (::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
               len) < 0) {
    core::logger("vtod")->warn("service manager: {}: {}", state, std::strerror(errno));
  }
  ::close(fd);
}

void ServiceNotify::ready() {
  send("READY=1");
}

void ServiceNotify::stopping() {
  send("STOPPING=1");
}

void ServiceNotify::start_watchdog(core::Timers& timers) {
  if (!period_ || socket_.empty()) return;
  core::logger("vtod")->info(
      "service watchdog: a ping every {} ms",
      std::chrono::duration_cast<std::chrono::milliseconds>(*period_).count());
  ping(timers);
}

void ServiceNotify::ping(core::Timers& timers) {
  send("WATCHDOG=1");
  timers.start(std::chrono::duration_cast<core::Duration>(*period_),
               [this, &timers] { ping(timers); });
}

}  // namespace vto::app
