#include "api/local_api.h"

#include <nlohmann/json.hpp>

#include "store/rules.h"

namespace vto::api {
namespace {

using nlohmann::json;

constexpr const char* kKeys[] = {"local.vto_number", "local.system_type", "local.building",
                                 "local.unit"};

std::string* member(LocalBasic& b, std::string_view key) {
  if (key == "local.vto_number") return &b.vto_number;
  if (key == "local.system_type") return &b.system_type;
  if (key == "local.building") return &b.building;
  return &b.unit;
}

json to_json(const LocalBasic& b, const DeviceInfo& d, const std::string& mode) {
  return {{"vto_number", b.vto_number}, {"system_type", b.system_type},
          {"building", b.building},     {"unit", b.unit},
          {"model", d.model},           {"max_modules", d.max_modules},
          {"sip_server_mode", mode},    {"system_types", {"tcpip", "analogue"}}};
}

}  // namespace

Result<LocalBasic> load_local_basic(store::Settings& settings, const LocalBasic& defaults) {
  auto saved = settings.get_prefix("local.");
  if (!saved) return saved.error();
  LocalBasic out = defaults;
  std::map<std::string, std::string> missing;
  for (const char* key : kKeys) {
    auto it = saved->find(key);
    if (it != saved->end()) {
      *member(out, key) = it->second;
    } else {
      missing[key] = *member(out, key);
    }
  }
  if (!missing.empty()) {
    if (auto r = settings.set_many(missing); !r) return r.error();
  }
  return out;
}

std::optional<web::HttpResponse> check_local_basic(const LocalBasic& b, const DeviceInfo& device) {
  if (auto r = store::check_vto_number(b.vto_number); !r)
    return field_error("vto_number", "invalid", "1 to 5 digits");
  if (b.system_type != "tcpip" && b.system_type != "analogue")
    return field_error("system_type", "one_of", "tcpip or analogue");
  if (b.system_type == "analogue" && !device.analogue_bus)
    return field_error("system_type", "hardware",
                       "analogue needs an analogue bus, which this device's backend does not have");
  if (auto r = store::check_building_or_unit("building number", b.building); !r)
    return field_error("building", "invalid", "empty or 1 to 3 digits");
  if (auto r = store::check_building_or_unit("unit number", b.unit); !r)
    return field_error("unit", "invalid", "empty or 1 to 3 digits");
  return std::nullopt;
}

void add_local_routes(web::HttpServer& http, WebAuth& auth, store::Settings& settings,
                      DeviceInfo device, LocalBasic& current, SipModeName mode,
                      ApplyLocalBasic apply, NumberTaken number_taken) {
  http.route("GET", "/api/v1/settings/local",
             auth.guard(store::Role::Viewer,
                        [&current, device, mode](const web::HttpRequest&, const Principal&) {
                          web::HttpResponse r;
                          r.body = to_json(current, device, mode()).dump();
                          return r;
                        }));
  http.route("PUT", "/api/v1/settings/local",
             auth.guard(store::Role::Admin, [&, device, mode, apply, number_taken](
                                                const web::HttpRequest& req, const Principal& who) {
               auto parsed = object_body(req);
               if (!parsed) return error_response(parsed.error());
               const json& body = *parsed;
               LocalBasic next = current;
               for (const char* key : kKeys) {
                 const std::string name = std::string(key).substr(6);
                 auto it = body.find(name);
                 if (it == body.end() || it->is_null()) continue;
                 if (!it->is_string()) return field_error(name, "type", "must be text");
                 *member(next, key) = it->get<std::string>();
               }
               if (auto bad = check_local_basic(next, device)) return *bad;
               if (next.vto_number != current.vto_number && number_taken) {
                 if (auto why = number_taken(next.vto_number))
                   return field_error("vto_number", "unique", *why);
               }
               if (next == current) {  // nothing to save, apply or log
                 web::HttpResponse same;
                 same.body = to_json(current, device, mode()).dump();
                 return same;
               }
               std::map<std::string, std::string> values;
               for (const char* key : kKeys) values[key] = *member(next, key);
               if (auto r = settings.set_many(values); !r)
                 return web::json_error(500, r.error().message);
               LocalBasic before = current;
               current = next;
               if (apply) apply(before, next);
               std::string detail = "local basic:";
               for (const char* key : kKeys) {
                 if (*member(current, key) != *member(before, key))
                   detail += " " + std::string(key).substr(6) + "=" + *member(current, key);
               }
               auth.audit(who, "settings_changed", detail);
               web::HttpResponse r;
               r.body = to_json(current, device, mode()).dump();
               return r;
             }));
}

}  // namespace vto::api
