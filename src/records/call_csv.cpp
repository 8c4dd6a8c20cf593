#include "records/call_csv.h"

#include "store/csv.h"

namespace vto::records {

std::string calls_csv(const std::vector<CallRecord>& records) {
  store::Csv csv({"id", "started_ms", "ended_ms", "caller", "called", "answered_by", "result",
                  "duration_s", "snapshot_path", "encrypted", "door_opened"});
  for (const auto& r : records) {
    csv.number(r.id)
        .number(r.started_ms)
        .number(r.ended_ms)
        .text(r.caller)
        .text(r.called)
        .text(r.answered_by)
        .text(r.result)
        .number(r.duration_s)
        .text(r.snapshot_path.value_or(""))
        .number(r.encrypted ? 1 : 0)
        .number(r.door_opened ? 1 : 0)
        .end_row();
  }
  return csv.str();
}

}  // namespace vto::records
