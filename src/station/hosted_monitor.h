// HostedMonitor: a simulated indoor monitor the station runs itself, so that a test call can
// be made from the web interface alone: `vth` (the software monitor, tools/vth) started as a
// child process, registered with the station's own SIP server as one extension of a room
// ("101#99"), and driven through its stdin (answer, hang up, the unlock code as SIP INFO)
// while its stdout's JSON events say what it does. One at a time; it goes with the station.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/streambuf.hpp>
#include <nlohmann/json.hpp>

#include "core/result.h"

namespace vto::station {

class HostedMonitor {
 public:
  // `vth` is the program's path.
  HostedMonitor(boost::asio::io_context& io, std::string vth);
  ~HostedMonitor();
  HostedMonitor(const HostedMonitor&) = delete;
  HostedMonitor& operator=(const HostedMonitor&) = delete;

  // Starts the monitor as `user` ("101#99") with the room's register password, registering
  // at `server` (127.0.0.1:PORT); one already running is stopped first.
  Result<void> start(const std::string& user, const std::string& password,
                     const std::string& server);
  void stop();

  // Commands: "answer", "hangup", "info DIGITS" (Errc::Conflict when not running or when
  // the call is not in the state the command needs).
  Result<void> answer();
  Result<void> hang_up();
  Result<void> send_digits(const std::string& digits);

  // {"running","user","registered","call":"idle|ringing|talking","from","media":{...},
  //  "error"}
  nlohmann::json state() const;

 private:
  void read_next();
  void on_event(const nlohmann::json& e);
  Result<void> write(const std::string& line);
  void reap();

  boost::asio::io_context& io_;
  std::string vth_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::unique_ptr<boost::asio::posix::stream_descriptor> out_;
  boost::asio::streambuf buffer_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // reads after stop() do nothing

  std::string user_;
  bool registered_ = false;
  std::string call_state_ = "idle";
  std::uint64_t call_ = 0;
  std::string from_;
  std::string error_;
  nlohmann::json media_ = nullptr;
};

}  // namespace vto::station
