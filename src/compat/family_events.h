// The door's events as the device family's clients expect them: each DoorEvent becomes one
// or more family events (Code, action, index, data), the same on the HTTP event stream
// (eventManager.cgi) and on port 5000 (client.notifyEventStream). docs/api.md, "Compatible
// API", lists the codes; the rules come from the clients' own parsers:
// - every string in the data is printable ASCII without '"', '\', '\'', ';' or '=' (one
//   client reads the JSON out of Python's repr of the bytes, another splits the HTTP body
//   on ';' and '=' before it parses the JSON), so the JSON has no escapes at all;
// - calls: BackKeyLight pulses State 1 (ringing), 5 (answered), 6 (not answered) and 0
//   (idle again, so that a "doorbell pressed" sensor does not stay on), with Invite and
//   CallNoAnswered as Start/Stop pairs around the ring;
// - every Data has LocaleTime and UTC.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "station/door_events.h"

namespace vto::compat {

struct FamilyEvent {
  std::string code;    // "BackKeyLight", "DoorStatus", ...
  std::string action;  // "Start", "Stop" or "Pulse"
  int index = 0;
  nlohmann::json data = nlohmann::json::object();
};

// The codes this server can send (a client's codes=[...] filter is checked against them).
const std::set<std::string, std::less<>>& family_codes();

// `local_time` formats a unix ms time as the station's "YYYY-MM-DD HH:MM:SS".
std::vector<FamilyEvent> translate(const station::DoorEvent& event,
                                   const std::function<std::string(std::int64_t)>& local_time);

// A string as the clients can take it: printable ASCII, with '"', '\\', '\'', ';' and '='
// (and anything else) replaced by '_', at most 128 characters.
std::string safe_text(std::string_view text);
// Every string in `value` (keys too) through safe_text.
nlohmann::json safe_json(const nlohmann::json& value);

// "Code=X;action=Y;index=0;data={...}": the body of one multipart part.
std::string cgi_body(const FamilyEvent& event);
// {"Action":..., "Code":..., "Data":..., "Index":...}: one entry of an eventList.
nlohmann::json dhip_entry(const FamilyEvent& event);

// A client's codes filter: "[All]", "[A,B]", "All" or "A,B" (spaces ignored). Empty set:
// every code. Unknown codes are kept (they simply never match).
std::set<std::string, std::less<>> parse_codes(std::string_view text);
bool wanted(const std::set<std::string, std::less<>>& codes, std::string_view code);

// The station's local time, "YYYY-MM-DD HH:MM:SS" (the process's time zone).
std::string local_time_text(std::int64_t unix_ms);

}  // namespace vto::compat
