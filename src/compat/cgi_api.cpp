#include "compat/cgi_api.h"

#include "compat/cgi_query.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include "core/log.h"
#include "web/query.h"

namespace vto::compat {

using nlohmann::json;
using web::HttpRequest;
using web::HttpResponse;

namespace {

constexpr const char* kBoundary = "myboundary";

HttpResponse text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain;charset=utf-8";
  r.body = std::move(body);
  return r;
}

HttpResponse bad_request() {
  return text(400, "Error\r\nBad Request!\r\n");
}
HttpResponse ok_reply() {
  return text(200, "OK\r\n");
}

std::string param(const HttpRequest& req, std::string_view name) {
  auto v = web::query_param(req.query, name);
  return v && *v ? **v : std::string();
}

std::string value_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_null()) return "";
  return v.dump();
}

bool at_least(store::Role role, store::Role least) {
  return static_cast<int>(role) <= static_cast<int>(least);
}

}  // namespace

void flatten(const json& value, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& lines) {
  if (value.is_object()) {
    for (const auto& [k, v] : value.items()) flatten(v, prefix + "." + k, lines);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i)
      flatten(value[i], prefix + "[" + std::to_string(i) + "]", lines);
  } else {
    lines.emplace_back(prefix, value_text(value));
  }
}

std::string key_value_body(const std::vector<std::pair<std::string, std::string>>& lines) {
  std::string body;
  for (const auto& [k, v] : lines) body += k + "=" + v + "\r\n";
  return body;
}

std::string multipart_part(std::string_view body) {
  return "--" + std::string(kBoundary) +
         "\nContent-Type: text/plain\nContent-Length: " + std::to_string(body.size()) + "\n\n" +
         std::string(body) + "\n\n";
}

struct CgiApi::State : std::enable_shared_from_this<CgiApi::State> {
  State(core::Timers& t, api::ViewerAuth& a, CgiServices s)
      : timers(t), auth(a), services(std::move(s)) {}

  struct Listener {
    std::set<std::string, std::less<>> codes;
    std::optional<core::Timers::Id> heartbeat;
    std::chrono::seconds every{0};
  };

  core::Timers& timers;
  api::ViewerAuth& auth;
  CgiServices services;
  std::map<std::shared_ptr<web::StreamPeer>, Listener> listeners;
  std::shared_ptr<spdlog::logger> log = core::logger("cgi");
  std::uint64_t talkers = 0;

  bool on() const { return !services.enabled || services.enabled(); }

  void audit(const std::string& user, const std::string& address, const std::string& action,
             const std::string& detail) const {
    if (services.audit) services.audit(user, address, action, detail);
  }

  // The caller, or the response refusing it.
  std::variant<api::ViewerVerdict, HttpResponse> who(const HttpRequest& req) {
    if (!on()) return text(404, "Error\r\nNot Found!\r\n");
    const api::ViewerVerdict v =
        auth.identify(req.method, req.header("authorization"), req.remote_ip);
    if (v.kind == api::ViewerVerdict::Kind::Ok) return v;
    HttpResponse r = text(401, "Error\r\nInvalid Authority!\r\n");
    const auto challenges = auth.challenges(v.kind == api::ViewerVerdict::Kind::Stale);
    if (!challenges.empty()) r.headers["WWW-Authenticate"] = challenges.front();
    return r;
  }

  HttpResponse refuse(const api::ViewerVerdict& v, const HttpRequest& req,
                      const std::string& what) {
    audit(v.user, req.remote_ip, "cgi_refused",
          what + " needs a higher role than " + std::string(store::role_name(v.role)));
    return text(403, "Error\r\nNo Authority!\r\n");
  }

  DeviceIdentity identity() const {
    return services.identity ? services.identity() : DeviceIdentity{};
  }

  HttpResponse magic_box(const HttpRequest& req, const api::ViewerVerdict& v) {
    const std::string action = param(req, "action");
    const DeviceIdentity me = identity();
    std::vector<std::pair<std::string, std::string>> lines;
    if (action == "getSystemInfo") {
      lines = {{"deviceType", me.device_type},
               {"hardwareVersion", me.hardware_version},
               {"processor", me.processor},
               {"serialNumber", me.serial},
               {"updateSerial", me.device_type}};
    } else if (action == "getMachineName") {
      lines = {{"name", me.machine_name}};
    } else if (action == "getSoftwareVersion") {
      lines = {{"version", me.version + ",build:" + me.build_date}};
    } else if (action == "getDeviceType") {
      lines = {{"type", me.device_type}};
    } else if (action == "getVendor") {
      lines = {{"vendor", me.vendor}};
    } else if (action == "getSerialNo") {
      lines = {{"sn", me.serial}};
    } else if (action == "getHardwareVersion") {
      lines = {{"version", me.hardware_version}};
    } else if (action == "getProductDefinition") {
      if (param(req, "name") != "MaxExtraStream") return bad_request();
      lines = {{"table.MaxExtraStream", "1"}};
    } else if (action == "reboot") {
      if (!at_least(v.role, store::Role::Admin)) return refuse(v, req, "magicBox reboot");
      if (services.reboot) services.reboot(v.user);
      return ok_reply();
    } else {
      return bad_request();
    }
    return text(200, key_value_body(lines));
  }

  HttpResponse config_manager(const HttpRequest& req, const api::ViewerVerdict& v) {
    const std::string action = param(req, "action");
    if (action == "getConfig") {
      const std::string name = param(req, "name");
      const std::string base = name.substr(0, name.find_first_of(".["));
      if (base.empty()) return bad_request();
      auto table = services.config ? services.config(base) : std::nullopt;
      if (!table) return bad_request();
      std::vector<std::pair<std::string, std::string>> all, lines;
      flatten(*table, "table." + base, all);
      const std::string want = "table." + name;
      for (auto& [k, value] : all) {
        if (k == want || (k.starts_with(want) && (k[want.size()] == '.' || k[want.size()] == '[')))
          lines.emplace_back(std::move(k), std::move(value));
      }
      if (lines.empty()) return bad_request();
      return text(200, key_value_body(lines));
    }
    if (action == "setConfig") {
      if (!at_least(v.role, store::Role::Admin)) return refuse(v, req, "configManager setConfig");
      const auto pairs = cgi_pairs(req.query);
      if (pairs.empty() || !services.set_config) return bad_request();
      if (auto r = services.set_config(pairs, v.user); !r) {
        log->info("setConfig from {} refused: {}", req.remote_ip, r.error().message);
        return bad_request();
      }
      return ok_reply();
    }
    return bad_request();
  }

  HttpResponse access_control(const HttpRequest& req, const api::ViewerVerdict& v) {
    const std::string action = param(req, "action");
    if (action != "openDoor" && action != "closeDoor") return bad_request();
    const std::string channel = param(req, "channel");
    if (!channel.empty() && channel != "1") return bad_request();
    if (!at_least(v.role, store::Role::Operator)) return refuse(v, req, "accessControl " + action);
    const auto& fn = action == "openDoor" ? services.open_door : services.close_door;
    const std::string why = fn ? fn(v.user) : "no door";
    if (!why.empty()) return text(409, "Error\r\n" + why + "\r\n");
    return ok_reply();
  }

  HttpResponse record_finder(const HttpRequest& req) {
    if (param(req, "action") != "find") return bad_request();
    RecordQuery q;
    const std::string count = param(req, "count");
    if (!count.empty()) {
      try {
        q.count = std::clamp<std::size_t>(std::stoul(count), 1, 1024);
      } catch (const std::exception&) {
        return bad_request();
      }
    }
    for (const auto& [k, value] : cgi_pairs(req.query)) {
      if (k == "StartTime" || k == "condition.StartTime") q.from_s = cgi_time(value);
      if (k == "EndTime" || k == "condition.EndTime") q.to_s = cgi_time(value);
    }
    auto found =
        services.find_records ? services.find_records(param(req, "name"), q) : std::nullopt;
    if (!found) return bad_request();
    std::vector<std::pair<std::string, std::string>> lines;
    lines.emplace_back("found", std::to_string(found->size()));
    for (std::size_t i = 0; i < found->size(); ++i)
      flatten((*found)[i], "records[" + std::to_string(i) + "]", lines);
    return text(200, key_value_body(lines));
  }

  HttpResponse dev_audio(const HttpRequest& req) {
    if (param(req, "action") != "getCollect") return bad_request();
    const bool on = services.backchannel && services.backchannel();
    return text(200, on ? "result=1\r\n" : "result=0\r\n");
  }

  // POST audio.cgi?action=postAudio&httptype=singlepart&channel=1, Content-Type Audio/G.711A
  // (or G.711Mu), the body streamed for as long as the talk lasts (Content-Length: 9999999).
  std::variant<HttpResponse, std::shared_ptr<web::BodySink>> accept_audio(const HttpRequest& req) {
    auto caller = who(req);
    if (auto* refused = std::get_if<HttpResponse>(&caller)) return *refused;
    const auto& v = std::get<api::ViewerVerdict>(caller);
    if (param(req, "action") != "postAudio") return bad_request();
    const std::string channel = param(req, "channel");
    if (!channel.empty() && channel != "1") return bad_request();
    std::string type = req.content_type;
    for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool alaw = type.starts_with("audio/g.711a");
    if (!alaw && !type.starts_with("audio/g.711mu") && !type.starts_with("audio/g.711u"))
      return text(415, "Error\r\nOnly G.711A or G.711Mu audio is supported!\r\n");
    if (!at_least(v.role, store::Role::Operator)) return refuse(v, req, "audio.cgi postAudio");
    if (!services.talk) return bad_request();
    struct Sink final : web::BodySink {
      std::weak_ptr<State> state;
      std::uint64_t talker = 0;
      bool alaw = true;
      std::uint64_t bytes = 0, dropped = 0;
      void data(std::string_view piece) override {
        auto s = state.lock();
        if (!s) return;
        bytes += piece.size();
        if (!s->services.talk(talker, alaw, piece)) dropped += piece.size();
      }
      HttpResponse end(bool) override {
        if (auto s = state.lock()) {
          if (s->services.talk_end) s->services.talk_end(talker);
          s->log->info("audio.cgi: talk ended, {} bytes ({} not played: the speaker was busy)",
                       bytes, dropped);
        }
        return ok_reply();
      }
    };
    auto sink = std::make_shared<Sink>();
    sink->state = weak_from_this();
    sink->talker = (1ULL << 63) | ++talkers;
    sink->alaw = alaw;
    log->info("audio.cgi: {} from {} talks to the door", v.user, req.remote_ip);
    return std::shared_ptr<web::BodySink>(sink);
  }

  std::variant<HttpResponse, web::StreamStart> accept_events(const HttpRequest& req) {
    auto caller = who(req);
    if (auto* refused = std::get_if<HttpResponse>(&caller)) return *refused;
    if (param(req, "action") != "attach") return bad_request();
    if (listeners.size() >= kMaxStreams) {
      log->warn("event stream from {} refused: {} streams open", req.remote_ip, kMaxStreams);
      return text(503, "Error\r\nToo many event streams!\r\n");
    }
    const std::string heartbeat = param(req, "heartbeat");
    if (!heartbeat.empty() &&
        (heartbeat.size() > 4 || heartbeat.find_first_not_of("0123456789") != std::string::npos))
      return bad_request();
    return web::StreamStart{"multipart/x-mixed-replace; boundary=" + std::string(kBoundary), {}};
  }

  void open_events(const std::shared_ptr<web::StreamPeer>& peer, const HttpRequest& req) {
    Listener l;
    l.codes = parse_codes(param(req, "codes"));
    const std::string heartbeat = param(req, "heartbeat");
    if (!heartbeat.empty())
      l.every = std::chrono::seconds(std::clamp(std::stoi(heartbeat), 1, 300));
    listeners[peer] = l;
    log->info("event stream opened for {}", req.remote_ip);
    if (l.every.count() > 0) beat(peer);
  }

  void beat(const std::shared_ptr<web::StreamPeer>& peer) {
    auto it = listeners.find(peer);
    if (it == listeners.end()) return;
    it->second.heartbeat =
        timers.start(it->second.every, [weak = weak_from_this(), p = std::weak_ptr(peer)] {
          auto self = weak.lock();
          auto open = p.lock();
          if (!self || !open) return;
          auto found = self->listeners.find(open);
          if (found == self->listeners.end()) return;
          found->second.heartbeat.reset();
          open->send(multipart_part("Heartbeat"));
          self->beat(open);
        });
  }

  void closed(const std::shared_ptr<web::StreamPeer>& peer) {
    auto it = listeners.find(peer);
    if (it == listeners.end()) return;
    if (it->second.heartbeat) timers.cancel(*it->second.heartbeat);
    listeners.erase(it);
  }
};

CgiApi::CgiApi(core::Timers& timers, api::ViewerAuth& auth, CgiServices services)
    : state_(std::make_shared<State>(timers, auth, std::move(services))) {}

CgiApi::~CgiApi() {
  close_streams();
}

void CgiApi::add_routes(web::HttpServer& server) {
  using Member = std::function<HttpResponse(State&, const HttpRequest&, const api::ViewerVerdict&)>;
  const auto route = [&](const std::string& path, Member member) {
    server.route("GET", path, [s = std::weak_ptr(state_), member](const HttpRequest& req) {
      auto state = s.lock();
      if (!state) return text(503, "Error\r\n");
      auto caller = state->who(req);
      if (auto* refused = std::get_if<HttpResponse>(&caller)) return *refused;
      return member(*state, req, std::get<api::ViewerVerdict>(caller));
    });
  };
  route("/cgi-bin/magicBox.cgi", &State::magic_box);
  route("/cgi-bin/configManager.cgi", &State::config_manager);
  route("/cgi-bin/accessControl.cgi", &State::access_control);
  route("/cgi-bin/recordFinder.cgi",
        [](State& s, const HttpRequest& req, const api::ViewerVerdict&) {
          return s.record_finder(req);
        });
  route("/cgi-bin/devAudioOutput.cgi", [](State& s, const HttpRequest& req,
                                          const api::ViewerVerdict&) { return s.dev_audio(req); });
  web::StreamRoute events;
  events.accept = [s = std::weak_ptr(state_)](
                      const HttpRequest& req) -> std::variant<HttpResponse, web::StreamStart> {
    auto state = s.lock();
    if (!state) return text(503, "Error\r\n");
    return state->accept_events(req);
  };
  events.on_open = [s = std::weak_ptr(state_)](const std::shared_ptr<web::StreamPeer>& peer,
                                               const HttpRequest& req) {
    if (auto state = s.lock()) state->open_events(peer, req);
  };
  events.on_close = [s = std::weak_ptr(state_)](const std::shared_ptr<web::StreamPeer>& peer) {
    if (auto state = s.lock()) state->closed(peer);
  };
  server.stream("GET", "/cgi-bin/eventManager.cgi", std::move(events));
  web::BodyStreamRoute audio;
  audio.accept =
      [s = std::weak_ptr(state_)](
          const HttpRequest& req) -> std::variant<HttpResponse, std::shared_ptr<web::BodySink>> {
    auto state = s.lock();
    if (!state) return text(503, "Error\r\n");
    return state->accept_audio(req);
  };
  audio.idle = std::chrono::seconds(5);
  server.body_stream("POST", "/cgi-bin/audio.cgi", std::move(audio));
  // Any other /cgi-bin/ path: 404 on both ports (not a redirect to HTTPS, which these clients
  // would take as the device failing).
  for (const char* method : {"GET", "POST", "PUT"}) {
    server.route(method, "/cgi-bin/*",
                 [](const HttpRequest&) { return text(404, "Error\r\nNot Found!\r\n"); });
  }
}

void CgiApi::publish(const std::vector<FamilyEvent>& events) {
  const auto listeners = state_->listeners;  // a send may close a stream
  for (const auto& [peer, l] : listeners) {
    for (const FamilyEvent& e : events)
      if (wanted(l.codes, e.code)) peer->send(multipart_part(cgi_body(e)));
  }
}

std::size_t CgiApi::streams() const {
  return state_->listeners.size();
}

void CgiApi::close_streams() {
  const auto listeners = state_->listeners;
  for (const auto& [peer, l] : listeners) peer->close();
}

}  // namespace vto::compat
