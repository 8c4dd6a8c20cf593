// CSV export of call records (store/csv.h).
#pragma once

#include <string>
#include <vector>

#include "records/call_records.h"

namespace vto::records {

// Columns: id,started_ms,ended_ms,caller,called,answered_by,result,duration_s,snapshot_path.
std::string calls_csv(const std::vector<CallRecord>& records);

}  // namespace vto::records
