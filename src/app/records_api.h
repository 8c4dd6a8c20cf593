// The record search API (PRODUCT.md §3.7) over records::CallRecords:
//   GET /api/v1/records/calls?from=MS&to=MS&result=R&offset=N&limit=N
//       -> {"total": N, "records": [{...}, ...]}, newest first
//   GET /api/v1/records/calls.csv (same filters) -> text/csv with a header row
// A bad parameter gets a 400 whose message names it.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/result.h"
#include "records/call_records.h"

namespace vto::web {
class HttpServer;
}

namespace vto::app {

// The filters and paging of a query string, checked; kInvalid naming the parameter.
Result<records::CallQuery> parse_call_query(std::string_view query);

nlohmann::json to_json(const records::CallRecord& record);

// `records` must outlive `http`'s use of the routes.
void add_record_routes(web::HttpServer& http, records::CallRecords& records);

}  // namespace vto::app
