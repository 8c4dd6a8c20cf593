#include "boards/board_choice.h"

#include <string>

#include "api/auth/web_auth.h"
#include "boards/sim_routes.h"
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

}  // namespace

Result<std::unique_ptr<ChosenBoard>> choose_board(std::string_view name, core::Timers& timers,
                                                  const hal::MediaDevices& media) {
  if (name == "sim") {
    return std::unique_ptr<ChosenBoard>(std::make_unique<SimChoice>(timers, media));
  }
  return make_error("no board named \"" + std::string(name) + "\" (known: sim)", 2);
}

}  // namespace vto::boards
