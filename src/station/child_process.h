// A program run by the station (the board's `ip`), watched by the core's io_context: the
// core thread never waits for it. No shell, an empty environment, stdin from /dev/null,
// stdout and stderr captured (the first 4 KiB).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/timers.h"

namespace boost::asio {
class io_context;
}

namespace vto::station {

// The exit status (128 when a signal ended it) and what it printed, trailing blanks cut.
using ChildOutcome = std::pair<int, std::string>;

// argv as one line, for messages ("ip -4 addr flush dev eth0").
std::string command_line(const std::vector<std::string>& argv);

// Starts argv[0] (a path) with argv; `done` runs on the io_context with the outcome, or an
// error when the program could not be started or ran past `limit` (it is then killed).
void run_child(boost::asio::io_context& io, std::vector<std::string> argv, core::Duration limit,
               std::function<void(Result<ChildOutcome>)> done);

}  // namespace vto::station
