#include "boards/board_choice.h"

#include <fstream>
#include <sstream>
#include <string>

#include "api/auth/web_auth.h"
#include "boards/sim_routes.h"
#include "hal/linux/board_file.h"
#include "hal/linux/linux_board.h"
#include "hal/sim/sim_board.h"
#include "hal/sim/sim_panel.h"
#include "hal/sim/sim_panel_state.h"

namespace vto::boards {
namespace {

class SimChoice final : public ChosenBoard {
 public:
  SimChoice(core::Timers& timers, const hal::MediaDevices& media) : board_(timers, media) {}
  hal::Board& board() override { return board_; }

  void add_routes(const BoardApi& api) override {
    // The sim board built these modules: they are SimPanels.
    auto panel = [modules = api.modules]() -> hal::sim::SimPanel& {
      return static_cast<hal::sim::SimPanel&>(modules());
    };
    add_sim_routes(api.http, api.auth, panel, api.extra_state);
    add_sim_live(
        api.http, api.timers,
        [&auth = api.auth](const web::HttpRequest& req) {
          return auth.refusal(req, store::Role::Viewer);
        },
        [&auth = api.auth](const web::HttpRequest& req) { return auth.still_authorized(req); },
        [panel, extra = api.extra_state] {
          nlohmann::json state = hal::sim::to_json(panel().state());
          if (extra) extra(state);
          return state;
        });
  }

 private:
  hal::sim::SimBoard board_;
};

// A Linux board: its modules are real, so it has no routes of its own (no /api/v1/sim).
class LinuxChoice final : public ChosenBoard {
 public:
  explicit LinuxChoice(std::unique_ptr<hal::linux_board::LinuxBoard> board)
      : board_(std::move(board)) {}
  hal::Board& board() override { return *board_; }
  void add_routes(const BoardApi&) override {}

 private:
  std::unique_ptr<hal::linux_board::LinuxBoard> board_;
};

}  // namespace

Result<std::unique_ptr<ChosenBoard>> choose_board(std::string_view name,
                                                  boost::asio::io_context& io, core::Timers& timers,
                                                  const hal::MediaDevices& media,
                                                  bool lock_normally_closed) {
  if (name == "sim") {
    return std::unique_ptr<ChosenBoard>(std::make_unique<SimChoice>(timers, media));
  }
  const std::string path(name);
  std::ifstream in(path);
  if (!in) return make_error("board file " + path + ": cannot be read", 2);
  std::stringstream text;
  text << in.rdbuf();
  auto file = hal::linux_board::parse_board_file(text.str());
  if (!file) return make_error("board file " + path + ": " + file.error().message, 2);
  auto board =
      hal::linux_board::LinuxBoard::open(io, timers, std::move(*file), media, lock_normally_closed);
  if (!board) return make_error("board file " + path + ": " + board.error().message, 2);
  return std::unique_ptr<ChosenBoard>(std::make_unique<LinuxChoice>(std::move(*board)));
}

}  // namespace vto::boards
