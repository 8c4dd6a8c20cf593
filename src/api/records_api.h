// The record search API over records::CallRecords:
//   GET /api/v1/records/calls?from=MS&to=MS&result=R&offset=N&limit=N
//       -> {"total": N, "records": [{...}, ...]}, newest first
//   GET /api/v1/records/calls.csv (same filters; no limit: every match) -> text/csv with a
//       header row
//   GET /api/v1/records/calls/{id}/snapshot -> image/jpeg, the visitor when the call started
// A bad parameter gets a 400 whose message names it.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "api/auth/route_guard.h"
#include "core/result.h"
#include "records/call_records.h"

namespace vto::api {

// The filters and paging of a query string, checked; Errc::Invalid naming the parameter.
Result<records::CallQuery> parse_call_query(std::string_view query);

nlohmann::json to_json(const records::CallRecord& record);

// The answer to GET /api/v1/records/calls/<rest>, `rest` being "<id>/snapshot": the JPEG
// at the record's stored snapshot_path (request input never names a file), 404 when the
// record or its snapshot does not exist, 400 for an id that is not a number.
web::HttpResponse call_snapshot_response(records::CallRecords& records, std::string_view rest);

// `records` must outlive `http`'s use of the routes. Each needs the viewer role.
// `watch` guards the pictures: only the roles that may watch the door see a visitor's face.
void add_record_routes(web::HttpServer& http, const Guard& guard, const Guard& watch,
                       records::CallRecords& records);

}  // namespace vto::api
