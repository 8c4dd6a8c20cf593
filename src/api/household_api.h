// Household Setting in the API: Room No. Management and
// VTO No. Management over store::Directory.
//   GET    /api/v1/rooms                 {"rooms": [{number, names, register_type, online}]}
//   POST   /api/v1/rooms                 one room (with its register password)
//   PUT    /api/v1/rooms/NUMBER          edit; a missing or empty password keeps the old one
//   DELETE /api/v1/rooms/NUMBER
//   POST   /api/v1/rooms/batch           floors x rooms per floor, all or none
//   DELETE /api/v1/rooms                 clear all
//   GET|POST /api/v1/vtos, PUT|DELETE /api/v1/vtos/NUMBER
// Passwords are write-only: never in an answer. Reading needs the viewer role, changing
// the admin role; every change is in the audit log. A rejected change names the field.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/auth/web_auth.h"
#include "store/directory.h"

namespace vto::api {

// A device registered under a room number ("101#0", "101#1"...), for the online status, and
// whether it registered over TLS.
struct OnlineDevice {
  std::string aor;
  bool tls = false;
};
using OnlineDevices = std::function<std::vector<OnlineDevice>(const std::string& number)>;

// What else uses room numbers: this VTO's own number (a room may not have it) and the
// facade's call buttons (a room on a button may not be deleted: the message says which).
struct RoomUsers {
  std::function<std::string()> own_vto_number;
  std::function<std::optional<std::string>(const std::string& number)> in_use;
};

void add_household_routes(web::HttpServer& http, WebAuth& auth, store::Directory& directory,
                          OnlineDevices online, RoomUsers users = {});

// A store error (Errc::Invalid "FIELD "VALUE": RULE") as an API answer: a field error naming the
// JSON field when the store's field is known, else the status of its code.
web::HttpResponse store_error_response(const Error& error);

}  // namespace vto::api
