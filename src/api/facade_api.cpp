#include "api/facade_api.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "store/rules.h"

namespace vto::api {
namespace {

using hal::ModuleKind;
using nlohmann::json;

constexpr const char* kLayoutKey = "facade.layout";
constexpr ModuleKind kAddable[] = {
    ModuleKind::Indicators, ModuleKind::Audio,       ModuleKind::Buttons, ModuleKind::Keypad,
    ModuleKind::CardReader, ModuleKind::Fingerprint, ModuleKind::Display, ModuleKind::Blank};
// One of each at most (the display and lights are single by nature).
constexpr ModuleKind kSingles[] = {ModuleKind::Keypad, ModuleKind::CardReader,
                                   ModuleKind::Fingerprint, ModuleKind::Display,
                                   ModuleKind::Indicators};

Error invalid(const std::string& field, const std::string& message) {
  return make_error(field + ": " + message, Errc::Invalid);
}

json describe(const Facade& f, const DeviceInfo& device, const json& presence) {
  json j = facade_to_json(f);
  json kinds = json::array();
  for (ModuleKind k : kAddable) kinds.push_back(hal::module_kind_name(k));
  j["kinds"] = kinds;
  j["model"] = device.model;
  j["simulated"] = device.simulated;
  j["max_modules"] = device.max_modules;
  j["presence"] = presence;
  // Which module each call button is on (1-based positions, the camera module being 0).
  json buttons = json::array();
  std::size_t index = 0;
  for (std::size_t m = 0; m < f.modules.size(); ++m) {
    for (std::size_t b = 0; b < f.modules[m].buttons; ++b, ++index) {
      buttons.push_back({{"button", index + 1},
                         {"module", m + 1},
                         {"target", index < f.buttons.size() ? f.buttons[index] : ""}});
    }
  }
  j["button_map"] = buttons;
  return j;
}

}  // namespace

std::size_t Facade::button_count() const {
  std::size_t n = 0;
  for (const auto& m : modules) n += m.kind == ModuleKind::Buttons ? m.buttons : 0;
  return n;
}

std::optional<FacadeError> check_facade(const Facade& f, const DeviceInfo& device,
                                        const RoomExists& room_exists) {
  if (f.modules.size() > device.max_modules) {
    return FacadeError{"modules", "at most " + std::to_string(device.max_modules) +
                                      " modules besides the camera module on this model"};
  }
  for (std::size_t i = 0; i < f.modules.size(); ++i) {
    const auto& m = f.modules[i];
    const std::string field = "modules[" + std::to_string(i) + "]";
    if (std::find(std::begin(kAddable), std::end(kAddable), m.kind) == std::end(kAddable))
      return FacadeError{field + ".kind", "the camera module is always first and is not added"};
    if (m.kind == ModuleKind::Buttons && m.buttons != 1 && m.buttons != 2 && m.buttons != 5)
      return FacadeError{field + ".buttons", "a button module has 1, 2 or 5 buttons"};
    if (m.kind != ModuleKind::Buttons && m.buttons != 0)
      return FacadeError{field + ".buttons", "only button modules have call buttons"};
  }
  for (ModuleKind single : kSingles) {
    if (std::count_if(f.modules.begin(), f.modules.end(),
                      [single](const FacadeModule& m) { return m.kind == single; }) > 1) {
      return FacadeError{"modules",
                         "at most one " + std::string(hal::module_kind_name(single)) + " module"};
    }
  }
  if (f.buttons.size() > f.button_count()) {
    return FacadeError{"buttons", std::to_string(f.buttons.size()) + " targets for " +
                                      std::to_string(f.button_count()) + " call buttons"};
  }
  for (std::size_t i = 0; i < f.buttons.size(); ++i) {
    const std::string& t = f.buttons[i];
    const std::string field = "buttons[" + std::to_string(i) + "]";
    if (t.empty() || t == store::kCentreNumber) continue;
    if (!store::check_room_number(t)) return FacadeError{field, "not a room number"};
    if (room_exists && !room_exists(t))
      return FacadeError{field, "room " + t + " does not exist (add it in Room No. Management)"};
  }
  return std::nullopt;
}

Result<Facade> facade_from_json(const json& j) {
  if (!j.is_object()) return invalid("facade", "must be a JSON object");
  Facade f;
  auto modules = j.find("modules");
  if (modules == j.end() || !modules->is_array()) return invalid("modules", "must be a list");
  if (modules->size() > 64) return invalid("modules", "too many");
  for (std::size_t i = 0; i < modules->size(); ++i) {
    const json& m = (*modules)[i];
    const std::string field = "modules[" + std::to_string(i) + "]";
    if (!m.is_object() || !m.contains("kind") || !m["kind"].is_string())
      return invalid(field + ".kind", "required");
    auto kind = hal::module_kind_from_name(m["kind"].get<std::string>());
    if (!kind) return invalid(field + ".kind", "unknown module kind");
    FacadeModule fm{*kind, 0};
    if (m.contains("buttons") && !m["buttons"].is_null()) {
      if (!m["buttons"].is_number_unsigned()) return invalid(field + ".buttons", "a whole number");
      fm.buttons = m["buttons"].get<std::size_t>();
    }
    f.modules.push_back(fm);
  }
  auto buttons = j.find("buttons");
  if (buttons != j.end() && !buttons->is_null()) {
    if (!buttons->is_array()) return invalid("buttons", "must be a list");
    if (buttons->size() > 64) return invalid("buttons", "too many");
    for (std::size_t i = 0; i < buttons->size(); ++i) {
      if (!(*buttons)[i].is_string())
        return invalid("buttons[" + std::to_string(i) + "]", "must be text");
      f.buttons.push_back((*buttons)[i].get<std::string>());
    }
  }
  return f;
}

json facade_to_json(const Facade& f) {
  json modules = json::array();
  for (const auto& m : f.modules) {
    json jm{{"kind", hal::module_kind_name(m.kind)}};
    if (m.kind == ModuleKind::Buttons) jm["buttons"] = m.buttons;
    modules.push_back(std::move(jm));
  }
  return {{"modules", modules}, {"buttons", f.buttons}};
}

Result<Facade> load_facade(store::Settings& settings, const Facade& defaults) {
  auto saved = settings.get(kLayoutKey);
  if (!saved) return saved.error();
  if (!*saved) {
    if (auto r = settings.set(kLayoutKey, facade_to_json(defaults).dump()); !r) return r.error();
    return defaults;
  }
  auto j = json::parse(**saved, nullptr, false);
  if (j.is_discarded()) return make_error("setting facade.layout: not JSON", Errc::Invalid);
  return facade_from_json(j);
}

void add_facade_routes(web::HttpServer& http, WebAuth& auth, store::Settings& settings,
                       DeviceInfo device, Facade& current, RoomExists room_exists,
                       FacadePresence presence, ApplyFacade apply) {
  http.route("GET", "/api/v1/facade",
             auth.guard(store::Role::Viewer, [&current, device, presence](const web::HttpRequest&,
                                                                          const Principal&) {
               web::HttpResponse r;
               r.body = describe(current, device, presence ? presence() : json::array()).dump();
               return r;
             }));
  http.route("PUT", "/api/v1/facade",
             auth.guard(store::Role::Admin, [&, device, room_exists, presence, apply](
                                                const web::HttpRequest& req, const Principal& who) {
               if (!req.content_type.starts_with("application/json"))
                 return web::json_error(415,
                                        "the body must be JSON (Content-Type: application/json)");
               auto body = json::parse(req.body, nullptr, false);
               if (body.is_discarded()) return web::json_error(400, "the body must be JSON");
               auto next = facade_from_json(body);
               if (!next) {
                 const auto& msg = next.error().message;
                 auto colon = msg.find(": ");
                 return field_error(msg.substr(0, colon), "invalid", msg.substr(colon + 2));
               }
               if (auto bad = check_facade(*next, device, room_exists))
                 return field_error(bad->field, "invalid", bad->message);
               if (auto applied = apply(*next); !applied) {
                 return error_response(applied.error());
               }
               if (auto saved = settings.set(kLayoutKey, facade_to_json(*next).dump()); !saved)
                 return web::json_error(500, saved.error().message);
               current = *next;
               auth.audit(who, "settings_changed", "facade: " + facade_to_json(*next).dump());
               web::HttpResponse r;
               r.body = describe(current, device, presence ? presence() : json::array()).dump();
               return r;
             }));
}

}  // namespace vto::api
