// The device family's HTTP API (/cgi-bin/*.cgi), as home automation and NVR clients use it:
// magicBox (facts, reboot), configManager (tables as key=value lines), accessControl (open
// and close the door), recordFinder (the call, unlock and alarm records), eventManager (a
// multipart stream of door events), devAudioOutput, and audio.cgi (G.711 streamed in a POST
// body to the door's speaker: the operator role, as opening the door). snapshot.cgi stays with the
// live view (api/live_api.h). docs/api.md, "Compatible API", lists every request and what it maps
// to.
//
// Authentication is HTTP digest with the web accounts (api::ViewerAuth::identify: MD5,
// qop="auth" or none, realm without commas), on the plain HTTP port and on HTTPS. A request
// without credentials gets a 401 that counts as nothing; a wrong answer counts as a failed
// login. Reading needs any role; opening or closing the door the operator role; reboot and
// setConfig the admin role. Refusals go to the audit log. An unsupported request is
// answered 400 ("Error" / "Bad Request!"), never 200 with an error text.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/auth/viewer_auth.h"
#include "compat/device_identity.h"
#include "compat/family_events.h"
#include "core/result.h"
#include "core/timers.h"
#include "web/http_server.h"

namespace vto::compat {

struct RecordQuery {
  std::size_t count = 100;                   // 1..1024
  std::optional<std::int64_t> from_s, to_s;  // unix seconds, both inclusive
};

struct CgiServices {
  std::function<DeviceIdentity()> identity;
  // A configuration table by name ("General", "Encode", ...); nullopt: unknown.
  std::function<std::optional<nlohmann::json>(std::string_view name)> config;
  // setConfig's key=value pairs ("Encode[0].MainFormat[0].Video.BitRate", "1536"); an error
  // (Errc::Invalid) names what cannot be set.
  std::function<Result<void>(const std::vector<std::pair<std::string, std::string>>& pairs,
                             const std::string& user)>
      set_config;
  // Open (or close) the door for `user`: empty when done, else why not.
  std::function<std::string(const std::string& user)> open_door;
  std::function<std::string(const std::string& user)> close_door;
  std::function<void(const std::string& user)> reboot;
  // recordFinder: the records of table `name` ("VideoTalkLog", "AccessControlCardRec",
  // "AlarmRecord"), newest first, each a flat object; nullopt: no such table.
  std::function<std::optional<std::vector<nlohmann::json>>(std::string_view name,
                                                           const RecordQuery& query)>
      find_records;
  // Whether RTSP two-way audio (the ONVIF backchannel) is offered.
  std::function<bool()> backchannel;
  // audio.cgi's talk: G.711 bytes (A-law, or µ-law when !alaw) of `talker` for the door's
  // speaker (false: dropped, somebody else has it), and the end of that talk. Any thread.
  std::function<bool(std::uint64_t talker, bool alaw, std::string_view bytes)> talk;
  std::function<void(std::uint64_t talker)> talk_end;
  std::function<void(const std::string& user, const std::string& address, const std::string& action,
                     const std::string& detail)>
      audit;
  // Whether the API is switched on (Network page); off: every request gets 404.
  std::function<bool()> enabled;
};

// A table as the family's lines: {"A": {"B": [1, 2]}} under prefix "table.X" gives
// "table.X.A.B[0]=1" and "table.X.A.B[1]=2".
void flatten(const nlohmann::json& value, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& lines);
// "key=value\r\n" lines.
std::string key_value_body(const std::vector<std::pair<std::string, std::string>>& lines);
// One part of the multipart event stream, framed with LF as the clients split it:
// "--myboundary\nContent-Type: text/plain\nContent-Length: N\n\nBODY\n\n".
std::string multipart_part(std::string_view body);

class CgiApi {
 public:
  static constexpr std::size_t kMaxStreams = 8;

  CgiApi(core::Timers& timers, api::ViewerAuth& auth, CgiServices services);
  ~CgiApi();
  CgiApi(const CgiApi&) = delete;
  CgiApi& operator=(const CgiApi&) = delete;

  // The routes on `server` (the HTTPS one and the plain HTTP one).
  void add_routes(web::HttpServer& server);
  // Pushes the events to every event stream that wants them.
  void publish(const std::vector<FamilyEvent>& events);
  std::size_t streams() const;
  // Closes every event stream (the API was switched off).
  void close_streams();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace vto::compat
