// The JSON API of the simulated modules (the "virtual panel"): press keys, hold a card
// to the reader, lay a finger on the sensor, open the door, detach the device, and read the panel's
// lock, lights and display.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>

#include "api/auth/route_guard.h"
#include "core/timers.h"

namespace vto::hal::sim {
class SimPanel;
}

namespace vto::api {
class WebAuth;
}

namespace vto::boards {

// Registers POST /api/v1/sim/press {"key"}, POST /api/v1/sim/card {"number"},
// POST /api/v1/sim/finger {"finger"} or {"new":true}, POST /api/v1/sim/door {"open"},
// POST /api/v1/sim/tamper {"detached"} and GET /api/v1/sim/state. `extra_state` adds
// fields to the state (e.g. the door panel's state machine), may be empty. Reading needs
// the viewer role, pressing and opening the operator role; every input is in the audit log
// (the exit button opens the door). vtod offers these only on simulated modules.
// `panel` gives the simulated modules in use (they change with the facade).
void add_sim_routes(web::HttpServer& http, api::WebAuth& auth,
                    std::function<hal::sim::SimPanel&()> panel,
                    std::function<void(nlohmann::json&)> extra_state);

// GET /api/v1/sim/live: a WebSocket on which the same state as GET /api/v1/sim/state is
// pushed at once and then whenever it changes (checked every 100 ms while anyone listens).
// `accept` refuses an upgrade (authentication) with a response; `still_allowed` is asked
// again every second with the upgrade request, and the socket is closed when its session
// has ended (logout, idle timeout, a removed account or revoked token).
void add_sim_live(web::HttpServer& http, core::Timers& timers,
                  std::function<std::optional<web::HttpResponse>(const web::HttpRequest&)> accept,
                  std::function<bool(const web::HttpRequest&)> still_allowed,
                  std::function<nlohmann::json()> state);

}  // namespace vto::boards
