// The VTO's own calls and the SIP side's state in the API:
//   GET    /api/v1/health                       (anyone) up, mode, registered
//   GET    /api/v1/registrations[?aor=PREFIX]   (viewer) the devices registered here
//   POST   /api/v1/calls {"to": NUMBER}         (operator) the VTO calls a room or device
//   DELETE /api/v1/calls/{id}                   (operator) hangs a call up
//   GET    /api/v1/calls/events                 (viewer) the user agent's last 100 events
#pragma once

#include <deque>
#include <functional>
#include <nlohmann/json.hpp>

#include "api/auth/route_guard.h"
#include "core/timers.h"
#include "sip/registrar/location_store.h"
#include "sip/ua/user_agent.h"

namespace vto::api {

nlohmann::json event_json(const sip::UaEvent& e);

// The user agent's recent events, newest last, at most 100.
class CallEvents {
 public:
  static constexpr std::size_t kKept = 100;
  void add(nlohmann::json event);
  nlohmann::json list() const;

 private:
  std::deque<nlohmann::json> events_;
};

struct SipStatusNow {
  std::string mode;  // "sip-server" when this VTO serves, else the setting's mode
  bool registered = false;
};

void add_call_routes(web::HttpServer& http, const Guard& guard, sip::UserAgent& ua,
                     const sip::MemoryLocationStore& locations, const core::Timers& timers,
                     const CallEvents& events, std::function<SipStatusNow()> status);

}  // namespace vto::api
