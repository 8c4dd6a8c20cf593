#include "api/alarms_api.h"

#include <charconv>
#include <chrono>

#include "access/card_csv.h"
#include "api/auth/web_auth.h"
#include "api/query_params.h"
#include "web/http_server.h"
#include "web/query.h"

namespace vto::api {

using nlohmann::json;
using store::Role;

// --- alarm records -------------------------------------------------------------------

json to_json(const records::AlarmRecord& r) {
  return {{"id", r.id},
          {"type", r.type},
          {"source", r.source},
          {"started_ms", r.started_ms},
          {"ended_ms", r.ended_ms},
          {"details", r.details},
          {"delivered_ms", r.delivered_ms},
          {"acknowledged_ms", r.acknowledged_ms},
          {"acknowledged_by", r.acknowledged_by}};
}

Result<records::AlarmQuery> parse_alarm_query(std::string_view query) {
  records::AlarmQuery q;
  auto window = search_window(query, records::AlarmQuery::kMaxLimit);
  if (!window) return window.error();
  apply(*window, q);
  auto type = text_param(query, "type");
  if (!type) return type.error();
  q.type = *type;
  auto delivered = text_param(query, "delivered");
  if (!delivered) return delivered.error();
  if (*delivered) {
    if (**delivered != "yes" && **delivered != "no") return bad_param("delivered", "yes or no");
    q.delivered = **delivered == "yes";
  }
  auto acknowledged = text_param(query, "acknowledged");
  if (!acknowledged) return acknowledged.error();
  if (*acknowledged) {
    if (**acknowledged != "yes" && **acknowledged != "no") {
      return bad_param("acknowledged", "yes or no");
    }
    q.acknowledged = **acknowledged == "yes";
  }
  if (auto ok = records::check_query(q); !ok) return ok.error();
  return q;
}

void add_alarm_routes(web::HttpServer& http, WebAuth& auth, records::AlarmRecords& records,
                      std::function<void(const records::AlarmRecord&)> acknowledged) {
  auto find = [&records](const web::HttpRequest& req)
      -> Result<std::pair<std::vector<records::AlarmRecord>, std::size_t>> {
    auto q = parse_alarm_query(req.query);
    if (!q) return q.error();
    auto total = records.count(*q);
    if (!total) return total.error();
    auto page = records.search(*q);
    if (!page) return page.error();
    // Without a limit, the CSV export holds every match.
    if (auto limit = web::query_param(req.query, "limit");
        req.path.ends_with(".csv") && limit && !*limit) {
      while (page->size() < *total) {
        q->limit = records::AlarmQuery::kMaxLimit;
        q->offset = page->size();
        auto more = records.search(*q);
        if (!more || more->empty()) break;
        page->insert(page->end(), more->begin(), more->end());
      }
    }
    return std::pair{std::move(*page), *total};
  };
  http.route("GET", "/api/v1/records/alarms",
             auth.guard(Role::Viewer, [find](const web::HttpRequest& req, const Principal&) {
               auto found = find(req);
               if (!found) return store_error(found.error());
               json list = json::array();
               for (const auto& r : found->first) list.push_back(to_json(r));
               return json_response(200, {{"total", found->second}, {"records", list}});
             }));
  http.route(
      "POST", "/api/v1/records/alarms/*",
      auth.guard(Role::Operator, [&records, &auth, acknowledged](const web::HttpRequest& req,
                                                                 const Principal& who) {
        constexpr std::string_view kPrefix = "/api/v1/records/alarms/";
        constexpr std::string_view kSuffix = "/acknowledge";
        std::string_view rest = std::string_view(req.path).substr(kPrefix.size());
        if (!rest.ends_with(kSuffix)) return web::json_error(404, "no such route");
        rest.remove_suffix(kSuffix.size());
        std::int64_t id = 0;
        auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), id);
        if (rest.empty() || ec != std::errc() || end != rest.data() + rest.size() || id <= 0) {
          return web::json_error(404, "no such alarm");
        }
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        if (auto ok = records.acknowledge(id, who.user, now); !ok) return store_error(ok.error());
        auto r = records.get(id);
        if (!r || !*r) return web::json_error(404, "no such alarm");
        auth.audit(who, "alarm_acknowledged",
                   "alarm " + std::to_string(id) + " (" + (*r)->type + ") acknowledged");
        if (acknowledged) acknowledged(**r);
        return json_response(200, to_json(**r));
      }));
  http.route("GET", "/api/v1/records/alarms.csv",
             auth.guard(Role::Viewer, [find](const web::HttpRequest& req, const Principal&) {
               auto found = find(req);
               if (!found) return store_error(found.error());
               web::HttpResponse r;
               r.content_type = "text/csv; charset=utf-8";
               r.headers["Content-Disposition"] = "attachment; filename=\"alarm-records.csv\"";
               r.headers["X-Total-Count"] = std::to_string(found->second);
               r.body = records::alarms_csv(found->first, access::utc_time);
               return r;
             }));
}

// --- record caps -------------------------------------------------------------------

namespace {

constexpr const char* kRecordCapsKey = "records.max";

json caps_json(const RecordCaps& c) {
  return {{"calls", c.calls}, {"unlocks", c.unlocks}, {"alarms", c.alarms}};
}

Result<RecordCaps> caps_from_json(const json& body) {
  RecordCaps c;
  for (auto [name, field] : {std::pair{"calls", &c.calls}, std::pair{"unlocks", &c.unlocks},
                             std::pair{"alarms", &c.alarms}}) {
    auto it = body.find(name);
    if (it == body.end() || !it->is_number_unsigned() ||
        it->get<std::uint64_t>() < RecordCaps::kMin ||
        it->get<std::uint64_t>() > RecordCaps::kMax) {
      return make_error(std::string(name) + ": a whole number from 1000 to 1000000", Errc::Invalid);
    }
    *field = static_cast<std::size_t>(it->get<std::uint64_t>());
  }
  return c;
}

}  // namespace

Result<RecordCaps> load_record_caps(store::Settings& settings) {
  auto saved = settings.get(kRecordCapsKey);
  if (!saved) return saved.error();
  if (!*saved) return RecordCaps{};
  const json body = json::parse(**saved, nullptr, false);
  auto c = body.is_object() ? caps_from_json(body)
                            : Result<RecordCaps>(make_error("not a JSON object", Errc::Invalid));
  if (!c) {
    return make_error("setting " + std::string(kRecordCapsKey) + ": " + c.error().message,
                      Errc::Invalid);
  }
  return c;
}

void add_record_caps_routes(web::HttpServer& http, WebAuth& auth, store::Settings& settings,
                            RecordCaps& caps, std::function<void(const RecordCaps&)> apply) {
  http.route("GET", "/api/v1/records/settings",
             auth.guard(Role::Viewer, [&caps](const web::HttpRequest&, const Principal&) {
               return json_response(200, caps_json(caps));
             }));
  http.route("PUT", "/api/v1/records/settings",
             auth.guard(Role::Admin, [&auth, &settings, &caps, apply](const web::HttpRequest& req,
                                                                      const Principal& who) {
               auto body = object_body(req);
               if (!body) return error_response(body.error());
               auto next = caps_from_json(*body);
               if (!next) return store_error(next.error());
               if (*next != caps) {
                 if (auto r = settings.set(kRecordCapsKey, caps_json(*next).dump()); !r) {
                   return web::json_error(500, r.error().message);
                 }
                 caps = *next;
                 if (apply) apply(caps);
                 auth.audit(who, "settings_changed", "records kept: " + caps_json(caps).dump());
               }
               return json_response(200, caps_json(caps));
             }));
}

}  // namespace vto::api
