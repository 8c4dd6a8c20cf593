// Local Setting > Basic in the API: the VTO No., the model,
// the system type and, when a platform is the SIP server, the building and unit numbers.
//   GET /api/v1/settings/local  -> {vto_number, system_type, building, unit, model,
//                                   max_modules, sip_server_mode, system_types}
//   PUT /api/v1/settings/local  <- {vto_number, system_type, building, unit} (admin)
// A change is checked whole, saved in one transaction, then applied live by `apply`.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "api/auth/web_auth.h"
#include "store/settings.h"

namespace vto::api {

struct LocalBasic {
  std::string vto_number;
  std::string system_type = "tcpip";  // "tcpip"; "analogue" needs a bus this build lacks
  std::string building, unit;         // empty or 1-3 digits
  bool operator==(const LocalBasic&) const = default;
};

struct DeviceInfo {
  std::string model;
  std::size_t max_modules = 9;  // modules added to the camera module
  bool analogue_bus = false;    // the backend has an analogue bus
  bool simulated = true;        // the simulated board: the virtual panel drives its modules
};

// The saved values (settings "local.*"); a value never saved comes from `defaults`
// (vtod's command line) and is saved now, so that the next start has it.
Result<LocalBasic> load_local_basic(store::Settings& settings, const LocalBasic& defaults);

// The rules of the page, as a field error naming the field; nothing when fine.
std::optional<web::HttpResponse> check_local_basic(const LocalBasic& basic,
                                                   const DeviceInfo& device);

using ApplyLocalBasic = std::function<void(const LocalBasic& before, const LocalBasic& after)>;
using SipModeName = std::function<std::string()>;  // "this", "vto" or "platform"

// `current` holds the values in force; it is updated before `apply` runs.
// `number_taken` says why a number cannot be this VTO's (a room's, another VTO's), or
// nothing when it is free.
using NumberTaken = std::function<std::optional<std::string>(const std::string& number)>;
void add_local_routes(web::HttpServer& http, WebAuth& auth, store::Settings& settings,
                      DeviceInfo device, LocalBasic& current, SipModeName mode,
                      ApplyLocalBasic apply, NumberTaken number_taken = {});

}  // namespace vto::api
