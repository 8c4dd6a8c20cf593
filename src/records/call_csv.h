// CSV export of call records (RFC 4180): a header row, then one row per record, CRLF
// line ends, fields quoted when they hold a comma, a quote or a line break.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "records/call_records.h"

namespace vto::records {

// `field` as one CSV field: as it is, or in double quotes with inner quotes doubled.
// A field starting with = + - @ is prefixed with ' so spreadsheets do not run it as a
// formula (device names come from the network).
std::string csv_field(std::string_view field);

// "id,started_ms,ended_ms,caller,called,answered_by,result,duration_s,snapshot_path".
std::string_view calls_csv_header();

std::string calls_csv(const std::vector<CallRecord>& records);

}  // namespace vto::records
