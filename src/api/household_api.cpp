#include "api/household_api.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "api/query_params.h"

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

// A list's page: `q` (a case-insensitive part of what `text` gives), `offset`, `limit`
// (1-1000, default: all) and `order` (asc/desc) from the query string.
struct ListWindow {
  std::string q;
  std::size_t offset = 0;
  std::optional<std::size_t> limit;
  bool descending = false;
  std::string sort;
};

constexpr std::size_t kMaxListLimit = 1000;

Result<ListWindow> list_window(std::string_view query,
                               std::initializer_list<std::string_view> sorts) {
  ListWindow w;
  auto q = text_param(query, "q");
  if (!q) return q.error();
  if (*q) {
    if ((*q)->size() > 64) return bad_param("q", "at most 64 characters");
    w.q = **q;
    std::ranges::transform(w.q, w.q.begin(), [](unsigned char c) { return std::tolower(c); });
  }
  auto offset = number_param(query, "offset", 1 << 30);
  if (!offset) return offset.error();
  if (*offset) w.offset = static_cast<std::size_t>(**offset);
  auto limit = number_param(query, "limit", kMaxListLimit);
  if (!limit) return limit.error();
  if (*limit) {
    if (**limit == 0) return bad_param("limit", "must be 1-1000");
    w.limit = static_cast<std::size_t>(**limit);
  }
  auto order = text_param(query, "order");
  if (!order) return order.error();
  if (*order && **order != "asc" && **order != "desc") return bad_param("order", "asc or desc");
  w.descending = *order && **order == "desc";
  auto sort = text_param(query, "sort");
  if (!sort) return sort.error();
  w.sort = sort->value_or(std::string(*sorts.begin()));
  if (std::ranges::find(sorts, w.sort) == sorts.end()) {
    std::string rule = "one of";
    for (auto s : sorts) rule += " " + std::string(s);
    return bad_param("sort", rule);
  }
  return w;
}

bool matches(const std::string& q, std::initializer_list<std::string_view> fields) {
  if (q.empty()) return true;
  for (std::string_view f : fields) {
    std::string lower(f);
    std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower.find(q) != std::string::npos) return true;
  }
  return false;
}

// The window's page of `items` (already filtered and in order): reversed for desc.
template <class T>
std::vector<T> page_of(std::vector<T> items, const ListWindow& w) {
  if (w.descending) std::ranges::reverse(items);
  const std::size_t from = std::min(w.offset, items.size());
  const std::size_t to = w.limit ? std::min(items.size(), from + *w.limit) : items.size();
  return {std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(from)),
          std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(to))};
}

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
  // A broken rule (400) or a number taken (409), beside the field it names.
  if (error.errc == Errc::Invalid || error.errc == Errc::Conflict) {
    const bool invalid = error.errc == Errc::Invalid;
    for (auto [store_name, api_name] : kFields) {
      if (error.message.starts_with(store_name) &&
          (error.message.size() == store_name.size() || error.message[store_name.size()] == ' ' ||
           error.message[store_name.size()] == ':')) {
        json body{{"error", error.message},
                  {"field", api_name},
                  {"rule", invalid ? "invalid" : "unique"}};
        return ok(invalid ? 400 : 409, body);
      }
    }
    if (invalid) return web::json_error(400, error.message);
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

  // ?q=TEXT (number or names), sort=number|name|online, order=asc|desc, offset, limit.
  http.route(
      "GET", "/api/v1/rooms",
      auth.guard(Role::Viewer, [dir, online](const web::HttpRequest& req, const Principal&) {
        auto w = list_window(req.query, {"number", "name", "online"});
        if (!w) return error_response(w.error());
        auto rooms = dir->list_rooms();
        if (!rooms) return store_error_response(rooms.error());
        struct Row {
          store::Room room;
          std::vector<OnlineDevice> online;
        };
        std::vector<Row> rows;
        for (auto& r : *rooms) {
          if (!matches(w->q, {r.number, r.first_name, r.last_name, r.nick_name,
                              r.first_name + " " + r.last_name})) {
            continue;
          }
          // The registrations are looked up for the page shown, unless they sort it.
          auto devices = w->sort == "online" ? online(r.number) : std::vector<OnlineDevice>{};
          rows.push_back({std::move(r), std::move(devices)});
        }
        if (w->sort == "name") {
          std::ranges::stable_sort(rows, [](const Row& x, const Row& y) {
            return std::tie(x.room.last_name, x.room.first_name) <
                   std::tie(y.room.last_name, y.room.first_name);
          });
        } else if (w->sort == "online") {
          std::ranges::stable_sort(
              rows, [](const Row& x, const Row& y) { return x.online.size() > y.online.size(); });
        }
        const std::size_t total = rows.size();
        json list = json::array();
        for (const auto& r : page_of(std::move(rows), *w)) {
          list.push_back(room_json(r.room, w->sort == "online" ? r.online : online(r.room.number)));
        }
        return ok(200, {{"rooms", list}, {"total", total}});
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
        bool preview = false, skip_existing = false;
        for (auto [name, flag] :
             {std::pair{"preview", &preview}, std::pair{"skip_existing", &skip_existing}}) {
          if (!body->contains(name)) continue;
          if (!(*body)[name].is_boolean()) return field_error(name, "type", "true or false");
          *flag = (*body)[name].get<bool>();
        }
        // The preview: which numbers the batch makes, and which of them are taken already.
        if (preview) {
          auto numbers = store::Directory::batch_numbers(batch);
          if (!numbers) return store_error_response(numbers.error());
          auto rooms = dir->list_rooms();
          if (!rooms) return store_error_response(rooms.error());
          auto vtos = dir->list_vtos();
          if (!vtos) return store_error_response(vtos.error());
          std::set<std::string> used;
          for (const auto& r : *rooms) used.insert(r.number);
          for (const auto& v : *vtos) used.insert(v.number);
          json fresh = json::array(), taken = json::array();
          for (const auto& n : *numbers) (used.contains(n) ? taken : fresh).push_back(n);
          return ok(200, {{"new", fresh}, {"existing", taken}});
        }
        auto added = dir->add_rooms_batch(batch, tmpl, skip_existing);
        if (!added) return store_error_response(added.error());
        a->audit(who, "settings_changed", std::to_string(added->size()) + " rooms added (batch)");
        // The only time these passwords are shown: the installer hands them out.
        json numbers = json::array();
        json rooms = json::array();
        for (const auto& r : *added) {
          numbers.push_back(r.number);
          rooms.push_back({{"number", r.number}, {"password", r.password}});
        }
        const auto asked = store::Directory::batch_numbers(batch);
        const std::size_t skipped = asked ? asked->size() - added->size() : 0;
        web::HttpResponse res =
            ok(201, {{"added", numbers}, {"rooms", rooms}, {"skipped", skipped}});
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

  // ?q=TEXT (number, building, unit, IP), order=asc|desc, offset, limit.
  http.route("GET", "/api/v1/vtos",
             auth.guard(Role::Viewer, [dir](const web::HttpRequest& req, const Principal&) {
               auto w = list_window(req.query, {"number"});
               if (!w) return error_response(w.error());
               auto vtos = dir->list_vtos();
               if (!vtos) return store_error_response(vtos.error());
               std::erase_if(*vtos, [&](const store::Vto& v) {
                 return !matches(w->q, {v.number, v.building, v.unit, v.ip});
               });
               const std::size_t total = vtos->size();
               json list = json::array();
               for (const auto& v : page_of(std::move(*vtos), *w)) list.push_back(vto_json(v));
               return ok(200, {{"vtos", list}, {"total", total}});
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
