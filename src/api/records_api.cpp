#include "api/records_api.h"

#include "api/http_json.h"
#include "api/query_params.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>

#include "records/call_csv.h"
#include "web/http_server.h"
#include "web/query.h"

namespace vto::api {
namespace {

using nlohmann::json;

constexpr std::string_view kCallsPrefix = "/api/v1/records/calls/";
constexpr std::string_view kSnapshotSuffix = "/snapshot";
// Far above any snapshot of the camera; a bigger file is not ours to send.
constexpr std::uintmax_t kMaxSnapshotBytes = 16 * 1024 * 1024;

int status_of(const Error& e) {
  return e.errc == Errc::Invalid || e.errc == Errc::NotFound ? http_status(e) : 500;
}

// The records and total of a request's query, or the error response.
struct Found {
  std::vector<records::CallRecord> records;
  std::size_t total = 0;
};

// The JSON pages answered since the records last changed, by query string: the records
// page is read far more often than a call ends (a guard's screen, scripts polling it), and
// building a page costs a count, a search and the JSON. Any write empties it.
class PageCache {
 public:
  static constexpr std::size_t kMaxPages = 32;

  explicit PageCache(records::CallRecords& records) : records_(records) {}

  // The body of GET /api/v1/records/calls?`query`, from the cache or `build` (called with
  // the change count read before it runs, so a write during the build is not missed).
  template <class Build>
  Result<std::string> page(const std::string& query, Build build) {
    const std::uint64_t changes = records_.changes();
    if (changes != changes_) {
      pages_.clear();
      changes_ = changes;
    }
    if (auto it = pages_.find(query); it != pages_.end()) return it->second;
    Result<std::string> body = build();
    if (body && records_.changes() == changes) {
      if (pages_.size() >= kMaxPages) pages_.clear();
      pages_.emplace(query, *body);
    }
    return body;
  }

 private:
  records::CallRecords& records_;
  std::uint64_t changes_ = 0;
  std::unordered_map<std::string, std::string> pages_;
};

Result<Found> find(records::CallRecords& records, const web::HttpRequest& req) {
  auto query = parse_call_query(req.query);
  if (!query) return query.error();
  auto total = records.count(*query);
  if (!total) return total.error();
  auto page = records.search(*query);
  if (!page) return page.error();
  return Found{std::move(*page), *total};
}

}  // namespace

Result<records::CallQuery> parse_call_query(std::string_view query) {
  records::CallQuery q;
  auto window = search_window(query, records::CallQuery::kMaxLimit);
  if (!window) return window.error();
  apply(*window, q);
  auto result = text_param(query, "result");
  if (!result) return result.error();
  if (*result) {
    if (!records::is_call_result(**result)) {
      return bad_param("result", "must be answered, no_answer, busy, failed, cancelled or ongoing");
    }
    q.result = **result;
  }
  auto room = text_param(query, "room");
  if (!room) return room.error();
  q.called = *room;
  if (auto ok = records::check_query(q); !ok) return ok.error();
  return q;
}

json to_json(const records::CallRecord& r) {
  json j{{"id", r.id},
         {"started_ms", r.started_ms},
         {"ended_ms", r.ended_ms},
         {"caller", r.caller},
         {"called", r.called},
         {"answered_by", r.answered_by},
         {"result", r.result},
         {"duration_s", r.duration_s},
         {"snapshot_path", nullptr},
         {"encrypted", r.encrypted},
         {"door_opened", r.door_opened}};
  if (r.snapshot_path) j["snapshot_path"] = *r.snapshot_path;
  return j;
}

web::HttpResponse call_snapshot_response(records::CallRecords& records, std::string_view rest) {
  if (!rest.ends_with(kSnapshotSuffix)) return web::json_error(404, "not found");
  const std::string_view id_text = rest.substr(0, rest.size() - kSnapshotSuffix.size());
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (id_text.empty() || ec != std::errc() || end != id_text.data() + id_text.size() || id < 0) {
    return web::json_error(400, "call record id: must be a whole number");
  }
  auto record = records.get(id);
  if (!record) return web::json_error(status_of(record.error()), record.error().message);
  const std::string no_snapshot = "call record " + std::to_string(id) + ": no snapshot";
  if (!record->snapshot_path) return web::json_error(404, no_snapshot);
  const std::filesystem::path path(*record->snapshot_path);
  std::error_code size_error;
  const std::uintmax_t size = std::filesystem::file_size(path, size_error);
  if (size_error) return web::json_error(404, no_snapshot);
  if (size > kMaxSnapshotBytes) return web::json_error(500, "call record snapshot: too large");
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) return web::json_error(404, no_snapshot);
  web::HttpResponse response;
  response.content_type = "image/jpeg";
  response.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return response;
}

void add_record_routes(web::HttpServer& http, const Guard& guard, const Guard& watch,
                       records::CallRecords& records) {
  const auto viewer = store::Role::Viewer;
  auto cache = std::make_shared<PageCache>(records);
  http.route("GET", "/api/v1/records/calls",
             guard(viewer, [&records, cache](const web::HttpRequest& req) {
               auto body = cache->page(req.query, [&]() -> Result<std::string> {
                 auto found = find(records, req);
                 if (!found) return found.error();
                 json list = json::array();
                 for (const auto& r : found->records) list.push_back(to_json(r));
                 return json{{"total", found->total}, {"records", std::move(list)}}.dump();
               });
               if (!body) return web::json_error(status_of(body.error()), body.error().message);
               web::HttpResponse response;
               response.body = std::move(*body);
               return response;
             }));
  http.route(
      "GET", "/api/v1/records/calls.csv", guard(viewer, [&records](const web::HttpRequest& req) {
        auto found = find(records, req);
        if (!found) return web::json_error(status_of(found.error()), found.error().message);
        // Without a limit the export holds every matching record, page after page.
        if (auto limit = web::query_param(req.query, "limit"); limit && !*limit) {
          auto query = parse_call_query(req.query);
          while (query && found->records.size() < found->total) {
            query->limit = records::CallQuery::kMaxLimit;
            query->offset = found->records.size();
            auto more = records.search(*query);
            if (!more || more->empty()) break;
            found->records.insert(found->records.end(), more->begin(), more->end());
          }
        }
        web::HttpResponse response;
        response.content_type = "text/csv; charset=utf-8";
        response.headers["Content-Disposition"] = "attachment; filename=\"call-records.csv\"";
        response.headers["X-Total-Count"] = std::to_string(found->total);
        response.body = records::calls_csv(found->records);
        return response;
      }));
  http.route("GET", std::string(kCallsPrefix) + "*",
             watch(viewer, [&records](const web::HttpRequest& req) {
               return call_snapshot_response(
                   records, std::string_view(req.path).substr(kCallsPrefix.size()));
             }));
}

}  // namespace vto::api
