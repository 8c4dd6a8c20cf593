#include "api/access_api.h"

#include <charconv>
#include <limits>

#include "access/card_csv.h"
#include "api/query_params.h"
#include "sip/message/uri.h"
#include "web/http_server.h"
#include "web/query.h"

namespace vto::api {
namespace {

using nlohmann::json;
using store::Role;

constexpr const char* kLockKey = "access.lock";
constexpr std::string_view kCardsPrefix = "/api/v1/access/cards/";
constexpr std::string_view kPrintsPrefix = "/api/v1/access/fingerprints/";
constexpr std::string_view kRoomPasswordPrefix = "/api/v1/access/passwords/rooms/";
constexpr std::string_view kRemoteLocksPrefix = "/api/v1/access/remote-locks/";
constexpr auto kReaderWait = std::chrono::seconds(30);

// The lock settings and what is locked now: the keypad, and monitors' remote unlock.
json lock_state(const access::AccessControl& access) {
  json j = to_json(access.settings());
  j["keypad_locked_seconds"] = access.keypad_locked_seconds();
  json locks = json::array();
  for (const auto& l : access.remote_locks())
    locks.push_back({{"device", l.device}, {"seconds_left", l.seconds_left}});
  j["remote_locks"] = std::move(locks);
  return j;
}

std::optional<web::HttpResponse> read_text(const json& body, const char* name, std::string& out,
                                           bool required) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return field_error(name, "required", "required");
    return std::nullopt;
  }
  if (!it->is_string()) return field_error(name, "type", "must be text");
  out = it->get<std::string>();
  return std::nullopt;
}

// A card's fields from a body: "number" (unless `number` is given), room, person,
// valid_from_ms, valid_to_ms, status.
std::optional<web::HttpResponse> read_card(const json& body, access::Card& c) {
  if (auto bad = read_text(body, "number", c.number, c.number.empty())) return bad;
  if (auto bad = read_text(body, "room", c.room, false)) return bad;
  if (auto bad = read_text(body, "person", c.person, false)) return bad;
  for (auto [name, field] :
       {std::pair{"valid_from_ms", &c.valid_from_ms}, std::pair{"valid_to_ms", &c.valid_to_ms}}) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0) {
      return field_error(name, "type", "a unix time in ms, or 0 for none");
    }
    *field = it->get<std::int64_t>();
  }
  std::string status(access::card_status_name(c.status));
  if (auto bad = read_text(body, "status", status, false)) return bad;
  auto parsed = access::parse_card_status(status);
  if (!parsed) return field_error("status", "one_of", "normal, lost or frozen");
  c.status = *parsed;
  return std::nullopt;
}

json print_json(const access::Fingerprint& p) {
  return {{"id", p.id},
          {"room", p.room},
          {"person", p.person},
          {"finger", p.finger},
          {"created_ms", p.created_ms}};
}

std::string owner_text(const access::CodeOwner& o) {
  switch (o.kind) {
    case access::CodeKind::Public:
      return "public password";
    case access::CodeKind::Duress:
      return "duress password";
    case access::CodeKind::Room:
      return "room " + o.room + " password";
  }
  return "password";
}

}  // namespace

// --- lock settings -------------------------------------------------------------------

json to_json(const access::LockSettings& s) {
  return {{"relay", s.normally_closed ? "normally_closed" : "normally_open"},
          {"unlock_seconds", s.unlock_seconds},
          {"interval_seconds", s.interval_seconds},
          {"door_sensor", s.door_sensor},
          {"held_open_seconds", s.held_open_seconds},
          {"keypad_max_failures", s.keypad_max_failures},
          {"keypad_lock_seconds", s.keypad_lock_seconds}};
}

Result<access::LockSettings> lock_settings_from_json(const json& body) {
  using L = access::LockSettings;
  L s;
  auto relay = body.find("relay");
  if (relay == body.end() || !relay->is_string() ||
      (*relay != "normally_open" && *relay != "normally_closed")) {
    return make_error("relay: normally_open or normally_closed", Errc::Invalid);
  }
  s.normally_closed = *relay == "normally_closed";
  const struct {
    const char* name;
    int* value;
    int lo, hi;
  } ints[] = {
      {"unlock_seconds", &s.unlock_seconds, L::kMinUnlockSeconds, L::kMaxUnlockSeconds},
      {"interval_seconds", &s.interval_seconds, 0, L::kMaxIntervalSeconds},
      {"held_open_seconds", &s.held_open_seconds, L::kMinHeldOpenSeconds, L::kMaxHeldOpenSeconds},
      {"keypad_max_failures", &s.keypad_max_failures, L::kMinKeypadFailures, L::kMaxKeypadFailures},
      {"keypad_lock_seconds", &s.keypad_lock_seconds, L::kMinKeypadLockSeconds,
       L::kMaxKeypadLockSeconds},
  };
  for (const auto& f : ints) {
    auto it = body.find(f.name);
    if (it == body.end() || !it->is_number_integer() || it->get<std::int64_t>() < f.lo ||
        it->get<std::int64_t>() > f.hi) {
      return make_error(std::string(f.name) + ": a whole number from " + std::to_string(f.lo) +
                            " to " + std::to_string(f.hi),
                        Errc::Invalid);
    }
    *f.value = static_cast<int>(it->get<std::int64_t>());
  }
  auto sensor = body.find("door_sensor");
  if (sensor == body.end() || !sensor->is_boolean()) {
    return make_error("door_sensor: true or false", Errc::Invalid);
  }
  s.door_sensor = sensor->get<bool>();
  return s;
}

Result<access::LockSettings> load_lock_settings(store::Settings& settings) {
  auto saved = settings.get(kLockKey);
  if (!saved) return saved.error();
  if (!*saved) return access::LockSettings{};
  const json body = json::parse(**saved, nullptr, false);
  auto s = body.is_object()
               ? lock_settings_from_json(body)
               : Result<access::LockSettings>(make_error("not a JSON object", Errc::Invalid));
  if (!s) {
    return make_error("setting " + std::string(kLockKey) + ": " + s.error().message, Errc::Invalid);
  }
  return s;
}

// --- records -------------------------------------------------------------------------

json to_json(const records::UnlockRecord& r) {
  return {
      {"id", r.id},         {"at_ms", r.at_ms}, {"method", r.method}, {"credential", r.credential},
      {"person", r.person}, {"room", r.room},   {"result", r.result}, {"reason", r.reason}};
}

json to_json(const access::Card& c) {
  return {
      {"number", c.number},           {"room", c.room},
      {"person", c.person},           {"valid_from_ms", c.valid_from_ms},
      {"valid_to_ms", c.valid_to_ms}, {"status", std::string(access::card_status_name(c.status))}};
}

Result<records::UnlockQuery> parse_unlock_query(std::string_view query) {
  records::UnlockQuery q;
  auto window = search_window(query, records::UnlockQuery::kMaxLimit);
  if (!window) return window.error();
  apply(*window, q);
  for (auto [name, field] : {std::pair{"method", &q.method}, std::pair{"room", &q.room},
                             std::pair{"result", &q.result}}) {
    auto value = text_param(query, name);
    if (!value) return value.error();
    *field = *value;
  }
  if (auto ok = records::check_query(q); !ok) return ok.error();
  return q;
}

// --- routes --------------------------------------------------------------------------

void add_access_routes(web::HttpServer& http, WebAuth& auth, AccessApiParts deps_in) {
  auto d = std::make_shared<AccessApiParts>(std::move(deps_in));
  auto audit = [&auth](const Principal& who, const std::string& detail) {
    auth.audit(who, "settings_changed", detail);
  };

  // Lock settings.
  http.route("GET", "/api/v1/access/lock",
             auth.guard(Role::Viewer, [d](const web::HttpRequest&, const Principal&) {
               return json_response(200, lock_state(d->access));
             }));
  // A monitor's remote unlock locked after wrong codes: an administrator may lift it.
  http.route("DELETE", std::string(kRemoteLocksPrefix) + "*",
             auth.guard(Role::Admin, [d, audit](const web::HttpRequest& req, const Principal& who) {
               const std::string device =
                   sip::unescape(req.path.substr(kRemoteLocksPrefix.size())).value_or("");
               if (!d->access.clear_remote_lock(device)) {
                 return web::json_error(404, "remote unlock is not locked for that device");
               }
               audit(who, "remote unlock of " + device + " unlocked");
               return json_response(200, lock_state(d->access));
             }));
  http.route("PUT", "/api/v1/access/lock",
             auth.guard(Role::Admin, [d, audit](const web::HttpRequest& req, const Principal& who) {
               auto body = object_body(req);
               if (!body) return error_response(body.error());
               auto next = lock_settings_from_json(*body);
               if (!next) return store_error(next.error());
               if (*next != d->access.settings()) {
                 if (auto r = d->settings.set(kLockKey, to_json(*next).dump()); !r) {
                   return web::json_error(500, r.error().message);
                 }
                 d->access.set_settings(*next);
                 if (d->lock_settings_changed) d->lock_settings_changed(*next);
                 audit(who, "lock settings: " + to_json(*next).dump());
               }
               return json_response(200, lock_state(d->access));
             }));

  // Remote unlock.
  http.route("POST", "/api/v1/door/unlock",
             auth.guard(Role::Operator, [d](const web::HttpRequest&, const Principal& who) {
               const auto answer = d->access.remote(who.user);
               if (!answer.granted) {
                 return json_response(
                     409, {{"error", "not opened: " + answer.text}, {"text", answer.text}});
               }
               return json_response(
                   200, {{"opened", true}, {"seconds", d->access.settings().unlock_seconds}});
             }));

  // Unlock records. Counting stops past kCountCap: a million matches are not counted for
  // every page ("total_exact": false then).
  http.route("GET", "/api/v1/records/unlocks",
             auth.guard(Role::Viewer, [d](const web::HttpRequest& req, const Principal&) {
               auto q = parse_unlock_query(req.query);
               if (!q) return store_error(q.error());
               auto total = d->records.count(*q, records::kCountCap + 1);
               if (!total) return store_error(total.error());
               auto page = d->records.search(*q);
               if (!page) return store_error(page.error());
               json list = json::array();
               for (const auto& r : *page) list.push_back(to_json(r));
               return json_response(200, {{"total", std::min(*total, records::kCountCap)},
                                          {"total_exact", *total <= records::kCountCap},
                                          {"records", list}});
             }));
  http.route("GET", "/api/v1/records/unlocks.csv",
             auth.guard(Role::Viewer, [d](const web::HttpRequest& req, const Principal&) {
               auto q = parse_unlock_query(req.query);
               if (!q) return store_error(q.error());
               auto list = d->records.search(*q);
               if (!list) return store_error(list.error());
               // Without a limit the export holds every matching record, page after page.
               if (auto limit = web::query_param(req.query, "limit"); limit && !*limit) {
                 for (bool more_left = list->size() == q->limit; more_left;) {
                   q->limit = records::UnlockQuery::kMaxLimit;
                   q->offset = list->size();
                   auto more = d->records.search(*q);
                   if (!more) return store_error(more.error());
                   list->insert(list->end(), more->begin(), more->end());
                   more_left = more->size() == q->limit;
                 }
               }
               web::HttpResponse r;
               r.content_type = "text/csv; charset=utf-8";
               r.headers["Content-Disposition"] = "attachment; filename=\"unlock-records.csv\"";
               r.headers["X-Total-Count"] = std::to_string(list->size());
               r.body = records::unlocks_csv(*list, access::utc_time);
               return r;
             }));

  // Cards.
  http.route(
      "GET", "/api/v1/access/cards",
      auth.guard(Role::Admin, [d](const web::HttpRequest& req, const Principal&) {
        access::CardQuery q;
        auto room = text_param(req.query, "room");
        auto status = text_param(req.query, "status");
        auto number = text_param(req.query, "number");
        auto text = text_param(req.query, "q");
        if (!text) return store_error(text.error());
        if (*text) {
          if ((*text)->size() > 64) return field_error("q", "invalid", "at most 64 characters");
          q.text = **text;
        }
        auto offset = number_param(req.query, "offset", 1 << 30);
        auto limit = number_param(req.query, "limit", access::CardQuery::kMaxLimit);
        for (const Result<std::optional<std::string>>* r : {&room, &status, &number}) {
          if (!*r) return store_error(r->error());
        }
        if (!offset) return store_error(offset.error());
        if (!limit) return store_error(limit.error());
        q.room = *room;
        if (*status) {
          q.status = access::parse_card_status(**status);
          if (!q.status) return field_error("status", "one_of", "normal, lost or frozen");
        }
        if (*number) {
          for (char c : **number) {
            if (!std::isxdigit(static_cast<unsigned char>(c)) || number->value().size() > 16) {
              return field_error("number", "invalid", "hexadecimal digits (a prefix)");
            }
            q.number_prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          }
        }
        if (*offset) q.offset = static_cast<std::size_t>(**offset);
        if (*limit) q.limit = static_cast<std::size_t>(**limit);
        if (q.limit == 0) return field_error("limit", "range", "1-500");
        auto total = d->cards.count(q);
        if (!total) return store_error(total.error());
        auto list = d->cards.list(q);
        if (!list) return store_error(list.error());
        json cards = json::array();
        for (const auto& c : *list) cards.push_back(to_json(c));
        return json_response(200,
                             {{"total", *total}, {"cards", cards}, {"max", access::kMaxCards}});
      }));
  http.route("POST", "/api/v1/access/cards",
             auth.guard(Role::Admin, [d, audit](const web::HttpRequest& req, const Principal& who) {
               auto body = object_body(req);
               if (!body) return error_response(body.error());
               access::Card c;
               if (auto bad = read_card(*body, c)) return *bad;
               auto checked = access::checked_card(c);
               if (!checked) return store_error(checked.error());
               if (auto r = d->cards.add(*checked); !r) return store_error(r.error());
               audit(who, "card " + records::masked_card(checked->number) + " added");
               return json_response(201, to_json(*checked));
             }));
  http.route("GET", "/api/v1/access/cards.csv",
             auth.guard(Role::Admin, [d](const web::HttpRequest&, const Principal&) {
               std::vector<access::Card> all;
               access::CardQuery q;
               q.limit = access::CardQuery::kMaxLimit;
               for (;;) {
                 auto page = d->cards.list(q);
                 if (!page) return store_error(page.error());
                 all.insert(all.end(), page->begin(), page->end());
                 if (page->size() < q.limit) break;
                 q.offset += page->size();
               }
               web::HttpResponse r;
               r.content_type = "text/csv; charset=utf-8";
               r.headers["Content-Disposition"] = "attachment; filename=\"cards.csv\"";
               r.headers["X-Total-Count"] = std::to_string(all.size());
               r.body = access::cards_csv(all);
               return r;
             }));
  http.allow_large_body("/api/v1/access/cards.csv", access::kMaxCsvBytes);
  http.route("POST", "/api/v1/access/cards.csv",
             auth.guard(Role::Admin, [d, audit](const web::HttpRequest& req, const Principal& who) {
               if (!req.content_type.starts_with("text/csv")) {
                 return web::json_error(415, "the body must be CSV (Content-Type: text/csv)");
               }
               auto cards = access::parse_cards_csv(req.body);
               if (!cards) return web::json_error(400, cards.error().message);
               auto n = d->cards.import(*cards);
               if (!n) {
                 // "cards[i]...": name the file's line (the header is line 1).
                 std::string message = n.error().message;
                 if (message.starts_with("cards[")) {
                   const auto close = message.find(']');
                   std::size_t index = 0;
                   std::from_chars(message.data() + 6, message.data() + close, index);
                   message = "line " + std::to_string(index + 2) + ": " + message.substr(close + 2);
                 }
                 return web::json_error(n.error().errc == Errc::Invalid ? 400 : 409, message);
               }
               audit(who, std::to_string(*n) + " cards imported");
               return json_response(200, {{"imported", *n}});
             }));
  http.route_async("POST", "/api/v1/access/cards/read",
                   auth.guard_async(Role::Admin, [d](const web::HttpRequest&, const Principal&,
                                                     web::HttpServer::Reply reply) {
                     if (d->enrolment.card_reader() == nullptr) {
                       return reply(web::json_error(409, "no card reader module in the facade"));
                     }
                     d->enrolment.read_card(kReaderWait, [reply](Result<std::string> number) {
                       if (!number) return reply(error_response(number.error()));
                       reply(json_response(200, {{"number", *number}}));
                     });
                   }));
  // The Cancel of a card read or a finger enrolment: the waiting request answers 409.
  http.route("POST", "/api/v1/access/readers/cancel",
             auth.guard(Role::Admin, [d](const web::HttpRequest&, const Principal&) {
               return json_response(200, {{"cancelled", d->enrolment.cancel_waits()}});
             }));
  http.route("PUT", std::string(kCardsPrefix) + "*",
             auth.guard(Role::Admin, [d, audit](const web::HttpRequest& req, const Principal& who) {
               auto number = hal::normalize_card_number(req.path.substr(kCardsPrefix.size()));
               if (!number) return web::json_error(404, "no such card");
               auto body = object_body(req);
               if (!body) return error_response(body.error());
               access::Card c;
               c.number = *number;
               if (body->contains("number") && (*body)["number"] != *number) {
                 return field_error("number", "fixed", "a card's number cannot change");
               }
               if (auto bad = read_card(*body, c)) return *bad;
               if (auto r = d->cards.update(c); !r) return store_error(r.error());
               audit(who, "card " + records::masked_card(c.number) +
                              " changed: " + std::string(access::card_status_name(c.status)));
               return json_response(200, to_json(c));
             }));
  http.route("DELETE", std::string(kCardsPrefix) + "*",
             auth.guard(Role::Admin, [d, audit](const web::HttpRequest& req, const Principal& who) {
               const std::string number = req.path.substr(kCardsPrefix.size());
               if (auto r = d->cards.remove(number); !r) return store_error(r.error());
               audit(who, "card " + records::masked_card(number) + " removed");
               return json_response(200, {{"removed", true}});
             }));

  // Fingerprints.
  http.route(
      "GET", "/api/v1/access/fingerprints",
      auth.guard(Role::Admin, [d](const web::HttpRequest&, const Principal&) {
        auto list = d->fingerprints.list();
        if (!list) return store_error(list.error());
        json prints = json::array();
        for (const auto& p : *list) prints.push_back(print_json(p));
        return json_response(200, {{"fingerprints", prints}, {"max", access::kMaxFingerprints}});
      }));
  http.route_async(
      "POST", "/api/v1/access/fingerprints",
      auth.guard_async(Role::Admin, [d, audit](const web::HttpRequest& req, const Principal& who,
                                               web::HttpServer::Reply reply) {
        auto body = object_body(req);
        if (!body) return reply(error_response(body.error()));
        access::Fingerprint p;
        for (auto [name, field] : {std::pair{"room", &p.room}, std::pair{"person", &p.person},
                                   std::pair{"finger", &p.finger}}) {
          if (auto bad = read_text(*body, name, *field, false)) return reply(*bad);
        }
        // The owner is checked before the wait, and again when the template is stored.
        if (p.room.empty() && p.person.empty()) {
          return reply(field_error("person", "required", "give the owner's room, name, or both"));
        }
        d->enrolment.enrol_finger(
            kReaderWait, [d, audit, who, p, reply](Result<std::vector<std::uint8_t>> t) mutable {
              if (!t) {
                // A busy or absent reader, whatever the module said: 503.
                const Errc e = t.error().errc;
                return reply(
                    web::json_error(e == Errc::Conflict || e == Errc::Busy || e == Errc::Timeout
                                        ? http_status(t.error())
                                        : 503,
                                    t.error().message));
              }
              p.template_data = std::move(*t);
              p.created_ms = d->now_ms();
              auto id = d->fingerprints.add(p);
              if (!id) return reply(store_error(id.error()));
              p.id = *id;
              if (d->fingerprints_changed) d->fingerprints_changed();
              audit(who, "fingerprint " + std::to_string(*id) + " enrolled");
              reply(json_response(201, print_json(p)));
            });
      }));
  http.route("DELETE", std::string(kPrintsPrefix) + "*",
             auth.guard(Role::Admin, [d, audit](const web::HttpRequest& req, const Principal& who) {
               const std::string text = req.path.substr(kPrintsPrefix.size());
               std::int64_t id = 0;
               auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
               if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
                 return web::json_error(404, "no such fingerprint");
               }
               if (auto r = d->fingerprints.remove(id); !r) return store_error(r.error());
               if (d->fingerprints_changed) d->fingerprints_changed();
               audit(who, "fingerprint " + text + " removed");
               return json_response(200, {{"removed", id}});
             }));

  // Keypad passwords (write-only).
  http.route("GET", "/api/v1/access/passwords",
             auth.guard(Role::Admin, [d](const web::HttpRequest&, const Principal&) {
               auto list = d->codes.list();
               if (!list) return store_error(list.error());
               json out{{"public", nullptr}, {"duress", nullptr}, {"rooms", json::array()}};
               for (const auto& info : *list) {
                 json set{{"updated_ms", info.updated_ms}};
                 switch (info.owner.kind) {
                   case access::CodeKind::Public:
                     out["public"] = set;
                     break;
                   case access::CodeKind::Duress:
                     out["duress"] = set;
                     break;
                   case access::CodeKind::Room:
                     set["room"] = info.owner.room;
                     out["rooms"].push_back(set);
                     break;
                 }
               }
               return json_response(200, out);
             }));
  // The owner a password path names, or nothing for an unknown path.
  auto owner_of = [](const std::string& path) -> std::optional<access::CodeOwner> {
    if (path == "/api/v1/access/passwords/public") return access::CodeOwner{};
    if (path == "/api/v1/access/passwords/duress") {
      return access::CodeOwner{access::CodeKind::Duress, ""};
    }
    if (path.starts_with(kRoomPasswordPrefix) && path.size() > kRoomPasswordPrefix.size()) {
      return access::CodeOwner{access::CodeKind::Room, path.substr(kRoomPasswordPrefix.size())};
    }
    return std::nullopt;
  };
  http.route_async(
      "PUT", "/api/v1/access/passwords/*",
      auth.guard_async(Role::Admin,
                       [d, audit, owner_of](const web::HttpRequest& req, const Principal& who,
                                            web::HttpServer::Reply reply) {
                         auto owner = owner_of(req.path);
                         if (!owner) return reply(web::json_error(404, "not found"));
                         auto body = object_body(req);
                         if (!body) return reply(error_response(body.error()));
                         std::string code;
                         if (auto bad = read_text(*body, "password", code, true))
                           return reply(*bad);
                         if (auto r = access::check_code(code); !r)
                           return reply(store_error(r.error()));
                         const access::KeypadHasher& hasher = d->hasher;
                         d->hash_async([&hasher, code] { return hasher.hash(code); },
                                       [d, audit, who, owner = *owner, reply](std::string hash) {
                                         if (hash.empty())
                                           return reply(web::json_error(503, "hashing failed"));
                                         if (auto r = d->codes.set(owner, hash, d->now_ms()); !r) {
                                           return reply(store_error(r.error()));
                                         }
                                         audit(who, owner_text(owner) + " set");
                                         reply(json_response(200, {{"set", true}}));
                                       });
                       }));
  http.route("DELETE", "/api/v1/access/passwords/*",
             auth.guard(Role::Admin,
                        [d, audit, owner_of](const web::HttpRequest& req, const Principal& who) {
                          auto owner = owner_of(req.path);
                          if (!owner) return web::json_error(404, "not found");
                          if (auto r = d->codes.clear(*owner); !r) return store_error(r.error());
                          audit(who, owner_text(*owner) + " removed");
                          return json_response(200, {{"removed", true}});
                        }));
}

}  // namespace vto::api
