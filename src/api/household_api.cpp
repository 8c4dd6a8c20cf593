#include "api/household_api.h"

#include <nlohmann/json.hpp>
#include <utility>

namespace vto::api {
namespace {

using nlohmann::json;
using store::Role;

constexpr std::string_view kRoomsPrefix = "/api/v1/rooms/";
constexpr std::string_view kVtosPrefix = "/api/v1/vtos/";

// The store's field names (store/rules.h, store/directory.cpp) and the API's.
constexpr std::pair<std::string_view, std::string_view> kFields[] = {
    {"room number", "number"},
    {"VTO No.", "number"},
    {"first name", "first_name"},
    {"last name", "last_name"},
    {"nick name", "nick_name"},
    {"register password", "password"},
    {"register type", "register_type"},
    {"building number", "building"},
    {"unit number", "unit"},
    {"IP address", "ip"},
    {"web user", "web_user"},
    {"web password", "web_password"},
    {"floors", "floors"},
    {"rooms per floor", "rooms_per_floor"},
    {"first floor number", "first_floor_first_room"},
    {"second floor number", "second_floor_first_room"},
};

web::HttpResponse ok(int status, const json& body) {
  web::HttpResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

// Reads text member `name` into `out` when present; a field error when it is not text.
std::optional<web::HttpResponse> read_text(const json& body, const char* name, std::string& out) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return field_error(name, "type", "must be text");
  out = it->get<std::string>();
  return std::nullopt;
}

std::optional<web::HttpResponse> read_int(const json& body, const char* name, int& out) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return field_error(name, "required", "required");
  if (!it->is_number_integer()) return field_error(name, "type", "must be a whole number");
  auto v = it->get<long long>();
  if (v < 0 || v > 99999999) return field_error(name, "range", "out of range");
  out = static_cast<int>(v);
  return std::nullopt;
}

std::optional<web::HttpResponse> read_room(const json& body, store::Room& room) {
  for (auto [name, field] :
       {std::pair{"number", &room.number}, std::pair{"first_name", &room.first_name},
        std::pair{"last_name", &room.last_name}, std::pair{"nick_name", &room.nick_name},
        std::pair{"register_type", &room.register_type}, std::pair{"password", &room.password}}) {
    if (auto bad = read_text(body, name, *field)) return bad;
  }
  return std::nullopt;
}

std::optional<web::HttpResponse> read_vto(const json& body, store::Vto& vto) {
  for (auto [name, field] : {std::pair{"number", &vto.number}, std::pair{"password", &vto.password},
                             std::pair{"building", &vto.building}, std::pair{"unit", &vto.unit},
                             std::pair{"ip", &vto.ip}, std::pair{"web_user", &vto.web_user},
                             std::pair{"web_password", &vto.web_password}}) {
    if (auto bad = read_text(body, name, *field)) return bad;
  }
  return std::nullopt;
}

// "online": every device registered now; "online_tls": those of them registered over TLS.
void add_online(json& j, const std::vector<OnlineDevice>& online) {
  json all = json::array(), tls = json::array();
  for (const auto& d : online) {
    all.push_back(d.aor);
    if (d.tls) tls.push_back(d.aor);
  }
  j["online"] = std::move(all);
  j["online_tls"] = std::move(tls);
}

json room_json(const store::Room& r, const std::vector<OnlineDevice>& online) {
  json j{{"number", r.number},
         {"first_name", r.first_name},
         {"last_name", r.last_name},
         {"nick_name", r.nick_name},
         {"register_type", r.register_type}};
  add_online(j, online);
  return j;
}

json vto_json(const store::Vto& v) {
  return {{"number", v.number},     {"building", v.building},
          {"unit", v.unit},         {"ip", v.ip},
          {"web_user", v.web_user}, {"web_password_set", !v.web_password.empty()}};
}

}  // namespace

web::HttpResponse store_error_response(const Error& error) {
  if (error.errc == Errc::Invalid) {
    for (auto [store_name, api_name] : kFields) {
      if (error.message.starts_with(store_name) &&
          (error.message.size() == store_name.size() || error.message[store_name.size()] == ' ' ||
           error.message[store_name.size()] == ':')) {
        json body{{"error", error.message}, {"field", api_name}, {"rule", "invalid"}};
        return ok(400, body);
      }
    }
    return web::json_error(400, error.message);
  }
  return error_response(error);
}

void add_household_routes(web::HttpServer& http, WebAuth& auth, store::Directory& directory,
                          OnlineDevices online, RoomUsers users) {
  store::Directory* dir = &directory;
  WebAuth* a = &auth;
  // The own VTO No. is not in the VTO list (the store's rule does not see it).
  auto own_number_clash = [users](const std::string& number) -> std::optional<web::HttpResponse> {
    if (users.own_vto_number && number == users.own_vto_number())
      return field_error("number", "unique", "room \"" + number + "\": this VTO's own number");
    return std::nullopt;
  };
  auto in_use = [users](const std::string& number) -> std::optional<web::HttpResponse> {
    if (!users.in_use) return std::nullopt;
    if (auto why = users.in_use(number)) return web::json_error(409, *why);
    return std::nullopt;
  };

  http.route("GET", "/api/v1/rooms",
             auth.guard(Role::Viewer, [dir, online](const web::HttpRequest&, const Principal&) {
               auto rooms = dir->list_rooms();
               if (!rooms) return store_error_response(rooms.error());
               json list = json::array();
               for (const auto& r : *rooms) list.push_back(room_json(r, online(r.number)));
               return ok(200, {{"rooms", list}});
             }));
  http.route("POST", "/api/v1/rooms",
             auth.guard(Role::Admin, [dir, a, own_number_clash](const web::HttpRequest& req,
                                                                const Principal& who) {
               auto body = object_body(req);
               if (!body) return error_response(body.error());
               store::Room room;
               if (auto bad = read_room(*body, room)) return *bad;
               if (auto bad = own_number_clash(room.number)) return *bad;
               if (auto r = dir->add_room(room); !r) return store_error_response(r.error());
               a->audit(who, "settings_changed", "room " + room.number + " added");
               return ok(201, room_json(room, {}));
             }));
  http.route(
      "POST", "/api/v1/rooms/batch",
      auth.guard(Role::Admin, [dir, a](const web::HttpRequest& req, const Principal& who) {
        auto body = object_body(req);
        if (!body) return error_response(body.error());
        store::RoomBatch batch;
        for (auto [name, field] :
             {std::pair{"floors", &batch.floors},
              std::pair{"rooms_per_floor", &batch.rooms_per_floor},
              std::pair{"first_floor_first_room", &batch.first_floor_first_room}}) {
          if (auto bad = read_int(*body, name, *field)) return *bad;
        }
        if (batch.floors > 1) {
          if (auto bad = read_int(*body, "second_floor_first_room", batch.second_floor_first_room))
            return *bad;
        }
        store::Room tmpl;
        if (auto bad = read_text(*body, "register_type", tmpl.register_type)) return *bad;
        if (body->contains("password")) {
          return field_error("password", "invalid",
                             "rooms added in a batch each get a password of their own");
        }
        auto added = dir->add_rooms_batch(batch, tmpl);
        if (!added) return store_error_response(added.error());
        a->audit(who, "settings_changed", std::to_string(added->size()) + " rooms added (batch)");
        // The only time these passwords are shown: the installer hands them out.
        json numbers = json::array();
        json rooms = json::array();
        for (const auto& r : *added) {
          numbers.push_back(r.number);
          rooms.push_back({{"number", r.number}, {"password", r.password}});
        }
        web::HttpResponse res = ok(201, {{"added", numbers}, {"rooms", rooms}});
        res.headers["Cache-Control"] = "no-store";
        return res;
      }));
  http.route(
      "DELETE", "/api/v1/rooms",
      auth.guard(Role::Admin, [dir, a, in_use](const web::HttpRequest&, const Principal& who) {
        auto rooms = dir->list_rooms();
        if (!rooms) return store_error_response(rooms.error());
        for (const auto& r : *rooms)
          if (auto busy = in_use(r.number)) return *busy;
        if (auto r = dir->clear_rooms(); !r) return store_error_response(r.error());
        a->audit(who, "settings_changed", "all rooms removed");
        return ok(200, {{"cleared", true}});
      }));
  http.route("PUT", std::string(kRoomsPrefix) + "*",
             auth.guard(Role::Admin, [dir, a](const web::HttpRequest& req, const Principal& who) {
               const std::string number = req.path.substr(kRoomsPrefix.size());
               auto existing = dir->find_room(number);
               if (!existing) return store_error_response(existing.error());
               if (!*existing) return web::json_error(404, "room \"" + number + "\": not found");
               auto body = object_body(req);
               if (!body) return error_response(body.error());
               store::Room room = **existing;
               const std::string old_password = room.password;
               if (auto bad = read_room(*body, room)) return *bad;
               if (room.password.empty()) room.password = old_password;  // write-only: kept
               if (room.number != number)
                 return field_error("number", "fixed",
                                    "a room's number cannot change; add a new room");
               if (auto r = dir->update_room(room); !r) return store_error_response(r.error());
               a->audit(who, "settings_changed", "room " + number + " edited");
               return ok(200, room_json(room, {}));
             }));
  http.route(
      "DELETE", std::string(kRoomsPrefix) + "*",
      auth.guard(Role::Admin, [dir, a, in_use](const web::HttpRequest& req, const Principal& who) {
        const std::string number = req.path.substr(kRoomsPrefix.size());
        if (auto busy = in_use(number)) return *busy;
        if (auto r = dir->remove_room(number); !r) return store_error_response(r.error());
        a->audit(who, "settings_changed", "room " + number + " removed");
        return ok(200, {{"removed", number}});
      }));

  // The management centre's account (888888): write-only password, online devices.
  http.route("GET", "/api/v1/centre",
             auth.guard(Role::Viewer, [dir, online](const web::HttpRequest&, const Principal&) {
               auto password = dir->centre_password();
               if (!password) return store_error_response(password.error());
               json j{{"number", "888888"}, {"password_set", password->has_value()}};
               add_online(j, online("888888"));
               return ok(200, std::move(j));
             }));
  http.route("PUT", "/api/v1/centre",
             auth.guard(Role::Admin, [dir, a](const web::HttpRequest& req, const Principal& who) {
               auto body = object_body(req);
               if (!body) return error_response(body.error());
               std::string password;
               if (auto bad = read_text(*body, "password", password)) return *bad;
               if (auto r = dir->set_centre_password(password); !r) {
                 return store_error_response(r.error());
               }
               a->audit(who, "settings_changed", "centre 888888 password set");
               return ok(200, {{"number", "888888"}, {"password_set", true}});
             }));
  http.route("DELETE", "/api/v1/centre",
             auth.guard(Role::Admin, [dir, a](const web::HttpRequest&, const Principal& who) {
               if (auto r = dir->set_centre_password(std::nullopt); !r) {
                 return store_error_response(r.error());
               }
               a->audit(who, "settings_changed", "centre 888888 password cleared");
               return ok(200, {{"number", "888888"}, {"password_set", false}});
             }));

  http.route("GET", "/api/v1/vtos",
             auth.guard(Role::Viewer, [dir](const web::HttpRequest&, const Principal&) {
               auto vtos = dir->list_vtos();
               if (!vtos) return store_error_response(vtos.error());
               json list = json::array();
               for (const auto& v : *vtos) list.push_back(vto_json(v));
               return ok(200, {{"vtos", list}});
             }));
  http.route("POST", "/api/v1/vtos",
             auth.guard(Role::Admin, [dir, a](const web::HttpRequest& req, const Principal& who) {
               auto body = object_body(req);
               if (!body) return error_response(body.error());
               store::Vto vto;
               if (auto bad = read_vto(*body, vto)) return *bad;
               if (auto r = dir->add_vto(vto); !r) return store_error_response(r.error());
               a->audit(who, "settings_changed", "VTO " + vto.number + " added");
               return ok(201, vto_json(vto));
             }));
  http.route("PUT", std::string(kVtosPrefix) + "*",
             auth.guard(Role::Admin, [dir, a](const web::HttpRequest& req, const Principal& who) {
               const std::string number = req.path.substr(kVtosPrefix.size());
               auto existing = dir->find_vto(number);
               if (!existing) return store_error_response(existing.error());
               if (!*existing) return web::json_error(404, "VTO \"" + number + "\": not found");
               auto body = object_body(req);
               if (!body) return error_response(body.error());
               store::Vto vto = **existing;
               const std::string old_password = vto.password;
               const std::string old_web_password = vto.web_password;
               if (auto bad = read_vto(*body, vto)) return *bad;
               // Passwords are write-only: empty keeps the saved one.
               if (vto.password.empty()) vto.password = old_password;
               if (vto.web_password.empty() && !vto.web_user.empty())
                 vto.web_password = old_web_password;
               if (vto.number != number)
                 return field_error("number", "fixed",
                                    "a VTO's number cannot change; add a new one");
               if (auto r = dir->update_vto(vto); !r) return store_error_response(r.error());
               a->audit(who, "settings_changed", "VTO " + number + " edited");
               return ok(200, vto_json(vto));
             }));
  http.route(
      "DELETE", std::string(kVtosPrefix) + "*",
      auth.guard(Role::Admin, [dir, a, users](const web::HttpRequest& req, const Principal& who) {
        const std::string number = req.path.substr(kVtosPrefix.size());
        if (users.own_vto_number && number == users.own_vto_number())
          return web::json_error(409, "VTO " + number + " is this VTO: it stays in the list");
        if (auto r = dir->remove_vto(number); !r) return store_error_response(r.error());
        a->audit(who, "settings_changed", "VTO " + number + " removed");
        return ok(200, {{"removed", number}});
      }));
}

}  // namespace vto::api
