// The one place where vtod's board is chosen by name, with the web routes that come with
// it (the simulated board's virtual panel, /api/v1/sim/*, exists only on that board).
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/result.h"
#include "core/timers.h"
#include "hal/board.h"

namespace vto::web {
class HttpServer;
}
namespace vto::api {
class WebAuth;
}

namespace vto::boards {

// What a board's own routes may use.
struct BoardApi {
  web::HttpServer& http;
  api::WebAuth& auth;
  core::Timers& timers;
  std::function<hal::DoorModules&()> modules;        // those in use: they change with the facade
  std::function<void(nlohmann::json&)> extra_state;  // the panel's state, tones, audio
};

class ChosenBoard {
 public:
  virtual ~ChosenBoard() = default;
  virtual hal::Board& board() = 0;
  virtual void add_routes(const BoardApi& api) = 0;
};

// "sim": the simulated board, with the camera, microphone and speaker `media` names; any
// other name is a board file (hal/linux/board_file.h): the Linux board it describes, its
// lock driven locked at once (the line on when `lock_normally_closed`). Refused, naming the key or
// the part, for a board file that is wrong or hardware that is not there.
Result<std::unique_ptr<ChosenBoard>> choose_board(std::string_view name,
                                                  boost::asio::io_context& io, core::Timers& timers,
                                                  const hal::MediaDevices& media,
                                                  bool lock_normally_closed);

}  // namespace vto::boards
