// How an API module's routes are protected, without the module knowing how: it hands each
// handler and the least role it needs to a Guard, and registers what comes back. vtod's
// guard is WebAuth's; unit tests of a module may use open_routes().
#pragma once

#include <functional>

#include "store/users.h"
#include "web/http_server.h"

namespace vto::api {

using Guard = std::function<web::HttpServer::Handler(store::Role, web::HttpServer::Handler)>;

// Every route open to anyone: for unit tests of the routes themselves.
inline Guard open_routes() {
  return [](store::Role, web::HttpServer::Handler h) { return h; };
}

}  // namespace vto::api
