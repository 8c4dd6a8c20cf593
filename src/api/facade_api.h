// The facade in the API: the modules under the camera module,
// top to bottom then left to right, and the room (or the centre, 888888) each call button
// calls.
//   GET /api/v1/facade -> {model, max_modules, kinds, modules: [{kind, buttons}],
//                          buttons: ["101", ...], button_map: [{button, module, target}],
//                          presence: [...]}
//   PUT /api/v1/facade <- {modules: [{kind, buttons}], buttons: ["101", "", "888888", ...]}
// The camera module is implied (always first, never listed). A change is checked whole
// (count, kinds, singletons, 1/2/5 buttons, targets that exist), saved, then applied live.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/local_api.h"
#include "hal/module_bus.h"
#include "store/settings.h"

namespace vto::api {

struct FacadeModule {
  hal::ModuleKind kind = hal::ModuleKind::Blank;
  std::size_t buttons = 0;  // button modules: 1, 2 or 5
  bool operator==(const FacadeModule&) const = default;
};

struct Facade {
  std::vector<FacadeModule> modules;  // after the camera module
  std::vector<std::string> buttons;   // target of each call button, "" when unmapped
  bool operator==(const Facade&) const = default;

  std::size_t button_count() const;
};

// Whether a room number exists (for the button targets).
using RoomExists = std::function<bool(const std::string& number)>;

// The first broken rule as {field, message}: "modules[2].kind", "buttons[0]"...
struct FacadeError {
  std::string field;
  std::string message;
};
std::optional<FacadeError> check_facade(const Facade& facade, const DeviceInfo& device,
                                        const RoomExists& room_exists);

Result<Facade> facade_from_json(const nlohmann::json& j);  // shape only; Errc::Invalid naming it
nlohmann::json facade_to_json(const Facade& facade);

// The saved facade ("facade.layout"), or `defaults` (saved now) when there is none.
Result<Facade> load_facade(store::Settings& settings, const Facade& defaults);

// Applies a checked facade to the running panel; an error (e.g. 409, a call in progress)
// leaves the saved and running facade as they were.
using ApplyFacade = std::function<Result<void>(const Facade& facade)>;
using FacadePresence = std::function<nlohmann::json()>;

void add_facade_routes(web::HttpServer& http, WebAuth& auth, store::Settings& settings,
                       DeviceInfo device, Facade& current, RoomExists room_exists,
                       FacadePresence presence, ApplyFacade apply);

}  // namespace vto::api
