// The station's date and time (System › Maintenance): its time zone, NTP, and the clock.
//   GET /api/v1/system/time (viewer)  the time, the zone, NTP's last check, and whether vtod
//       may set the clock (`--set-clock`)
//   PUT /api/v1/system/time (admin)   {"time_zone", "ntp", "ntp_servers", "time_ms"}
// The time zone is the station's own: the pages show every time in it (auth/status says it)
// and the Overview names it; records are kept in UTC. NTP is vtod's SNTP client; it sets the
// clock only with --set-clock, else it measures the offset and the page says so.
#include <filesystem>
#include <fstream>

#include "api/http_json.h"
#include "app/station.h"
#include "core/unix_clock.h"

namespace vto::app {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxServers = 4;
constexpr const char* kZoneInfo = "/usr/share/zoneinfo/";

// The system's time zone: $TZ, else /etc/timezone, else the /etc/localtime link's target.
std::string system_time_zone() {
  if (const char* tz = std::getenv("TZ"); tz != nullptr && *tz != '\0')
    return tz[0] == ':' ? tz + 1 : tz;
  std::ifstream in("/etc/timezone");
  std::string zone;
  if (in >> zone) return zone;
  std::error_code ec;
  const auto target = std::filesystem::read_symlink("/etc/localtime", ec).string();
  if (auto at = target.find("zoneinfo/"); !ec && at != std::string::npos)
    return target.substr(at + 9);
  return "UTC";
}

// An IANA zone name with a compiled zone file ("Europe/Berlin"), else why not.
Result<void> check_time_zone(const std::string& zone) {
  if (zone.empty() || zone.size() > 64 || zone.front() == '/' ||
      zone.find("..") != std::string::npos)
    return make_error("a time zone name like Europe/Berlin");
  for (const char c : zone) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) return make_error("a time zone name like Europe/Berlin");
  }
  std::ifstream in(std::string(kZoneInfo) + zone, std::ios::binary);
  char magic[4] = {};
  if (!in.read(magic, 4) || std::string_view(magic, 4) != "TZif")
    return make_error("no such time zone: " + zone);
  return {};
}

json setting_json(const TimeSetting& t) {
  return {{"time_zone", t.time_zone}, {"ntp", t.ntp}, {"ntp_servers", t.ntp_servers}};
}

}  // namespace

std::optional<TimeSetting> Station::saved_time_setting() const {
  auto saved = settings_->get("system.time");
  if (!saved || !*saved) return std::nullopt;
  const json j = json::parse(**saved, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  TimeSetting t;
  t.time_zone = j.value("time_zone", "");
  t.ntp = j.value("ntp", false);
  if (j.contains("ntp_servers") && j["ntp_servers"].is_array()) {
    t.ntp_servers.clear();
    for (const auto& s : j["ntp_servers"]) {
      if (s.is_string()) t.ntp_servers.push_back(s.get<std::string>());
    }
  }
  return t;
}

void Station::add_time_routes() {
  const auto load = [this] { return saved_time_setting().value_or(TimeSetting{}); };
  const auto apply = [this](const TimeSetting& t) {
    time_zone_ = t.time_zone.empty() ? system_time_zone() : t.time_zone;
    auth_->set_time_zone(time_zone_);
    sntp_->configure(t.ntp, t.ntp_servers);
  };
  const auto page = [this, load] {
    const TimeSetting t = load();
    const auto& st = sntp_->status();
    json ntp{{"enabled", st.enabled},
             {"state", st.state},
             {"server", st.server},
             {"error", st.error},
             {"clock", st.clock}};
    ntp["checked_ms"] = st.checked == std::chrono::system_clock::time_point{}
                            ? json(nullptr)
                            : json(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       st.checked.time_since_epoch())
                                       .count());
    if (st.sample) {
      ntp["offset_ms"] = static_cast<double>(st.sample->offset_ns / 1000) / 1000.0;
      ntp["delay_ms"] = static_cast<double>(st.sample->delay_ns / 1000) / 1000.0;
      ntp["stratum"] = st.sample->stratum;
    }
    json j = setting_json(t);
    j.update({{"time_ms", core::system_unix_ms()},
              {"zone", time_zone_},
              {"system_time_zone", system_time_zone()},
              {"can_set_clock", options_.set_clock},
              {"status", ntp}});
    return j;
  };
  sntp_ = std::make_unique<station::SntpClient>(io_, options_.set_clock);
  apply(load());

  http_->route(
      "GET", "/api/v1/system/time",
      auth_->guard(store::Role::Viewer, [page](const web::HttpRequest&, const api::Principal&) {
        return api::json_response(200, page());
      }));
  http_->route(
      "PUT", "/api/v1/system/time",
      auth_->guard(store::Role::Admin, [this, load, apply, page](const web::HttpRequest& req,
                                                                 const api::Principal& who) {
        auto body = api::object_body(req);
        if (!body) return api::error_response(body.error());
        TimeSetting t = load();
        if (auto it = body->find("time_zone"); it != body->end()) {
          if (!it->is_string()) return api::field_error("time_zone", "type", "must be text");
          t.time_zone = it->get<std::string>();
          if (!t.time_zone.empty()) {
            if (auto ok = check_time_zone(t.time_zone); !ok)
              return api::field_error("time_zone", "invalid", ok.error().message);
          }
        }
        if (auto it = body->find("ntp"); it != body->end()) {
          if (!it->is_boolean()) return api::field_error("ntp", "type", "true or false");
          t.ntp = it->get<bool>();
        }
        if (auto it = body->find("ntp_servers"); it != body->end()) {
          if (!it->is_array() || it->size() > kMaxServers)
            return api::field_error("ntp_servers", "count", "a list of at most 4 servers");
          t.ntp_servers.clear();
          for (const auto& s : *it) {
            if (!s.is_string()) return api::field_error("ntp_servers", "type", "must be text");
            const std::string server = s.get<std::string>();
            if (auto ok = station::check_ntp_server(server); !ok)
              return api::field_error("ntp_servers", "invalid", server + ": " + ok.error().message);
            t.ntp_servers.push_back(server);
          }
        }
        if (t.ntp && t.ntp_servers.empty())
          return api::field_error("ntp_servers", "required", "at least one server for NTP");
        // Setting the clock by hand: only where vtod may, and not while NTP keeps it.
        // The clock cannot be set here, now or at all: 409, beside the field.
        const auto refused = [](const std::string& rule, const std::string& why) {
          web::HttpResponse r = api::field_error("time_ms", rule, why);
          r.status = 409;
          return r;
        };
        std::optional<std::int64_t> set_to;
        if (auto it = body->find("time_ms"); it != body->end() && !it->is_null()) {
          if (!it->is_number_integer() || it->get<std::int64_t>() < 946684800000LL ||
              it->get<std::int64_t>() > 4102444800000LL)
            return api::field_error("time_ms", "range", "a time from 2000 to 2100");
          if (!options_.set_clock) {
            return refused("not_permitted",
                           "this station does not set the system clock: it is the system's "
                           "(start vtod with --set-clock on a board to let it)");
          }
          if (t.ntp) {
            return refused("ntp_on", "NTP keeps the clock: turn it off first");
          }
          set_to = it->get<std::int64_t>();
        }
        if (set_to) {
          if (auto ok = station::set_system_clock(*set_to); !ok) {
            return refused("clock", ok.error().message);
          }
          auth_->audit(who, "clock_set", "clock set to " + std::to_string(*set_to));
          log_->info("clock set by hand to {} ms", *set_to);
        }
        if (auto ok = settings_->set("system.time", setting_json(t).dump()); !ok)
          return api::error_response(ok.error());
        apply(t);
        auth_->audit(who, "settings_changed", "time: " + setting_json(t).dump());
        return api::json_response(200, page());
      }));
}

}  // namespace vto::app
